/** Text helpers shared by dedup, relevance features, the rubric judge and policy. */

// Zero-width and bidi-control characters: invisible, and a cheap way to split a word past a regex.
const INVISIBLE = /[\u200B-\u200F\u2060-\u2064\uFEFF\u202A-\u202E]/g;

/** NFKC (folds full-width and ligature look-alikes) with invisible characters removed. */
export function cleanText(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '');
}

/** Lower-case words of letters and digits, diacritics stripped. */
export function words(text: string): string[] {
  return cleanText(text)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Light plural folding ("berries" → "berry", "breakfasts" → "breakfast"); enough to match grocery names. */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:ches|shes|sses|xes|zes|oes)$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is')) return word.slice(0, -1);
  return word;
}

const STOP_WORDS = new Set([
  'a', 'an', 'and', 'or', 'the', 'of', 'for', 'with', 'in', 'on', 'to', 'your', 'you', 'our', 'my', 'at', 'by', 'from', 'into', 'is', 'are', 'be', 'it', 'its', 'this', 'that', 'these', 'all', 'some', '&',
]);

/** Stemmed content words (stop words dropped). */
export function contentTokens(text: string): string[] {
  return words(text).filter((w) => !STOP_WORDS.has(w)).map(stem);
}

/** The key under which two texts count as exact duplicates: stemmed content words, in order. */
export function dedupKey(text: string): string {
  return contentTokens(text).join(' ');
}

/** Dot product: the embedder's vectors are L2-normalised, so this is cosine similarity. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`cosine: vectors of different lengths (${a.length} vs ${b.length})`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Embeds each distinct text once and returns a lookup. */
export async function embedUnique(embedder: { embed(texts: readonly string[]): Promise<Float32Array[]> }, texts: readonly string[]): Promise<Map<string, Float32Array>> {
  const unique = [...new Set(texts)];
  const vectors = unique.length ? await embedder.embed(unique) : [];
  return new Map(unique.map((t, i) => [t, vectors[i]]));
}

/** The text that stands for a theme when embedding or scoring: its title and concepts. */
export function themeText(theme: { readonly title: string; readonly concepts: readonly string[] }): string {
  return theme.concepts.length ? `${theme.title}: ${theme.concepts.join(', ')}` : theme.title;
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
