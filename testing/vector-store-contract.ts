import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Filter, Payload, SearchHit, VectorPoint, VectorStore } from '../retrieval/vectors/store.js';
import { seededRandom } from '../base/random.js';

/** One isolated storage for one test; open() is called again to reopen it. */
export interface ContractTarget {
  open(): Promise<VectorStore>;
  /** Removes the storage after the test (temp dirs). */
  cleanup?(): Promise<void> | void;
}

const DIMS = 8;

const rng = seededRandom;

function unitVector(next: () => number): Float32Array {
  const v = new Float32Array(DIMS);
  let n = 0;
  for (let i = 0; i < DIMS; i++) {
    v[i] = next() * 2 - 1;
    n += v[i] * v[i];
  }
  for (let i = 0; i < DIMS; i++) v[i] /= Math.sqrt(n);
  return v;
}

const COLOURS = ['red', 'green', 'blue'] as const;

/** 120 points with scalar (string, number, boolean) and array payload fields. */
function dataset(seed = 1): VectorPoint[] {
  const next = rng(seed);
  return Array.from({ length: 120 }, (_, i) => {
    const payload: Payload = {
      colour: COLOURS[i % 3],
      category: i % 10,
      organic: i % 4 === 0,
      tags: i % 5 === 0 ? ['sale', 'new'] : i % 5 === 1 ? ['sale'] : [],
      codes: [i % 7, 100 + (i % 2)],
    };
    return { id: `pt-${i}`, vector: unitVector(next), payload };
  });
}

/**
 * Which points a filter must select, stated from how dataset() builds each payload (point i), not
 * through any store's own matcher: the contract checks filtering against this independent reference.
 */
type Expected = (i: number) => boolean;
const indexOf = (p: VectorPoint): number => Number(p.id.slice('pt-'.length));

function bruteForce(points: readonly VectorPoint[], q: Float32Array, k: number, expected: Expected = () => true): string[] {
  return points
    .filter((p) => expected(indexOf(p)))
    .map((p) => ({ id: p.id, s: p.vector.reduce((acc, x, i) => acc + x * q[i], 0) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((h) => h.id);
}

const ids = (hits: readonly SearchHit[]) => hits.map((h) => h.id);

/**
 * The behaviour every VectorStore backend must share. `makeTarget` is called once per test and
 * must give it storage no other test sees.
 */
export interface ContractOptions {
  /** Data survives close() and a new open(); the persistence test is skipped otherwise. */
  readonly persistent: boolean;
}

export function runVectorStoreContract(name: string, makeTarget: () => Promise<ContractTarget> | ContractTarget, { persistent }: ContractOptions): void {
  describe(`VectorStore contract: ${name}`, () => {
    let target: ContractTarget | undefined;
    const open: VectorStore[] = [];
    const created: string[] = [];

    async function setup(): Promise<{ store: VectorStore; col: string; points: VectorPoint[] }> {
      target = await makeTarget();
      const store = await target.open();
      open.push(store);
      // Unique names keep tests apart on shared servers (Qdrant).
      const col = `contract_${randomUUID().slice(0, 8)}`;
      created.push(col);
      await store.ensureCollection(col, DIMS);
      const points = dataset();
      await store.upsert(col, points);
      return { store, col, points };
    }

    afterEach(async () => {
      const last = open[open.length - 1];
      if (last) {
        for (const c of created) await last.dropCollection(c).catch(() => {});
      }
      for (const s of open.splice(0)) await s.close();
      created.length = 0;
      await target?.cleanup?.();
      target = undefined;
    });

    it('creates collections idempotently and refuses other dimensions', async () => {
      const { store, col } = await setup();
      expect(await store.hasCollection(col)).toBe(true);
      await store.ensureCollection(col, DIMS);
      expect(await store.count(col)).toBe(120);
      await expect(store.ensureCollection(col, DIMS + 1)).rejects.toThrow(/dimension/i);
      const other = `contract_${randomUUID().slice(0, 8)}`;
      expect(await store.hasCollection(other)).toBe(false);
    });

    it('returns the k nearest in descending cosine order, with payloads', async () => {
      const { store, col, points } = await setup();
      const q = unitVector(rng(99));
      const hits = await store.search(col, q, { k: 10 });
      expect(ids(hits)).toEqual(bruteForce(points, q, 10));
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
      const best = points.find((p) => p.id === hits[0].id)!;
      expect(hits[0].score).toBeCloseTo(best.vector.reduce((s, x, i) => s + x * q[i], 0), 4);
      expect(hits[0].payload).toEqual(best.payload);
      // A point's own vector finds itself first, at similarity 1.
      const self = await store.search(col, points[17].vector, { k: 1 });
      expect(self[0].id).toBe('pt-17');
      expect(self[0].score).toBeCloseTo(1, 4);
    });

    it('returns every point when k exceeds the count, and nothing for k = 0', async () => {
      const { store, col } = await setup();
      expect(await store.search(col, unitVector(rng(5)), { k: 500 })).toHaveLength(120);
      expect(await store.search(col, unitVector(rng(5)), { k: 0 })).toEqual([]);
    });

    it('replaces a point by id: same count, new vector and payload', async () => {
      const { store, col, points } = await setup();
      const target = unitVector(rng(1234));
      await store.upsert(col, [{ id: 'pt-3', vector: target, payload: { colour: 'violet', category: 99, organic: false, tags: [], codes: [] } }]);
      expect(await store.count(col)).toBe(120);
      const [hit] = await store.search(col, target, { k: 1 });
      expect(hit.id).toBe('pt-3');
      expect(hit.payload.colour).toBe('violet');
      const byOldColour = await store.search(col, points[3].vector, { k: 120, filter: { must: [{ key: 'colour', match: { value: 'red' } }] } });
      expect(ids(byOldColour)).not.toContain('pt-3');
      const byNewColour = await store.search(col, target, { k: 5, filter: { must: [{ key: 'colour', match: { value: 'violet' } }] } });
      expect(ids(byNewColour)).toEqual(['pt-3']);
    });

    // [label, filter, which points it selects: colour = COLOURS[i % 3], category = i % 10, organic = i % 4 == 0,
    //  tags = sale+new when i % 5 == 0, sale when i % 5 == 1, codes = [i % 7, 100 + i % 2]]
    const filters: [string, Filter, Expected][] = [
      ['must value on a string field', { must: [{ key: 'colour', match: { value: 'green' } }] }, (i) => i % 3 === 1],
      ['must value on a number field', { must: [{ key: 'category', match: { value: 3 } }] }, (i) => i % 10 === 3],
      ['must value on a boolean field', { must: [{ key: 'organic', match: { value: true } }] }, (i) => i % 4 === 0],
      ['must any on a scalar field', { must: [{ key: 'category', match: { any: [1, 2, 8] } }] }, (i) => [1, 2, 8].includes(i % 10)],
      ['must value on an array field', { must: [{ key: 'tags', match: { value: 'sale' } }] }, (i) => i % 5 <= 1],
      ['must any on an array field', { must: [{ key: 'codes', match: { any: [3, 5] } }] }, (i) => [3, 5].includes(i % 7)],
      ['mustNot value', { mustNot: [{ key: 'colour', match: { value: 'red' } }] }, (i) => i % 3 !== 0],
      ['mustNot any on an array field', { mustNot: [{ key: 'tags', match: { any: ['sale', 'new'] } }] }, (i) => i % 5 >= 2],
      [
        'must and mustNot together',
        { must: [{ key: 'colour', match: { any: ['red', 'blue'] } }, { key: 'codes', match: { value: 101 } }], mustNot: [{ key: 'organic', match: { value: true } }] },
        (i) => i % 3 !== 1 && i % 2 === 1 && i % 4 !== 0,
      ],
      ['a value nobody has', { must: [{ key: 'colour', match: { value: 'ultraviolet' } }] }, () => false],
      ['a field nobody has', { must: [{ key: 'brand', match: { value: 'acme' } }] }, () => false],
    ];
    it.each(filters)('filters: %s', async (_label, filter, expected) => {
      const { store, col, points } = await setup();
      const q = unitVector(rng(7));
      const hits = await store.search(col, q, { k: 15, filter });
      expect(ids(hits)).toEqual(bruteForce(points, q, 15, expected));
      for (const h of hits) expect(expected(Number(h.id.slice('pt-'.length)))).toBe(true);
    });

    it('deletes by id (unknown ids are ignored) and deleted points are never returned', async () => {
      const { store, col, points } = await setup();
      await store.delete(col, ['pt-0', 'pt-1', 'no-such-point']);
      expect(await store.count(col)).toBe(118);
      const hits = await store.search(col, points[0].vector, { k: 120 });
      expect(hits).toHaveLength(118);
      expect(ids(hits)).not.toContain('pt-0');
      expect(ids(hits)).not.toContain('pt-1');
      // Re-adding a deleted id works.
      await store.upsert(col, [points[0]]);
      expect((await store.search(col, points[0].vector, { k: 1 }))[0].id).toBe('pt-0');
    });

    it('rejects vectors of the wrong dimension, naming the problem', async () => {
      const { store, col } = await setup();
      await expect(store.upsert(col, [{ id: 'bad', vector: new Float32Array(DIMS + 2).fill(0.1), payload: {} }])).rejects.toThrow(/dimension|size|length/i);
      await expect(store.search(col, new Float32Array(DIMS - 1).fill(0.1), { k: 3 })).rejects.toThrow(/dimension|size|length/i);
      expect(await store.count(col)).toBe(120);
    });

    it('drops a collection', async () => {
      const { store, col } = await setup();
      await store.dropCollection(col);
      expect(await store.hasCollection(col)).toBe(false);
    });

    it.skipIf(!persistent)(`keeps points across close and reopen${persistent ? '' : ' (skipped: this backend keeps nothing after close)'}`, async () => {
      const { store, col, points } = await setup();
      await store.delete(col, ['pt-5']);
      const q = unitVector(rng(42));
      const filter: Filter = { must: [{ key: 'tags', match: { value: 'sale' } }] };
      const before = ids(await store.search(col, q, { k: 8, filter }));
      await store.close();
      open.splice(open.indexOf(store), 1);
      const again = await target!.open();
      open.push(again);
      expect(await again.hasCollection(col)).toBe(true);
      expect(await again.count(col)).toBe(119);
      expect(ids(await again.search(col, q, { k: 8, filter }))).toEqual(before);
      expect(before).toEqual(bruteForce(points.filter((p) => p.id !== 'pt-5'), q, 8, (i) => i % 5 <= 1));
    });
  });
}
