import { readFileSync } from 'node:fs';
import { fillPlaceholders, headingSection } from '../../llm/prompt-template.js';
import { sha256 } from '../../base/hash.js';
import type { ChatMessage } from '../../llm/types.js';

const PROMPT_TEXT = readFileSync(new URL('./prompt.md', import.meta.url), 'utf8');

/**
 * Part of every themes artefact key. The content hash makes any edit to prompt.md a new version
 * even if nobody remembers to bump the number; bump the number for deliberate prompt redesigns.
 */
export const PROMPT_VERSION = `themes-2.${sha256(PROMPT_TEXT).slice(0, 12)}`;

export interface ThemesPromptInput {
  /** The rendered user context (history summary): untrusted catalogue text. */
  readonly userText: string;
  readonly departments: readonly string[];
  readonly topCategories: readonly string[];
  readonly adjacentCategories: readonly string[];
  readonly minThemes: number;
  readonly maxThemes: number;
  /** The page plan (plan.ts): how many themes of each kind, and what they hold. */
  readonly staplesThemes: number;
  readonly discoveryThemes: number;
  /** Staples and likely new products as category → product names, best first. */
  readonly staples: readonly { readonly category: string; readonly products: readonly string[] }[];
  readonly discovery: readonly { readonly category: string; readonly products: readonly string[] }[];
}

const SYSTEM = headingSection(PROMPT_TEXT, 'system', 'phases/themes/prompt.md');
const USER = headingSection(PROMPT_TEXT, 'user', 'phases/themes/prompt.md');

/**
 * Data goes inside <catalogue>/<shopper> delimiters; strip anything in it that could close a
 * delimiter early or open a new one, so a product name cannot smuggle text outside the data block.
 */
export function sanitiseUntrusted(text: string): string {
  return text.replace(/<\s*\/?\s*(catalogue|shopper)\s*>/gi, '').replace(/\{\{|\}\}/g, '');
}

const list = (names: readonly string[]): string => (names.length > 0 ? names.map(sanitiseUntrusted).join('; ') : '(none)');
const grouped = (groups: PromptInputGroups): string =>
  groups.length > 0 ? groups.map((g) => `${sanitiseUntrusted(g.category)}: ${g.products.map(sanitiseUntrusted).join(', ')}`).join('; ') : '(none)';
type PromptInputGroups = ThemesPromptInput['staples'];

/** System + user messages asking for a Themes object. */
export function buildThemesMessages(input: ThemesPromptInput): ChatMessage[] {
  const values: Record<string, string> = {
    minThemes: String(input.minThemes),
    maxThemes: String(input.maxThemes),
    staplesThemes: String(input.staplesThemes),
    discoveryThemes: String(input.discoveryThemes),
    staples: grouped(input.staples),
    discovery: grouped(input.discovery),
    departments: list(input.departments),
    topCategories: list(input.topCategories),
    adjacentCategories: list(input.adjacentCategories),
    userContext: sanitiseUntrusted(input.userText),
  };
  const fill = (template: string) => fillPlaceholders(template, values, (name) => `phases/themes/prompt.md uses unknown placeholder {{${name}}}`);
  return [
    { role: 'system', content: fill(SYSTEM) },
    { role: 'user', content: fill(USER) },
  ];
}
