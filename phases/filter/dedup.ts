import type { Embedder } from '../../retrieval/embeddings/embedder.js';
import type { Removal } from './schema.js';
import { dedupKey, round3 } from './text.js';
import { cosine } from '../../retrieval/embeddings/vectors.js';
import { embedUnique } from '../../retrieval/embeddings/vectors.js';
import { themeConceptText } from '../themes/text.js';

export interface DedupTheme {
  readonly id: string;
  readonly title: string;
  readonly concepts: readonly string[];
}

export interface DedupResult<T> {
  /** Survivors, in their original (rank) order. */
  readonly kept: T[];
  readonly removals: Removal[];
}

/**
 * Removes themes that repeat a better-ranked theme (input order is rank order): an exact duplicate
 * after normalisation always, otherwise when the cosine of their embedded title + concepts reaches
 * `threshold`. The better-ranked theme is the one kept.
 */
export async function dedupThemes<T extends DedupTheme>(themes: readonly T[], embedder: Embedder, threshold: number): Promise<DedupResult<T>> {
  const vectors = await embedUnique(embedder, themes.map(themeConceptText));
  const kept: T[] = [];
  const removals: Removal[] = [];
  for (const theme of themes) {
    const v = vectors.get(themeConceptText(theme))!;
    const key = dedupKey(theme.title);
    let verdict: { reason: string; score: number } | undefined;
    for (const earlier of kept) {
      if (key !== '' && dedupKey(earlier.title) === key) {
        verdict = { reason: `exact duplicate of '${earlier.title}' after normalisation`, score: 1 };
        break;
      }
      const cos = cosine(v, vectors.get(themeConceptText(earlier))!);
      if (cos >= threshold && (!verdict || cos > verdict.score)) {
        verdict = { reason: `near-duplicate of '${earlier.title}' (cos ${cos.toFixed(2)})`, score: round3(cos) };
      }
    }
    if (verdict) removals.push({ step: 'dedup', kind: 'theme', themeId: theme.id, item: theme.title, ...verdict });
    else kept.push(theme);
  }
  return { kept, removals };
}

export interface ThemeWithKeywords<K extends { readonly text: string }> {
  readonly id: string;
  readonly title: string;
  readonly keywords: readonly K[];
}

/**
 * Removes keywords that repeat one already kept, within the theme or in a better-ranked theme
 * (themes in rank order, keywords in their own rank order): the earlier occurrence keeps it.
 */
export async function dedupKeywords<K extends { readonly text: string }, T extends ThemeWithKeywords<K>>(
  themes: readonly T[],
  embedder: Embedder,
  threshold: number,
): Promise<DedupResult<T>> {
  const vectors = await embedUnique(embedder, themes.flatMap((t) => t.keywords.map((k) => k.text)));
  const seen: { text: string; key: string; vector: Float32Array; themeTitle: string; themeId: string }[] = [];
  const removals: Removal[] = [];
  const kept = themes.map((theme) => {
    const keywords: K[] = [];
    for (const kw of theme.keywords) {
      const key = dedupKey(kw.text);
      const vector = vectors.get(kw.text)!;
      const where = (s: (typeof seen)[number]) => (s.themeId === theme.id ? 'in the same theme' : `in theme '${s.themeTitle}'`);
      let verdict: { reason: string; score: number } | undefined;
      for (const s of seen) {
        if (key !== '' && s.key === key) {
          verdict = { reason: `exact duplicate of '${s.text}' ${where(s)} after normalisation`, score: 1 };
          break;
        }
        const cos = cosine(vector, s.vector);
        if (cos >= threshold && (!verdict || cos > verdict.score)) {
          verdict = { reason: `near-duplicate of '${s.text}' ${where(s)} (cos ${cos.toFixed(2)})`, score: round3(cos) };
        }
      }
      if (verdict) {
        removals.push({ step: 'dedup', kind: 'keyword', themeId: theme.id, item: kw.text, ...verdict });
      } else {
        keywords.push(kw);
        seen.push({ text: kw.text, key, vector, themeTitle: theme.title, themeId: theme.id });
      }
    }
    return { ...theme, keywords };
  });
  return { kept, removals };
}
