import { readFileSync } from 'node:fs';
import { fillPlaceholders, headingSection } from '../../llm/prompt-template.js';
import type { Policy } from './policy.js';
import { sha256 } from '../../base/hash.js';
import type { ChatMessage } from '../../llm/types.js';

const PROMPT_TEXT = readFileSync(new URL('./prompt.md', import.meta.url), 'utf8');

/** Part of every filter artefact key; the content hash turns any edit to prompt.md into a new version. */
export const PROMPT_VERSION = `filter-judge-1.${sha256(PROMPT_TEXT).slice(0, 12)}`;

const SYSTEM = headingSection(PROMPT_TEXT, 'system', 'phases/filter/prompt.md');
const USER = headingSection(PROMPT_TEXT, 'user', 'phases/filter/prompt.md');

/**
 * Generated and catalogue text goes inside <shopper>/<theme> delimiters; remove anything that
 * could close a delimiter early or open a new one, and template braces.
 */
export function sanitiseUntrusted(text: string): string {
  return text.replace(/<\s*\/?\s*(shopper|theme)\s*>/gi, '').replace(/\{\{|\}\}/g, '');
}

export interface JudgePromptTheme {
  readonly title: string;
  readonly description: string;
  readonly concepts: readonly string[];
  readonly categories: readonly string[];
  readonly keywords: readonly { readonly text: string; readonly relevance?: number }[];
}

export function renderTheme(theme: JudgePromptTheme): string {
  const list = (xs: readonly string[]) => (xs.length ? xs.join('; ') : '(none)');
  return [
    `Title: ${theme.title}`,
    `Description: ${theme.description}`,
    `Concepts: ${list(theme.concepts)}`,
    `Categories: ${list(theme.categories)}`,
    `Keywords (relevance): ${list(theme.keywords.map((k) => (k.relevance === undefined ? k.text : `${k.text} (${k.relevance.toFixed(2)})`)))}`,
  ].join('\n');
}

/** System + user messages asking for a JudgeVerdict on one theme. */
export function buildJudgeMessages(input: { readonly userText: string; readonly theme: JudgePromptTheme; readonly policy: Policy }): ChatMessage[] {
  const values: Record<string, string> = {
    alcoholRule: input.policy.allowAlcohol ? 'alcohol is allowed' : 'alcohol is not allowed',
    tobaccoRule: input.policy.allowTobacco ? 'tobacco is allowed' : 'tobacco is not allowed',
    userContext: sanitiseUntrusted(input.userText),
    theme: sanitiseUntrusted(renderTheme(input.theme)),
  };
  const fill = (template: string) => fillPlaceholders(template, values, (name) => `phases/filter/prompt.md uses unknown placeholder {{${name}}}`);
  return [
    { role: 'system', content: fill(SYSTEM) },
    { role: 'user', content: fill(USER) },
  ];
}
