/** Text helpers shared by dedup, the rubric judge and the filter run. */

import { contentTokens } from '../../base/text.js';

/** The key under which two texts count as exact duplicates: stemmed content words, in order. */
export function dedupKey(text: string): string {
  return contentTokens(text).join(' ');
}

/** The text that stands for a theme when embedding or scoring: its title and concepts. */
export function themeText(theme: { readonly title: string; readonly concepts: readonly string[] }): string {
  return theme.concepts.length ? `${theme.title}: ${theme.concepts.join(', ')}` : theme.title;
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
