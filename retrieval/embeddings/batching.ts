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
