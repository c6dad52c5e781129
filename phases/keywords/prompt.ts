import { readFileSync } from 'node:fs';
import { commentSection, fillPlaceholders } from '../../llm/prompt-template.js';
import type { Catalogue } from '../../catalogue/types.js';
import type { Candidate, ThemeScope } from './features.js';
import { sha256 } from '../../base/hash.js';
import type { ChatMessage } from '../../llm/types.js';

const TEMPLATE = readFileSync(new URL('./prompt.md', import.meta.url), 'utf8');

/** Bump the label for intentional changes; the text hash catches every edit to prompt.md anyway. */
export const PROMPT_VERSION = `keywords-prompt-v1+${sha256(TEMPLATE).slice(0, 12)}`;

/** Student LLMs only pick; teachers may also write keywords, which are then checked against the catalogue. */
export type SelectionMode = 'pick' | 'write';

const RULES: Record<SelectionMode, string> = {
  pick: 'Choose keywords only from the candidate list, copying their text exactly.',
  write:
    'Prefer keywords from the candidate list, copying their text exactly. You may write a new keyword when no candidate covers an important part of the theme; it must be a plain product query (e.g. "greek yogurt", "whole wheat pasta") that real grocery products are named with.',
};

const SYSTEM = commentSection(TEMPLATE, 'system', 'phases/keywords/prompt.md');
const USER = commentSection(TEMPLATE, 'user', 'phases/keywords/prompt.md');

/** Catalogue text is untrusted: it may not close the data block, and stays on one line. */
export function sanitiseData(text: string): string {
  return text.replace(/<\/?\s*catalogue-data\s*>/gi, '').replace(/[\r\n]+/g, ' ').trim();
}

const fill = (template: string, values: Record<string, string>): string =>
  fillPlaceholders(template, values, (k) => `phases/keywords/prompt.md uses {{${k}}}, which prompt.ts does not provide`);

export interface KeywordPromptInput {
  readonly theme: ThemeScope & { readonly categoryNames: readonly string[]; readonly departmentNames: readonly string[] };
  readonly candidates: readonly Candidate[];
  readonly minKeywords: number;
  readonly maxKeywords: number;
  readonly mode: SelectionMode;
  readonly catalogue: Catalogue;
}

export function buildKeywordMessages({ theme, candidates, minKeywords, maxKeywords, mode, catalogue }: KeywordPromptInput): ChatMessage[] {
  const categoryName = (id: string) => catalogue.categories.get(id)?.name ?? `category ${id}`;
  const list = (xs: readonly string[]) => (xs.length ? xs.map(sanitiseData).join(', ') : '(none)');
  const candidateLines = candidates.length
    ? candidates.map((c, i) => `${i + 1}. ${sanitiseData(c.text)} | ${c.kind} | ${c.categories.slice(0, 3).map(categoryName).join(', ') || '-'} | ${c.df}`).join('\n')
    : '(no candidates: write keywords yourself)';
  const values = {
    minKeywords: String(minKeywords),
    maxKeywords: String(maxKeywords),
    selectionRule: RULES[mode],
    title: sanitiseData(theme.title),
    description: sanitiseData(theme.description),
    concepts: list(theme.concepts),
    categories: list(theme.categoryNames),
    departments: list(theme.departmentNames),
    candidates: candidateLines,
  };
  return [
    { role: 'system', content: fill(SYSTEM, values) },
    { role: 'user', content: fill(USER, values) },
  ];
}
