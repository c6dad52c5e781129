import { createHash } from 'node:crypto';
import type { Embedder } from '../retrieval/embeddings/embedder.js';

/**
 * A deterministic bag-of-words test double: each word (and word bigram) hashes to a few signed
 * dimensions. Texts sharing words are close, unrelated texts are near-orthogonal. For unit tests
 * that must not load the real sentence encoder; never used in production paths.
 */
export function hashingEmbedder(dimensions = 256): Embedder {
  const vec = (text: string): Float32Array => {
    const v = new Float32Array(dimensions);
    const words = text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
    const grams = [...words, ...words.slice(1).map((w, i) => `${words[i]} ${w}`)];
    for (const g of grams) {
      const h = createHash('md5').update(g).digest();
      for (let j = 0; j < 3; j++) v[h.readUInt16LE(j * 2) % dimensions] += h[8 + j] & 1 ? 1 : -1;
    }
    let n = 0;
    for (const x of v) n += x * x;
    n = Math.sqrt(n) || 1;
    for (let i = 0; i < dimensions; i++) v[i] /= n;
    return v;
  };
  return { id: `test-hashing-${dimensions}`, dimensions, embed: async (texts) => texts.map(vec), close: async () => {} };
}
