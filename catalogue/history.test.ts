import { describe, expect, it } from 'vitest';
import { listUsers, sampleUsers, segmentCounts, UnknownUserError, userHistory } from './history.js';
import { catalogueOf, datasetOf } from '../testing/catalogue-builder.js';

const catalogue = catalogueOf({
  departments: [['dairy', 'Dairy']],
  categories: [['yogurt', 'Yogurt', 'dairy']],
  products: [1, 2, 3, 4].map((id) => ({ id, name: `Yogurt ${id}`, categoryId: 'yogurt' })),
});

// User ids chosen so string order and numeric order disagree ("10" < "9" as strings).
const dataset = datasetOf({
  catalogue,
  users: [['10', 'loyal'], ['9', 'loyal'], ['3', 'new'], ['one-order'], ['no-orders']],
  orders: {
    '10': [[1], [1, 2], [2, 3]],
    '9': [[4], [4]],
    '3': [[1], [2], [3], [4]],
    'one-order': [[1]],
  },
});

describe('userHistory', () => {
  it('holds out the last order as the target and keeps every earlier order as history', () => {
    const h = userHistory(dataset, '10');
    expect(h.target?.lines.map((l) => l.productId)).toEqual(['2', '3']);
    expect(h.history.map((o) => o.seq)).toEqual([1, 2]);
  });

  it('a user with one order has no history (a cold start) and that order as target; one with none has neither', () => {
    expect(userHistory(dataset, 'one-order')).toMatchObject({ history: [], target: { seq: 1 } });
    expect(userHistory(dataset, 'no-orders')).toEqual({ userId: 'no-orders', history: [], target: undefined });
  });

  it('names an unknown user with an error runs can recognise', () => {
    let error: unknown;
    try {
      userHistory(dataset, 'ghost');
    } catch (e) {
      error = e;
    }
    expect(UnknownUserError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('unknown user "ghost": not in the dataset (5 users)');
  });
});

describe('listUsers', () => {
  it('lists every user, ids in natural order (9 before 10)', () => {
    expect(listUsers(dataset)).toEqual(['3', '9', '10', 'no-orders', 'one-order']);
  });
});

describe('sampleUsers', () => {
  it('draws only users with history and a target, from the requested segments', () => {
    expect(new Set(sampleUsers(dataset, 10))).toEqual(new Set(['3', '9', '10']));
    expect(new Set(sampleUsers(dataset, 10, { segments: ['loyal'] }))).toEqual(new Set(['9', '10']));
    expect(sampleUsers(dataset, 10, { segments: ['nobody'] })).toEqual([]);
  });

  it('is deterministic per seed, prefix-stable, and varies with the seed', () => {
    const many = datasetOf({ catalogue, users: Array.from({ length: 60 }, (_, i) => [String(i)] as [string]), orders: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [String(i), [[1], [2]]])) });
    const a = sampleUsers(many, 20, { seed: 7 });
    expect(sampleUsers(many, 20, { seed: 7 })).toEqual(a);
    expect(sampleUsers(many, 20, { seed: 8 })).not.toEqual(a);
    expect(sampleUsers(many, 5, { seed: 7 })).toEqual(a.slice(0, 5));
    expect(new Set(a).size).toBe(20);
  });

  it('rejects a bad n', () => {
    expect(() => sampleUsers(dataset, -1)).toThrow(RangeError);
    expect(() => sampleUsers(dataset, 1.5)).toThrow(/non-negative integer/);
  });
});

describe('segmentCounts', () => {
  it('counts users per segment and leaves out users without one', () => {
    expect(Object.fromEntries(segmentCounts(dataset))).toEqual({ loyal: 2, new: 1 });
  });
});
