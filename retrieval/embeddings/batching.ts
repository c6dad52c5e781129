/** Throws a clear error when the caller passed something other than an array of strings. */
export function assertTexts(texts: readonly unknown[], who: string): asserts texts is readonly string[] {
  if (!Array.isArray(texts)) throw new TypeError(`${who}: embed() expects an array of strings, got ${typeof texts}`);
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string') throw new TypeError(`${who}: embed() text at index ${i} is ${texts[i] === null ? 'null' : typeof texts[i]}, not a string`);
  }
}

export function splitIntoBatches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Batches of indices into `texts`, texts of similar length together, longest batches first.
 * USE-lite pads every text of a batch to the batch's longest, so a random mix of a 5-token and a
 * 40-token text costs two 40-token texts; grouping by length removes most of that padding
 * (measured 1.3–1.6× texts/s on product texts). Character length stands in for token count
 * (correlation 0.94 on product names) because the tokenizer lives in the worker. Longest first so
 * the pool's last tasks are the short ones and both workers finish together.
 */
export function lengthGroupedBatches(texts: readonly string[], size: number): number[][] {
  const order = texts.map((_, i) => i).sort((a, b) => texts[b].length - texts[a].length || a - b);
  return splitIntoBatches(order, size);
}

/** Scales a vector to unit length in place; a zero vector stays zero. */
export function normaliseInPlace(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  if (n > 0) {
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}
