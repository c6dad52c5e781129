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
