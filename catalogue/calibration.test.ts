import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { catalogueOf, datasetOf } from '../testing/catalogue-builder.js';
import { realDataset } from '../testing/real-data.js';
import { sampleUsers } from './history.js';
import { calibrationInstances, calibrationSplit, discoveryInstances, trainPropensityModels } from './calibration.js';
import { PROPENSITY_WEIGHTS_URL, reorderPropensity } from './propensity.js';
import { DISCOVERY_WEIGHTS_URL } from './discovery.js';

describe('calibrationSplit', () => {
  it("on the real sample: the report's 200 train users are sample:200:train, and none of them calibrates", async () => {
    const dataset = await realDataset();
    const { report, calibration } = calibrationSplit(dataset);
    expect(report).toEqual(sampleUsers(dataset, 200, { segments: ['train'] }));
    expect(calibration).toHaveLength(34);
    const reported = new Set(report);
    for (const u of calibration) {
      expect(reported.has(u)).toBe(false);
      expect(dataset.users.get(u)!.segment).toBe('train');
    }
    // Any smaller report sample is inside the 200: prefix-stable sampling.
    for (const u of sampleUsers(dataset, 50, { segments: ['train'] })) expect(reported.has(u)).toBe(true);
  });

  it('the committed weights name exactly their calibration users: propensity the split\'s, discovery every user outside the report', async () => {
    const dataset = await realDataset();
    const { calibration, report } = calibrationSplit(dataset);
    const expected = new Map([
      [PROPENSITY_WEIGHTS_URL, calibration],
      [DISCOVERY_WEIGHTS_URL, discoveryInstances(dataset, report).map((i) => i.userId)],
    ]);
    for (const [url, users] of expected) {
      const file = JSON.parse(readFileSync(url, 'utf8'));
      expect(file.calibration.split).toMatchObject({ segment: 'train', reportUsers: 200, seed: 1 });
      expect(file.calibration.split.calibrationUsers).toEqual(users);
    }
    const reported = new Set(report);
    expect(expected.get(DISCOVERY_WEIGHTS_URL)!.some((u) => reported.has(u))).toBe(false);
    // Every other user with two orders before their last: 1,901 − 200.
    expect(expected.get(DISCOVERY_WEIGHTS_URL)).toHaveLength(1701);
  });
});

describe('training on a small store', () => {
  const catalogue = catalogueOf({
    departments: [['d', 'Dairy']],
    categories: [['c', 'Milk', 'd']],
    products: Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, name: `Milk ${i}`, categoryId: 'c' })),
  });
  // Ten users; everyone buys p0 each time, p1 every other time, and tries something once.
  const orders = Object.fromEntries(
    Array.from({ length: 10 }, (_, u) => [`u${u}`, Array.from({ length: 6 }, (_, t) => ['p0', ...(t % 2 ? ['p1'] : []), ...(t === u % 6 ? [`p${2 + (u % 4)}`] : [])])]),
  );
  const dataset = datasetOf({ catalogue, users: Array.from({ length: 10 }, (_, u) => [`u${u}`, 'train'] as const), orders });
  const split = { segment: 'train', reportUsers: 6, seed: 1 };

  it('rolls the origin over each calibration user: one instance per order after the second', () => {
    const { calibration } = calibrationSplit(dataset, split);
    expect(calibration).toHaveLength(4);
    const instances = calibrationInstances(dataset, calibration);
    expect(instances).toHaveLength(4 * 4);
    expect(instances.every((i) => i.history.length >= 2 && i.history.every((o) => o.userId === i.userId))).toBe(true);
  });

  it('is deterministic and learns that the every-time product is the likeliest', () => {
    const a = trainPropensityModels(dataset, split, { epochs: 300 });
    const b = trainPropensityModels(dataset, split, { epochs: 300 });
    expect(a.propensity).toEqual(b.propensity);
    expect(a.report.split.calibrationUsers).toHaveLength(4);
    expect(a.report.propensity.heldOut['recall@12.days']).toBeGreaterThan(0);
    const p = reorderPropensity(dataset.ordersByUser.get('u0')!.slice(0, -1), a.propensity);
    expect(p.get('p0')!).toBeGreaterThan(p.get('p1')!);
    expect(p.get('p1')!).toBeGreaterThan(p.get('p2')!); // u0 tried p2 once, in its first order
    // Discovery learns from the last order of every user outside the report (here the same four).
    expect(a.discovery).toEqual(b.discovery);
    expect(a.report.discovery.users).toEqual(a.report.split.calibrationUsers);
  });

  it("discovery's instances are each non-report user's last order after their history", () => {
    const { report } = calibrationSplit(dataset, split);
    const instances = discoveryInstances(dataset, report);
    expect(instances.map((i) => i.userId).sort()).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9'].filter((u) => !report.includes(u)));
    for (const inst of instances) {
      const orders = dataset.ordersByUser.get(inst.userId)!;
      expect(inst.history).toEqual(orders.slice(0, -1));
      expect([...inst.next].sort()).toEqual([...new Set(orders.at(-1)!.lines.map((l) => l.productId))].sort());
    }
  });

  it('refuses a split that leaves nobody to calibrate on', () => {
    expect(() => trainPropensityModels(dataset, { ...split, reportUsers: 10 })).toThrow(/no users beyond the first 10/);
  });
});
