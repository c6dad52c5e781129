/** Words kept lower-case inside a title. */
const SMALL_WORDS = new Set(['and', 'or', 'of', 'in', 'on', 'the', 'for', 'with', 'a', 'to']);

/** Catalogue names are lower-case ("dairy eggs"); titles want "Dairy Eggs". */
export function titleCase(text: string): string {
  return text
    .split(' ')
    .filter(Boolean)
    .map((w, i) => (i > 0 && SMALL_WORDS.has(w) ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
}

/** "a", "a and b", "a, b and c". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** A schema-valid theme id from a title: lower-case words joined by dashes. */
export function slugify(text: string, maxLength = 48): string {
  const full = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (full.length <= maxLength) return full || 'theme';
  // Cut at a word boundary when there is one in the second half, so ids don't end mid-word.
  const cut = full.slice(0, maxLength);
  const lastDash = cut.lastIndexOf('-');
  return (lastDash > maxLength / 2 ? cut.slice(0, lastDash) : cut).replace(/-+$/g, '') || 'theme';
}

/** Makes ids unique by suffixing -2, -3… in order of appearance. */
export function uniqueIds(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.map((id) => {
    let candidate = id;
    for (let n = 2; seen.has(candidate); n++) candidate = `${id.slice(0, 60)}-${n}`;
    seen.add(candidate);
    return candidate;
  });
}

// Placeholder names and the category→department links live with the other catalogue-name helpers;
// re-exported here because the themes phase (local-themes.ts, tiers.ts) imports them from this file.
export { PLACEHOLDER_NAMES } from '../../catalogue/names.js';
export { categoryLinks as catalogueIndex, type CategoryLinks as CatalogueIndex } from '../../catalogue/names.js';
