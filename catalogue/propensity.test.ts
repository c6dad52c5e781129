import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset, Order } from './types.js';
import { historyHasDays, parsePropensityWeights, propensityVector, propensityWeights, reorderPropensity, scoreLogistic } from './propensity.js';
import { propensityFeatures, summariseHistory } from './propensity-features.js';
import { userHistory } from './history.js';
import { buildUserContext, contextOfUser } from './user-context.js';
import { buildCatalogueStats } from './stats.js';
import { discoveryScores, discoveryUserOf } from './discovery.js';
import { realDataset } from '../testing/real-data.js';

const order = (seq: number, day: number | undefined, ids: string[]): Order => ({ id: `o${seq}`, userId: 'u', seq, day, dow: undefined, hour: undefined, lines: ids.map((productId) => ({ productId, quantity: 1, reordered: false })) });

describe('reorderPropensity', () => {
  // Milk in every order; cereal every other; a one-off gift bought in the first order only.
  const history = Array.from({ length: 8 }, (_, i) => order(i + 1, i * 7, ['milk', ...(i % 2 === 1 ? ['cereal'] : []), ...(i === 0 ? ['gift'] : [])]));

  it('is a probability, highest for what is bought every time and lowest for an old one-off', () => {
    const p = reorderPropensity(history);
    expect([...p.keys()]).toEqual(['cereal', 'gift', 'milk']);
    for (const v of p.values()) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(1);
    }
    expect(p.get('milk')!).toBeGreaterThan(p.get('cereal')!);
    expect(p.get('cereal')!).toBeGreaterThan(p.get('gift')!);
  });

  it('uses the days model when every order has a day, the orders-only model otherwise', () => {
    const w = propensityWeights();
    const untimed = history.map((o) => ({ ...o, day: undefined }));
    expect(historyHasDays(history)).toBe(true);
    expect(historyHasDays(untimed)).toBe(false);
    const s = summariseHistory(untimed);
    const milk = propensityFeatures(untimed).find((f) => f.productId === 'milk')!;
    expect(reorderPropensity(untimed).get('milk')).toBe(scoreLogistic(w.orders, propensityVector(milk, s, w.orders.inputs)));
    expect(w.orders.inputs.some((i) => i.includes('days'))).toBe(false);
  });

  it('rejects weights whose inputs this code does not know, or whose orders model reads days', () => {
    const w = propensityWeights();
    expect(() => parsePropensityWeights({ ...w, days: { ...w.days, inputs: [...w.days.inputs.slice(1), 'moon_phase'] } }, 'x.json')).toThrow(/unknown inputs moon_phase/);
    expect(() => parsePropensityWeights({ ...w, orders: w.days }, 'x.json')).toThrow(/orders-only model must not read days/);
  });
});

describe('no target-order product or date reaches a feature', () => {
  let dataset: Dataset;
  beforeAll(async () => {
    dataset = await realDataset();
  });

  /** The dataset with one user's target order replaced: other products, a later day. */
  function withTarget(userId: string, productIds: string[]): Dataset {
    const orders = dataset.ordersByUser.get(userId)!;
    const last = orders.at(-1)!;
    const target: Order = { ...last, day: (last.day ?? 0) + 60, lines: productIds.map((productId) => ({ productId, quantity: 1, reordered: false })) };
    return { ...dataset, ordersByUser: new Map([...dataset.ordersByUser, [userId, [...orders.slice(0, -1), target]]]) };
  }

  it('the context (propensity included) and the co-purchase statistics do not change when the target does', () => {
    for (const userId of ['1', '134507', '8393']) {
      const h = userHistory(dataset, userId);
      const seen = new Set(h.history.flatMap((o) => o.lines.map((l) => l.productId)));
      const targetOnly = h.target!.lines.map((l) => l.productId).filter((id) => !seen.has(id));
      const context = buildUserContext(h, dataset.catalogue);
      for (const id of targetOnly) expect(context.reorderPropensity[id]).toBeUndefined();
      expect(Object.keys(context.reorderPropensity).sort()).toEqual([...seen].sort());

      const swapped = withTarget(userId, ['24852', '13176', '21137']);
      expect(buildUserContext(userHistory(swapped, userId), swapped.catalogue)).toEqual(context);
      // With the product priors too (statistics over every user's history, leave-one-out).
      if (userId === '1') expect(contextOfUser(swapped, userId).context).toEqual(contextOfUser(dataset, userId).context);
    }
    expect(buildCatalogueStats(withTarget('1', ['24852'])).coPurchase.digest).toBe(buildCatalogueStats(dataset).coPurchase.digest);
    // Nor do the shoppers user neighbours compare: a target is nobody's history.
    expect(buildCatalogueStats(withTarget('1', ['24852'])).neighboursDigest).toBe(buildCatalogueStats(dataset).neighboursDigest);
  });

  it('discovery scores for a user are the same whatever their target holds', () => {
    const stats = buildCatalogueStats(dataset);
    const context = buildUserContext(userHistory(dataset, '1'), dataset.catalogue);
    const user = discoveryUserOf(context);
    const swapped = withTarget('1', ['24852']);
    const swappedContext = buildUserContext(userHistory(swapped, '1'), swapped.catalogue);
    const a = discoveryScores(user, stats, dataset.catalogue);
    const b = discoveryScores(discoveryUserOf(swappedContext), buildCatalogueStats(swapped), swapped.catalogue);
    expect(b).toEqual(a);
    for (const id of user.owned.keys()) expect(a.has(id)).toBe(false);
  });
});
