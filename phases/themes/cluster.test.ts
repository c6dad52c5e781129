import { describe, expect, it } from 'vitest';
import { averageLinkage, clusterBySilhouette, meanPairwise, silhouette } from './cluster.js';

/** Two tight blocks {0,1,2} and {3,4}, far apart. */
const blocks = [
  [1, 0.9, 0.85, 0.1, 0.05],
  [0.9, 1, 0.8, 0.0, 0.1],
  [0.85, 0.8, 1, 0.05, 0.0],
  [0.1, 0.0, 0.05, 1, 0.95],
  [0.05, 0.1, 0.0, 0.95, 1],
];

describe('averageLinkage', () => {
  it('merges the closest items first and keeps every level down to minK', () => {
    const tree = averageLinkage(blocks, 1);
    expect([...tree.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(tree.get(4)).toEqual([[0], [1], [2], [3, 4]]);
    expect(tree.get(2)).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(tree.get(1)).toEqual([[0, 1, 2, 3, 4]]);
  });
});

describe('silhouette', () => {
  it('scores the true blocks above a partition that splits them across clusters', () => {
    const good = silhouette(blocks, [
      [0, 1, 2],
      [3, 4],
    ]);
    const bad = silhouette(blocks, [
      [0, 3],
      [1, 2, 4],
    ]);
    expect(good).toBeGreaterThan(0.7);
    expect(bad).toBeLessThan(0);
  });

  it('is 0 for a single cluster', () => {
    expect(silhouette(blocks, [[0, 1, 2, 3, 4]])).toBe(0);
  });
});

describe('clusterBySilhouette', () => {
  it('finds the two blocks when allowed anywhere from 2 to 4 clusters', () => {
    const chosen = clusterBySilhouette(blocks, 2, 4);
    expect(chosen.k).toBe(2);
    expect(chosen.partition).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
  });

  it('respects the bounds and copes with no items', () => {
    expect(clusterBySilhouette(blocks, 3, 3).k).toBe(3);
    expect(clusterBySilhouette([], 2, 4)).toEqual({ k: 0, partition: [], silhouette: 0 });
    expect(clusterBySilhouette([[1]], 2, 4).partition).toEqual([[0]]);
  });
});

describe('meanPairwise', () => {
  it('averages pairs inside the cluster and is undefined for a singleton', () => {
    expect(meanPairwise(blocks, [3, 4])).toBeCloseTo(0.95);
    expect(meanPairwise(blocks, [0, 1, 2])).toBeCloseTo((0.9 + 0.85 + 0.8) / 3);
    expect(meanPairwise(blocks, [2])).toBeUndefined();
  });
});
