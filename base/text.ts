/** Word-level text helpers for matching written names: cleaning, words, plural folding, content words. */

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

/** An id from a title: lower-case ASCII words joined by dashes, cut at a word boundary when long. */
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
