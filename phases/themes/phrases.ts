import type { KeywordCorpus, KeywordTerm } from '../../retrieval/corpus-types.js';
import { tokens } from '../../catalogue/text.js';

const MAX_NGRAM = 3;

/** Words a concept should not start or end with: "milk and", "spread with" are fragments, not concepts. */
const EDGE_STOPWORDS = new Set(['a', 'an', 'and', 'or', 'of', 'the', 'with', 'in', 'on', 'for', 'to', 's', 'by', 'from']);

/** A phrase that reads as a concept: no dangling connective at either end, not just digits. */
export function isCleanPhrase(text: string): boolean {
  const words = text.split(' ');
  if (words.length === 0 || !/[a-z]{2}/.test(text)) return false;
  return !EDGE_STOPWORDS.has(words[0]) && !EDGE_STOPWORDS.has(words[words.length - 1]);
}

/** Corpus phrase/attribute terms that occur in a product name (as whole words). */
export function termsInName(name: string, corpus: KeywordCorpus): KeywordTerm[] {
  // The corpus is mined with the same tokeniser, so n-grams of these words are its keys.
  const words = tokens(name);
  const found = new Map<string, KeywordTerm>();
  for (let len = 1; len <= MAX_NGRAM; len++) {
    for (let i = 0; i + len <= words.length; i++) {
      const term = corpus.byText.get(words.slice(i, i + len).join(' '));
      if (term && (term.kind === 'phrase' || term.kind === 'attribute') && isCleanPhrase(term.text)) found.set(term.id, term);
    }
  }
  return [...found.values()];
}

export interface WeightedName {
  readonly name: string;
  readonly weight: number;
}

export interface ScoredPhrase {
  readonly text: string;
  /** Weighted share of the names containing the phrase, 0..1. */
  readonly coverage: number;
  /** coverage × inverse catalogue frequency: high for phrases common here and rare elsewhere. */
  readonly score: number;
}

/**
 * The phrases that best characterise a group of products: frequent among these names, rare in
 * the catalogue (tf-idf with catalogue document frequency). A phrase contained in an already
 * chosen longer phrase is skipped, so "greek yogurt" does not also yield "yogurt".
 */
export function distinctivePhrases(names: readonly WeightedName[], corpus: KeywordCorpus, catalogueSize: number, limit: number): ScoredPhrase[] {
  const totalWeight = names.reduce((s, n) => s + n.weight, 0);
  if (totalWeight <= 0 || corpus.terms.length === 0) return [];
  const weightOf = new Map<string, { term: KeywordTerm; weight: number }>();
  for (const { name, weight } of names) {
    for (const term of termsInName(name, corpus)) {
      const entry = weightOf.get(term.text) ?? { term, weight: 0 };
      entry.weight += weight;
      weightOf.set(term.text, entry);
    }
  }
  const scored = [...weightOf.values()]
    .map(({ term, weight }) => {
      const coverage = weight / totalWeight;
      const idf = Math.log(1 + Math.max(catalogueSize, 1) / Math.max(term.df, 1));
      return { text: term.text, coverage, score: coverage * idf };
    })
    .sort((a, b) => b.score - a.score || b.text.length - a.text.length || (a.text < b.text ? -1 : 1));
  const chosen: ScoredPhrase[] = [];
  for (const p of scored) {
    if (chosen.length >= limit) break;
    const padded = ` ${p.text} `;
    if (chosen.some((c) => ` ${c.text} `.includes(padded) || padded.includes(` ${c.text} `))) continue;
    chosen.push(p);
  }
  return chosen;
}
