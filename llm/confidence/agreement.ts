/**
 * Agreement across n samples of the same call (self-consistency): when a model gives the same
 * answer most times it is asked, that answer is more often right. The caller decides what
 * "the same" means by projecting each answer to a canonical form (a sorted list of titles, a
 * set of keywords), so wording that does not matter does not count as disagreement.
 */

export interface MajorityAgreement {
  /** Share of samples whose canonical form equals the majority's, 0..1. */
  readonly share: number;
  /** The majority's canonical form (on a tie, the one seen first). */
  readonly majority: string;
  /** Index of the first sample giving the majority answer: the one to use. */
  readonly representative: number;
  readonly samples: number;
}

export interface SetAgreement {
  /** Mean Jaccard similarity of the other samples to the medoid, 0..1. */
  readonly meanJaccard: number;
  /** Index of the medoid: the sample most similar to all the others, the one to use. */
  readonly medoid: number;
  readonly samples: number;
}

/** Agreement needs at least two samples: a single one agrees with itself and would read as certain. */
function assertSamples(n: number, what: string): void {
  if (n < 2) throw new RangeError(`${what} needs at least 2 samples to measure agreement, got ${n}`);
}

/** Share of samples agreeing with the most common canonical answer. */
export function majorityAgreement<T>(answers: readonly T[], canonical: (answer: T) => string): MajorityAgreement {
  assertSamples(answers.length, 'majorityAgreement');
  const counts = new Map<string, { count: number; first: number }>();
  answers.forEach((a, i) => {
    const key = canonical(a);
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { count: 1, first: i });
  });
  let best: [string, { count: number; first: number }] | undefined;
  for (const entry of counts) if (!best || entry[1].count > best[1].count) best = entry;
  return { share: best![1].count / answers.length, majority: best![0], representative: best![1].first, samples: answers.length };
}

/**
 * For list-valued answers (themes, keywords) where exact equality is too strict: the medoid is
 * the answer with the highest total Jaccard similarity to the others, and the agreement is the
 * mean similarity of the others to it.
 */
export function setAgreement<T>(answers: readonly T[], items: (answer: T) => Iterable<string>): SetAgreement {
  assertSamples(answers.length, 'setAgreement');
  const sets = answers.map((a) => new Set(items(a)));
  const n = sets.length;
  const sim = sets.map((a) => sets.map((b) => jaccard(a, b)));
  let medoid = 0;
  let bestTotal = -1;
  for (let i = 0; i < n; i++) {
    const total = sim[i].reduce((s, x, j) => (j === i ? s : s + x), 0);
    if (total > bestTotal) {
      bestTotal = total;
      medoid = i;
    }
  }
  return { meanJaccard: bestTotal / (n - 1), medoid, samples: n };
}

/** |A ∩ B| / |A ∪ B|; two empty sets are identical (1). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Case, spacing and punctuation do not make two answers different: "Pasta  Night!" ≡ "pasta night". */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** A canonical form for an unordered list of strings: normalised, de-duplicated, sorted. */
export function canonicalSet(items: Iterable<string>): string {
  return JSON.stringify([...new Set([...items].map(normaliseText))].sort());
}
