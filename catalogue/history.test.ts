import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listUsers, sampleUsers, userHistory } from './history.js';
import { loadDataset, type Dataset } from '../datasets/instacart/load.js';
import { writeTinyDataset } from '../testing/instacart-fixture.js';

const REAL_DIR = new URL('../data/instacart/', import.meta.url).pathname;

let real: Dataset;
let tiny: Dataset;
let tinyDir: string;
beforeAll(async () => {
  ({ dataset: real } = await loadDataset(REAL_DIR));
  tinyDir = await writeTinyDataset();
  ({ dataset: tiny } = await loadDataset(tinyDir));
});
afterAll(() => rm(tinyDir, { recursive: true, force: true }));

const orderIds = (h: ReturnType<typeof userHistory>['history']) => h.map((e) => e.order.id);

describe('userHistory', () => {
  it('train user: the target is the train order and history is every prior order', () => {
    const h = userHistory(real, 1);
    expect(h.target?.order).toMatchObject({ id: 1187899, evalSet: 'train', number: 11 });
    expect(h.target?.lines.map((l) => l.productId)).toEqual([196, 25133, 38928, 26405, 39657, 10258, 13032, 26088, 27845, 49235, 46149]);
    expect(h.history.map((e) => e.order.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(orderIds(h.history)).not.toContain(1187899);
    expect(h.history[0].lines.map((l) => l.productId)).toEqual([196, 14084, 12427, 26088, 26405]);
  });

  it('test user: the target is order N-1 and the product-less test order is neither', () => {
    const h = userHistory(real, 3);
    expect(h.target?.order).toMatchObject({ id: 1402502, number: 12, evalSet: 'prior' });
    expect(h.history.map((e) => e.order.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(orderIds(h.history)).not.toContain(2774568);
    expect(h.target?.order.id).not.toBe(2774568);
  });

  it('unknown user: the target is the last prior order', () => {
    const h = userHistory(real, 6678);
    expect(h.target?.order).toMatchObject({ id: 1492393, number: 3 });
    expect(orderIds(h.history)).toEqual([2404911, 1933027]);
  });

  it('every history order is a prior order before the target, for every user', () => {
    for (const userId of listUsers(real)) {
      const { history, target } = userHistory(real, userId);
      expect(target).toBeDefined();
      for (const { order, lines } of history) {
        expect(order.evalSet).toBe('prior');
        expect(order.number).toBeLessThan(target!.order.number);
        expect(lines.length).toBeGreaterThan(0);
      }
    }
  });

  it('tiny test user: history excludes the target and the test order', () => {
    const h = userHistory(tiny, 2);
    expect(orderIds(h.history)).toEqual([201, 202]);
    expect(h.target?.order.id).toBe(203);
  });

  it('names an unknown user', () => {
    expect(() => userHistory(real, 5)).toThrow(/unknown user 5: not in users_sample\.csv \(1901 users\)/);
  });
});

describe('listUsers', () => {
  it('lists every manifest user ascending', () => {
    const users = listUsers(real);
    expect(users).toHaveLength(1_901);
    expect(users.slice(0, 3)).toEqual([1, 2, 3]);
    expect([...users].sort((a, b) => a - b)).toEqual(users);
  });
});

describe('sampleUsers', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = sampleUsers(real, 50, { seed: 7 });
    expect(sampleUsers(real, 50, { seed: 7 })).toEqual(a);
    expect(sampleUsers(real, 50, { seed: 8 })).not.toEqual(a);
    expect(new Set(a).size).toBe(50);
  });

  it('is prefix-stable', () => {
    expect(sampleUsers(real, 10, { seed: 3 })).toEqual(sampleUsers(real, 40, { seed: 3 }).slice(0, 10));
  });

  it('draws only from the requested eval sets, and only users with a scorable target', () => {
    const train = sampleUsers(real, 10_000, { evalSets: ['train'] });
    expect(train).toHaveLength(234);
    expect(train.every((u) => real.usersById.get(u)?.finalEvalSet === 'train')).toBe(true);
    const mixed = sampleUsers(real, 200, { evalSets: ['test', 'unknown'] });
    expect(mixed.every((u) => real.usersById.get(u)?.finalEvalSet !== 'train')).toBe(true);
    for (const u of mixed) expect(userHistory(real, u).target?.lines.length).toBeGreaterThan(0);
  });

  it('rejects a bad n', () => {
    expect(() => sampleUsers(real, -1)).toThrow(RangeError);
    expect(() => sampleUsers(real, 1.5)).toThrow(/non-negative integer/);
  });
});
