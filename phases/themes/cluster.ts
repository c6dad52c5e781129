/**
 * Small, deterministic clustering over a precomputed similarity matrix: average-linkage
 * agglomerative clustering, cut at the k with the best silhouette. Sized for one user's
 * products (tens of items), where O(n³) is microseconds and determinism matters more than speed.
 */

/** Similarity in [-1, 1]; sim[i][j] === sim[j][i], sim[i][i] === 1. */
export type SimilarityMatrix = readonly (readonly number[])[];

/** Each cluster is a sorted list of item indices; clusters are ordered by their smallest index. */
export type Partition = readonly (readonly number[])[];

/**
 * Every partition from n clusters down to `minK`, keyed by cluster count. Ties in the merge order
 * break towards the lowest indices, so the same matrix always yields the same tree.
 */
export function averageLinkage(sim: SimilarityMatrix, minK = 1): Map<number, Partition> {
  const n = sim.length;
  const members: (number[] | undefined)[] = Array.from({ length: n }, (_, i) => [i]);
  // Cluster-to-cluster average similarity, updated by the Lance–Williams rule for average linkage.
  const link = sim.map((row) => [...row]);
  const partitions = new Map<number, Partition>();
  const snapshot = (): Partition =>
    members
      .filter((m): m is number[] => m !== undefined)
      .map((m) => [...m].sort((a, b) => a - b))
      .sort((a, b) => a[0] - b[0]);
  let alive = n;
  partitions.set(alive, snapshot());
  while (alive > Math.max(1, minK)) {
    let best = -Infinity;
    let bi = -1;
    let bj = -1;
    for (let i = 0; i < n; i++) {
      if (!members[i]) continue;
      for (let j = i + 1; j < n; j++) {
        if (!members[j]) continue;
        if (link[i][j] > best) {
          best = link[i][j];
          bi = i;
          bj = j;
        }
      }
    }
    const a = members[bi]!;
    const b = members[bj]!;
    for (let c = 0; c < n; c++) {
      if (!members[c] || c === bi || c === bj) continue;
      const merged = (a.length * link[bi][c] + b.length * link[bj][c]) / (a.length + b.length);
      link[bi][c] = merged;
      link[c][bi] = merged;
    }
    members[bi] = [...a, ...b];
    members[bj] = undefined;
    alive--;
    partitions.set(alive, snapshot());
  }
  return partitions;
}

/**
 * Mean silhouette with distance = 1 − similarity. Items in singleton clusters score 0, which is
 * the usual convention and keeps "every item its own cluster" from looking perfect.
 */
export function silhouette(sim: SimilarityMatrix, partition: Partition): number {
  const n = sim.length;
  if (partition.length < 2 || n === 0) return 0;
  const clusterOf = new Array<number>(n);
  partition.forEach((c, ci) => c.forEach((i) => (clusterOf[i] = ci)));
  let total = 0;
  for (let i = 0; i < n; i++) {
    const own = partition[clusterOf[i]];
    if (own.length === 1) continue;
    let a = 0;
    for (const j of own) if (j !== i) a += 1 - sim[i][j];
    a /= own.length - 1;
    let b = Infinity;
    partition.forEach((other, ci) => {
      if (ci === clusterOf[i]) return;
      let d = 0;
      for (const j of other) d += 1 - sim[i][j];
      b = Math.min(b, d / other.length);
    });
    const denom = Math.max(a, b);
    total += denom > 0 ? (b - a) / denom : 0;
  }
  return total / n;
}

export interface ChosenPartition {
  readonly k: number;
  readonly partition: Partition;
  readonly silhouette: number;
}

/**
 * Cuts the average-linkage tree at the k in [minK, maxK] with the best silhouette. Ties go to the
 * larger k: with near-equal separation, more (smaller) themes make a richer page.
 */
export function clusterBySilhouette(sim: SimilarityMatrix, minK: number, maxK: number): ChosenPartition {
  const n = sim.length;
  if (n === 0) return { k: 0, partition: [], silhouette: 0 };
  const hi = Math.max(1, Math.min(maxK, n));
  const lo = Math.max(1, Math.min(minK, hi));
  const tree = averageLinkage(sim, lo);
  let chosen: ChosenPartition | undefined;
  for (let k = lo; k <= hi; k++) {
    const partition = tree.get(k)!;
    const s = silhouette(sim, partition);
    if (!chosen || s >= chosen.silhouette - 1e-9) chosen = { k, partition, silhouette: s };
  }
  return chosen!;
}

/** Mean pairwise similarity inside one cluster; undefined for a singleton (nothing to measure). */
export function meanPairwise(sim: SimilarityMatrix, cluster: readonly number[]): number | undefined {
  if (cluster.length < 2) return undefined;
  let s = 0;
  let pairs = 0;
  for (let x = 0; x < cluster.length; x++) {
    for (let y = x + 1; y < cluster.length; y++) {
      s += sim[cluster[x]][cluster[y]];
      pairs++;
    }
  }
  return s / pairs;
}
