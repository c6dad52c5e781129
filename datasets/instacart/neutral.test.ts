import { beforeAll, describe, expect, it } from 'vitest';
import { listUsers, sampleUsers, userHistory } from '../../catalogue/history.js';
import type { Dataset } from '../../catalogue/types.js';
import { realDataset } from '../../testing/real-data.js';
import { tinyDataset } from '../../testing/instacart-fixture.js';
import { loadInstacartTables } from './load.js';
import type { InstacartTables } from './types.js';
import { REAL_DATA_DIR } from '../../testing/real-data.js';

let real: Dataset;
let tables: InstacartTables;
let tiny: Dataset;
beforeAll(async () => {
  real = await realDataset();
  ({ tables } = await loadInstacartTables(REAL_DATA_DIR));
  tiny = await tinyDataset();
});

const orderIds = (orders: readonly { id: string }[]) => orders.map((o) => o.id);

describe('the Instacart adapter: history and target follow users_sample.csv', () => {
  it('train user: the target is the train order and history is every prior order', () => {
    const h = userHistory(real, '1');
    expect(h.target?.id).toBe('1187899');
    expect(h.target?.lines.map((l) => l.productId)).toEqual(['196', '25133', '38928', '26405', '39657', '10258', '13032', '26088', '27845', '49235', '46149']);
    expect(h.history.map((o) => o.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(h.history[0].lines.map((l) => l.productId)).toEqual(['196', '14084', '12427', '26088', '26405']);
  });

  it('test user: the target is order N-1 and the product-less test order is neither', () => {
    const h = userHistory(real, '3');
    expect(h.target?.id).toBe('1402502');
    expect(h.history).toHaveLength(11);
    expect(orderIds(h.history)).not.toContain('2774568');
  });

  it('unknown user: the target is the last prior order, and days are unknown, not zero', () => {
    const h = userHistory(real, '6678');
    expect(h.target?.id).toBe('1492393');
    expect(orderIds(h.history)).toEqual(['2404911', '1933027']);
    expect([...h.history, h.target!].map((o) => o.day)).toEqual([undefined, undefined, undefined]);
  });

  it("for every user, the neutral target is exactly the manifest's target order", () => {
    for (const row of tables.users) {
      const h = userHistory(real, String(row.userId));
      expect(h.target?.id).toBe(String(row.targetOrderId));
      expect(h.history.every((o) => o.lines.length > 0)).toBe(true);
    }
  });

  it('days are the running sum of days_since_prior_order; reordered is "bought before", as Instacart flags it', () => {
    const orders = [...userHistory(real, '1').history];
    // User 1's days_since_prior_order: blank, 15, 21, 29, ...
    expect(orders.slice(0, 4).map((o) => o.day)).toEqual([0, 15, 36, 65]);
    let lines = 0;
    for (const [userId, list] of real.ordersByUser) {
      for (const order of list) {
        const flags = tables.linesByOrder.get(Number(order.id))!.map((l) => l.reordered);
        expect(order.lines.map((l) => l.reordered), `user ${userId} order ${order.id}`).toEqual(flags);
        lines += flags.length;
      }
    }
    expect(lines).toBe(293_167);
  });

  it('tiny test user: history excludes the target and the test order', () => {
    const h = userHistory(tiny, '2');
    expect(orderIds(h.history)).toEqual(['201', '202']);
    expect(h.target?.id).toBe('203');
  });
});

describe('the Instacart adapter: catalogue and users', () => {
  it('maps departments and aisles onto a two-level category path', () => {
    expect(real.catalogue.departments.get('d19')).toEqual({ id: 'd19', name: 'snacks', departmentId: 'd19', path: ['snacks'] });
    expect(real.catalogue.categories.get('a61')).toEqual({ id: 'a61', name: 'cookies cakes', departmentId: 'd19', path: ['snacks', 'cookies cakes'] });
    for (const p of real.catalogue.products.values()) expect(real.catalogue.categories.get(p.categoryId)?.departmentId).toBe(p.departmentId);
  });

  it('lists every manifest user ascending by number, with its eval set as segment', () => {
    const users = listUsers(real);
    expect(users).toHaveLength(1_901);
    expect(users.slice(0, 3)).toEqual(['1', '2', '3']);
    expect(users.map(Number)).toEqual([...users.map(Number)].sort((a, b) => a - b));
    expect(real.users.get('1')).toEqual({ id: '1', segment: 'train', preferences: [] });
  });

  it('sample:N:train draws only the 234 train users, each with a scorable target', () => {
    const train = sampleUsers(real, 10_000, { segments: ['train'] });
    expect(train).toHaveLength(234);
    expect(train.every((u) => real.users.get(u)?.segment === 'train')).toBe(true);
    for (const u of sampleUsers(real, 200, { segments: ['test', 'unknown'] })) expect(userHistory(real, u).target?.lines.length).toBeGreaterThan(0);
  });
});
