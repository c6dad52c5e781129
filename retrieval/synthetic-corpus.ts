import { createHash } from 'node:crypto';
import { seededRandom } from '../base/random.js';
import type { KeywordCorpus, KeywordTerm } from './corpus-types.js';
import { canonicalJson } from '../base/hash.js';

export interface SyntheticCorpusOptions {
  /** Total terms, real ones included (default 300,000); a size below the base keeps the whole base. */
  readonly size?: number;
  /** Default 1; the same base corpus and seed always give the same corpus. */
  readonly seed?: number;
}

/**
 * FOR BENCHMARKS ONLY. The real corpus plus generated grocery-like terms, so pruning and indexing can
 * be measured at production scale (~300K terms). Generated terms have ids "syn:<text>", df 0 (no
 * catalogue product was counted for them) and the categories/departments of the real phrase they extend.
 */
export interface SyntheticCorpus extends KeywordCorpus {
  readonly synthetic: true;
  readonly seed: number;
  /** Digest of the real corpus it was grown from. */
  readonly baseDigest: string;
  readonly generatedTerms: number;
}

export const SYNTHETIC_ID_PREFIX = 'syn:';

/** Only terms shared by this many products grow synthetic ones: rarer phrases are mostly brand noise. */
const MIN_SOURCE_DF = 5;

/** Words and attributes that fit each category: one-word phrases whose main category it is, and attributes found in it. */
function modifiersByCategory(terms: readonly KeywordTerm[]): { words: Map<string, string[]>; attributes: Map<string, string[]> } {
  const words = new Map<string, string[]>();
  const attributes = new Map<string, string[]>();
  const push = (m: Map<string, string[]>, category: string, text: string) => {
    const list = m.get(category) ?? [];
    if (list.length === 0) m.set(category, list);
    list.push(text);
  };
  for (const t of terms) {
    if (t.kind === 'attribute') for (const a of t.categories) push(attributes, a, t.text);
    else if (t.kind === 'phrase' && t.df >= MIN_SOURCE_DF && t.text.length >= 3 && !t.text.includes(' ') && t.categories.length > 0) push(words, t.categories[0], t.text);
  }
  return { words, attributes };
}

/**
 * Grows `base` to `size` terms by combining its real terms, seeded, within one category so texts stay
 * grocery-like: "<attribute> <phrase>" ("organic greek yogurt"), "<word> <phrase>" ("vanilla greek
 * yogurt"), "<attribute or word> <word> <phrase>" and "<phrase> with <word>". Throws if the base is too
 * small to reach the size.
 */
export function buildSyntheticCorpus(base: KeywordCorpus, { size = 300_000, seed = 1 }: SyntheticCorpusOptions = {}): SyntheticCorpus {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`synthetic corpus size must be a non-negative integer, got ${size}`);
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

  const { words, attributes } = modifiersByCategory(base.terms);
  const heads = base.terms.filter((t) => t.kind === 'phrase' && t.df >= MIN_SOURCE_DF && t.text.split(' ').length <= 2 && (words.get(t.categories[0])?.length ?? 0) > 0);
  if (size > base.terms.length && heads.length === 0) {
    throw new RangeError(`synthetic corpus: the base corpus has no phrases with df >= ${MIN_SOURCE_DF} to grow from`);
  }

  const terms: KeywordTerm[] = [...base.terms];
  const texts = new Set(terms.map((t) => t.text));
  const maxAttempts = size * 20;
  for (let attempt = 0; terms.length < size; attempt++) {
    if (attempt > maxAttempts) throw new RangeError(`synthetic corpus: only ${terms.length} distinct terms after ${maxAttempts} attempts; the base corpus is too small for ${size}`);
    const head = pick(heads);
    const categoryWords = words.get(head.categories[0])!;
    const categoryAttributes = attributes.get(head.categories[0]) ?? categoryWords;
    const roll = random();
    let text: string;
    if (roll < 0.3) text = `${pick(categoryAttributes)} ${head.text}`;
    else if (roll < 0.6) text = `${pick(categoryWords)} ${head.text}`;
    else if (roll < 0.9) text = `${pick(random() < 0.5 ? categoryAttributes : categoryWords)} ${pick(categoryWords)} ${head.text}`;
    else text = `${head.text} with ${pick(categoryWords)}`;
    const textWords = text.split(' ');
    // Skip repeats ("organic organic milk") and texts already present.
    if (new Set(textWords).size !== textWords.length || texts.has(text)) continue;
    texts.add(text);
    terms.push({ id: `${SYNTHETIC_ID_PREFIX}${text}`, text, kind: 'phrase', df: 0, categories: head.categories, departments: head.departments });
  }

  const hash = createHash('sha256').update(`synthetic-corpus:v1:${base.digest}:${seed}:${size}`);
  for (const t of terms) hash.update(canonicalJson(t));
  return {
    terms,
    byText: new Map(terms.map((t) => [t.text, t])),
    digest: hash.digest('hex'),
    synthetic: true,
    seed,
    baseDigest: base.digest,
    generatedTerms: terms.length - base.terms.length,
  };
}
