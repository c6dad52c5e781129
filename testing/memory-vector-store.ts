import type { SearchHit, SearchOptions, VectorPoint, VectorStore } from '../retrieval/vectors/store.js';
import { matchesFilter } from '../retrieval/vectors/filter.js';

/** Exact brute-force store for unit tests: obviously correct, never used in production paths. */
export function memoryVectorStore(): VectorStore {
  const cols = new Map<string, { dims: number; points: Map<string, VectorPoint> }>();
  const col = (name: string) => {
    const c = cols.get(name);
    if (!c) throw new Error(`collection "${name}" does not exist`);
    return c;
  };
  return {
    kind: 'test-memory',
    exactSearchUpTo: Number.POSITIVE_INFINITY,
    async ensureCollection(name, dims) {
      const c = cols.get(name);
      if (c && c.dims !== dims) throw new Error(`collection "${name}" has ${c.dims} dimensions, not ${dims}`);
      if (!c) cols.set(name, { dims, points: new Map() });
    },
    hasCollection: async (name) => cols.has(name),
    dropCollection: async (name) => void cols.delete(name),
    async upsert(name, points) {
      const c = col(name);
      const bad = points.find((p) => p.vector.length !== c.dims);
      if (bad) throw new Error(`collection "${name}" has ${c.dims} dimensions, but point "${bad.id}" has ${bad.vector.length}`);
      for (const p of points) c.points.set(p.id, p);
    },
    async search(name, vector, { k, filter }: SearchOptions): Promise<SearchHit[]> {
      const c = col(name);
      if (vector.length !== c.dims) throw new Error(`collection "${name}" has ${c.dims} dimensions, but the query vector has ${vector.length}`);
      const hits: SearchHit[] = [];
      for (const p of c.points.values()) {
        if (!matchesFilter(p.payload, filter)) continue;
        let s = 0;
        for (let i = 0; i < vector.length; i++) s += vector[i] * p.vector[i];
        hits.push({ id: p.id, score: s, payload: p.payload });
      }
      return hits.sort((a, b) => b.score - a.score).slice(0, k);
    },
    async delete(name, ids) {
      const c = col(name);
      for (const id of ids) c.points.delete(id);
    },
    count: async (name) => col(name).points.size,
    close: async () => {},
  };
}
