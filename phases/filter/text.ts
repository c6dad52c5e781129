/** Text helpers shared by dedup, the rubric judge and the filter run. */

import { contentTokens } from '../../base/text.js';

/** The key under which two texts count as exact duplicates: stemmed content words, in order. */
export function dedupKey(text: string): string {
  return contentTokens(text).join(' ');
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
