/**
 * Reading prompt files: the system/user sections of a template, and {{placeholder}} filling.
 * Phase prompts mark sections with Markdown headings ("## system"); the keyword and single-step
 * prompts with HTML comments ("<!-- system -->"). `file` names the template in errors.
 */

/** The text under a "## name" heading, up to the next "## " heading. */
export function headingSection(text: string, name: string, file: string): string {
  const match = new RegExp(`^## ${name}\\n([\\s\\S]*?)(?=^## |$(?![\\s\\S]))`, 'm').exec(text);
  if (!match) throw new Error(`${file} has no "## ${name}" section`);
  return match[1].trim();
}

/** The text after a "<!-- name -->" marker, up to the next marker. */
export function commentSection(text: string, name: string, file: string): string {
  const match = new RegExp(`<!-- ${name} -->\\n([\\s\\S]*?)(?=<!-- \\w+ -->|$)`).exec(text);
  if (!match) throw new Error(`${file} has no "<!-- ${name} -->" section`);
  return match[1].trim();
}

/**
 * Replaces every {{name}} in one pass, so placeholders inside substituted data are never expanded.
 * A placeholder with no value is a template/code mismatch: `unknown` words the error.
 */
export function fillPlaceholders(template: string, values: Readonly<Record<string, string>>, unknown: (name: string) => string): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(unknown(name));
    return values[name];
  });
}
