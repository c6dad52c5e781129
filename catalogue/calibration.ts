import { readFileSync } from 'node:fs';
import { fitLogistic, type LogisticFit } from '../base/logistic.js';
import { compareIds, type Dataset, type Order } from './types.js';
import { sampleUsers } from './history.js';
import { buildCatalogueStats } from './stats.js';
import type { CatalogueStats } from './stats-types.js';
import { buildUserContext } from './user-context.js';
import { productPriors, propensityFeatures, summariseHistory, type ProductPriors } from './propensity-features.js';
import { DAY_INPUTS, historyHasDays, PROPENSITY_INPUTS, PROPENSITY_WEIGHTS_URL, propensityVector, reorderPropensity, scoreLogistic, type PropensityInput, type PropensityWeights } from './propensity.js';
import { DISCOVERY_VERSION, DISCOVERY_WEIGHTS_URL, DISCOVERY_INPUTS, discoveryFeatureMaker, discoveryUserOf, discoveryVector, type DiscoveryInput, type DiscoveryWeights } from './discovery.js';

/**
 * Fitting the reorder-propensity and discovery models on calibration users only, so the users an
 * eval reports on never shaped a weight. The split is fixed and seeded: a segment's users are
 * shuffled exactly as `--users sample:N:<segment>` shuffles them (sampleUsers, seed 1); the first
 * `reportUsers` are the report's users, the rest are calibration. Any `sample:M:<segment>` with
 * M ≤ reportUsers is therefore disjoint from calibration. Reorder propensity learns from the
 * calibration users' whole histories; discovery from the last order of every user outside the
 * report, in any segment (discoveryInstances).
 */
export interface CalibrationSplitOptions {
  readonly segment: string;
  readonly reportUsers: number;
  readonly seed: number;
}

export const DEFAULT_SPLIT: CalibrationSplitOptions = { segment: 'train', reportUsers: 200, seed: 1 };

export function calibrationSplit(dataset: Dataset, { segment, reportUsers, seed }: CalibrationSplitOptions = DEFAULT_SPLIT): { report: string[]; calibration: string[] } {
  const all = sampleUsers(dataset, dataset.users.size, { seed, segments: [segment] });
  return { report: all.slice(0, reportUsers), calibration: all.slice(reportUsers).sort(compareIds) };
}

/** One "next order" to learn from: a prefix of a calibration user's orders and the order after it. */
export interface CalibrationInstance {
  readonly userId: string;
  readonly history: readonly Order[];
  readonly next: ReadonlySet<string>;
}

/**
 * Every prefix of each user's orders with at least `minHistory` orders, paired with the order that
 * followed it (rolling origin): a user with 12 orders gives 10 instances, the last of which is their
 * own held-out target. Users are calibration users, so none of this is an eval's target.
 */
export function calibrationInstances(dataset: Dataset, users: readonly string[], minHistory = 2): CalibrationInstance[] {
  const out: CalibrationInstance[] = [];
  for (const userId of users) {
    const orders = dataset.ordersByUser.get(userId) ?? [];
    for (let t = minHistory; t < orders.length; t++) out.push({ userId, history: orders.slice(0, t), next: new Set(orders[t].lines.map((l) => l.productId)) });
  }
  return out;
}

export interface Row {
  readonly x: number[];
  readonly y: number;
  /** Index of its instance, for per-instance ranking metrics. */
  readonly instance: number;
  readonly productId: string;
  /** The simple score a baseline ranks by, for comparison (frequency; popularity or co-purchase). */
  readonly baseline: Readonly<Record<string, number>>;
}

export function propensityRows(instances: readonly CalibrationInstance[], inputs: readonly PropensityInput[], priors: ProductPriors): Row[] {
  const rows: Row[] = [];
  instances.forEach((inst, i) => {
    const summary = summariseHistory(inst.history);
    for (const f of propensityFeatures(inst.history, priors)) {
      // Frequency, ties to the more recent: the own-reorders baseline's order.
      const baseline = { frequency: f.orders - f.ordersSinceLast / 1000 };
      rows.push({ x: propensityVector(f, summary, inputs), y: inst.next.has(f.productId) ? 1 : 0, instance: i, productId: f.productId, baseline });
    }
  });
  return rows;
}

/** Discovery's share of negatives to fit on (every positive is kept): the probabilities stay calibrated, the fit is 20× quicker. */
export const DISCOVERY_NEGATIVE_SHARE = 0.05;

/**
 * Candidates per instance for the discovery model, none of them owned: the strongest co-purchase
 * neighbours, the most popular products, and the products the user's nearest shoppers weigh most that
 * neither list holds (a page ranks all three kinds, catalogue/discovery.ts).
 */
export const DISCOVERY_CANDIDATES = { coPurchase: 400, popular: 200, neighbours: 100 } as const;

/**
 * Discovery's instances: the last order of every user the report never sees (any segment, at least
 * two history orders before it), each seen exactly as an eval sees its users: the history is every
 * order before the last, and the statistics are the shared ones (every user's history orders, nobody's
 * last), which hold this user's history as they hold a report user's. So the model learns the very
 * task the report measures, on every such user (1,701 in the bundled sample) rather than a few dozen.
 */
export function discoveryInstances(dataset: Dataset, report: readonly string[], minHistory = 2): CalibrationInstance[] {
  const skip = new Set(report);
  const out: CalibrationInstance[] = [];
  for (const [userId, orders] of dataset.ordersByUser) {
    if (skip.has(userId) || orders.length < minHistory + 1) continue;
    out.push({ userId, history: orders.slice(0, -1), next: new Set(orders.at(-1)!.lines.map((l) => l.productId)) });
  }
  return out.sort((a, b) => compareIds(a.userId, b.userId));
}

export function discoveryRows(instances: readonly CalibrationInstance[], stats: CatalogueStats, dataset: Dataset, propensity: PropensityWeights, inputs: readonly DiscoveryInput[]): Row[] {
  // The statistics hold each instance's history (not its next order), as they hold a report user's: leave-one-out priors, as contextOfUser builds them.
  const priors = productPriors(stats, { includesUser: true });
  const popular = [...stats.productOrders].sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0])).map(([id]) => id);
  const rows: Row[] = [];
  instances.forEach((inst, i) => {
    // The user as a page sees them: the same UserContext fields, with the propensity being fitted.
    const context = buildUserContext({ userId: inst.userId, history: inst.history, target: undefined }, dataset.catalogue, undefined, priors, propensity);
    const user = discoveryUserOf(context);
    // One maker for the instance: its co-purchase profiles are computed once, for ranking and for the rows.
    const { profile, neighbourScores, features } = discoveryFeatureMaker(user, stats, dataset.catalogue);
    const byCoPurchase = [...profile]
      .filter(([id]) => features(id) !== undefined)
      .sort(([a, x], [b, y]) => y - x || compareIds(a, b))
      .slice(0, DISCOVERY_CANDIDATES.coPurchase);
    const chosen = new Set(byCoPurchase.map(([id]) => id));
    for (const id of popular) {
      if (chosen.size >= DISCOVERY_CANDIDATES.coPurchase + DISCOVERY_CANDIDATES.popular) break;
      if (!user.owned.has(id)) chosen.add(id);
    }
    const byNeighbours = [...neighbourScores]
      .filter(([id]) => !chosen.has(id) && features(id) !== undefined)
      .sort(([a, x], [b, y]) => y - x || compareIds(a, b))
      .slice(0, DISCOVERY_CANDIDATES.neighbours);
    for (const [id] of byNeighbours) chosen.add(id);
    for (const f of [...chosen].sort(compareIds).flatMap((id) => features(id) ?? [])) {
      const baseline = { popularity: f.popularity, coPurchase: f.coPurchase };
      rows.push({ x: discoveryVector(f, inputs), y: inst.next.has(f.productId) ? 1 : 0, instance: i, productId: f.productId, baseline });
    }
  });
  return rows;
}

export interface FitOptions {
  readonly epochs?: number;
  readonly l2?: number;
  /**
   * Fit on every positive and this share of the negatives (a fixed choice by row), then move the bias
   * by log(share) so the probabilities stay calibrated: discovery has some 400 negatives per positive.
   */
  readonly negativeShare?: number;
}

/** A fixed pseudo-random number in [0,1) per row index (Knuth's multiplicative hash): the same rows every fit. */
const rowDraw = (i: number): number => ((Math.imul(i + 1, 2654435761) >>> 0) / 4294967296);

function fit(rows: readonly Row[], { epochs = 2000, l2 = 1e-3, negativeShare = 1 }: FitOptions = {}): LogisticFit {
  const thinned = negativeShare >= 1 ? rows : rows.filter((r, i) => r.y === 1 || rowDraw(i) < negativeShare);
  // A small store may have too few negatives to thin: then every row counts, as they are.
  const share = negativeShare < 1 && thinned.some((r) => r.y === 0) ? negativeShare : 1;
  const kept = share < 1 ? thinned : rows;
  if (!kept.length) throw new Error('calibration: no rows to fit on (no user has a history and an order after it)');
  const model = fitLogistic(kept.map((r) => r.x), kept.map((r) => r.y), { epochs, l2 });
  return share < 1 ? { ...model, bias: model.bias + Math.log(share) } : model;
}

/** Scores each row by a model fitted without its user's rows: two folds by user, so every score is held out. */
export function heldOutScores(rows: readonly Row[], instances: readonly CalibrationInstance[], options?: FitOptions): number[] {
  const users = [...new Set(instances.map((i) => i.userId))].sort(compareIds);
  const fold = new Map(users.map((u, i) => [u, i % 2]));
  const out = new Array<number>(rows.length).fill(0);
  for (const f of [0, 1]) {
    const model = fit(rows.filter((r) => fold.get(instances[r.instance].userId) !== f), options);
    rows.forEach((r, i) => {
      if (fold.get(instances[r.instance].userId) === f) out[i] = scoreLogistic(model, r.x);
    });
  }
  return out;
}

/** Mean over instances of (next-order products among the top k by score) ÷ (next-order products). */
export function recallAt(k: number, rows: readonly Row[], scores: readonly number[], instances: readonly CalibrationInstance[]): number {
  const byInstance = new Map<number, number[]>();
  rows.forEach((r, i) => {
    const list = byInstance.get(r.instance);
    if (list) list.push(i);
    else byInstance.set(r.instance, [i]);
  });
  let sum = 0;
  instances.forEach((inst, i) => {
    const top = (byInstance.get(i) ?? []).sort((a, b) => scores[b] - scores[a] || compareIds(rows[a].productId, rows[b].productId)).slice(0, k);
    sum += top.filter((j) => rows[j].y === 1).length / Math.max(1, inst.next.size);
  });
  return instances.length ? sum / instances.length : 0;
}

export function logLoss(rows: readonly Row[], scores: readonly number[]): number {
  const eps = 1e-12;
  return rows.reduce((s, r, i) => s - (r.y ? Math.log(Math.max(eps, scores[i])) : Math.log(Math.max(eps, 1 - scores[i]))), 0) / Math.max(1, rows.length);
}

export const PROPENSITY_DAYS_INPUTS = Object.keys(PROPENSITY_INPUTS) as PropensityInput[];
export const PROPENSITY_ORDERS_INPUTS = PROPENSITY_DAYS_INPUTS.filter((i) => !DAY_INPUTS.includes(i));
export const DISCOVERY_MODEL_INPUTS = Object.keys(DISCOVERY_INPUTS) as DiscoveryInput[];

export interface CalibrationReport {
  readonly split: CalibrationSplitOptions & { readonly calibrationUsers: readonly string[] };
  readonly instances: number;
  readonly instancesWithDays: number;
  readonly propensity: { readonly rows: number; readonly positives: number; readonly heldOut: Readonly<Record<string, number>> };
  /** Discovery learns from its own instances (discoveryInstances): these users' last orders. */
  readonly discovery: { readonly users: readonly string[]; readonly rows: number; readonly positives: number; readonly heldOut: Readonly<Record<string, number>> };
}

export interface TrainedModels {
  readonly propensity: PropensityWeights;
  readonly discovery: DiscoveryWeights;
  readonly report: CalibrationReport;
}

const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
const roundFit = (f: LogisticFit): LogisticFit => ({ mean: f.mean.map(r4), std: f.std.map(r4), weights: f.weights.map(r4), bias: r4(f.bias) });

/**
 * Fits reorder propensity on the calibration users of `split`, with statistics that leave those
 * users out, and discovery on every non-report user's last order, with the shared statistics; and
 * measures each on held-out folds (by user) against the simple rankings it replaces: frequency for
 * reorders, popularity and raw co-purchase for new products.
 */
export function trainPropensityModels(dataset: Dataset, split: CalibrationSplitOptions = DEFAULT_SPLIT, options: FitOptions = {}): TrainedModels {
  const { calibration, report } = calibrationSplit(dataset, split);
  if (calibration.length === 0) throw new Error(`calibration: segment "${split.segment}" has no users beyond the first ${split.reportUsers} (the report's)`);
  const instances = calibrationInstances(dataset, calibration);
  const stats = buildCatalogueStats(dataset, { excludeUsers: new Set(calibration) });

  // The statistics leave the calibration users out, so no instance's own later orders reach its product priors.
  const priors = productPriors(stats, { includesUser: false });
  const daysRows = propensityRows(instances, PROPENSITY_DAYS_INPUTS, priors);
  const ordersRows = propensityRows(instances, PROPENSITY_ORDERS_INPUTS, priors);
  const days = { inputs: PROPENSITY_DAYS_INPUTS, ...roundFit(fit(daysRows, options)) };
  const orders = { inputs: PROPENSITY_ORDERS_INPUTS, ...roundFit(fit(ordersRows, options)) };
  const propensity: PropensityWeights = { version: 'propensity-v1', days, orders };

  const heldOutDays = heldOutScores(daysRows, instances, options);
  const heldOutOrders = heldOutScores(ordersRows, instances, options);
  const frequency = daysRows.map((r) => r.baseline.frequency);
  const propensityHeldOut: Record<string, number> = { logLossDays: r4(logLoss(daysRows, heldOutDays)), logLossOrders: r4(logLoss(ordersRows, heldOutOrders)), baseRate: r4(daysRows.filter((r) => r.y).length / daysRows.length) };
  for (const k of [12, 24, 48, 60, 72]) {
    propensityHeldOut[`recall@${k}.frequency`] = r4(recallAt(k, daysRows, frequency, instances));
    propensityHeldOut[`recall@${k}.days`] = r4(recallAt(k, daysRows, heldOutDays, instances));
    propensityHeldOut[`recall@${k}.orders`] = r4(recallAt(k, ordersRows, heldOutOrders, instances));
  }

  const dInstances = discoveryInstances(dataset, report);
  const dRows = discoveryRows(dInstances, buildCatalogueStats(dataset), dataset, propensity, DISCOVERY_MODEL_INPUTS);
  const dOptions = { negativeShare: DISCOVERY_NEGATIVE_SHARE, ...options };
  const discovery: DiscoveryWeights = { version: DISCOVERY_VERSION, inputs: DISCOVERY_MODEL_INPUTS, ...roundFit(fit(dRows, dOptions)) };
  const dHeldOut = heldOutScores(dRows, dInstances, dOptions);
  const popularity = dRows.map((r) => r.baseline.popularity);
  const coPurchase = dRows.map((r) => r.baseline.coPurchase);
  const discoveryHeldOut: Record<string, number> = { logLoss: r4(logLoss(dRows, dHeldOut)) };
  for (const k of [12, 24, 36, 72, 92]) {
    discoveryHeldOut[`newRecall@${k}.popularity`] = r4(recallAt(k, dRows, popularity, dInstances));
    discoveryHeldOut[`newRecall@${k}.coPurchase`] = r4(recallAt(k, dRows, coPurchase, dInstances));
    discoveryHeldOut[`newRecall@${k}.model`] = r4(recallAt(k, dRows, dHeldOut, dInstances));
  }

  return {
    propensity,
    discovery,
    report: {
      split: { ...split, calibrationUsers: calibration },
      instances: instances.length,
      instancesWithDays: instances.filter((i) => historyHasDays(i.history)).length,
      propensity: { rows: daysRows.length, positives: daysRows.filter((r) => r.y).length, heldOut: propensityHeldOut },
      discovery: { users: dInstances.map((i) => i.userId), rows: dRows.length, positives: dRows.filter((r) => r.y).length, heldOut: discoveryHeldOut },
    },
  };
}

/** The users the bundled weights were fitted on, as their files record them: an eval checks it reports on none of them. */
export function committedCalibrationUsers(): string[] {
  const users = new Set<string>();
  for (const url of [PROPENSITY_WEIGHTS_URL, DISCOVERY_WEIGHTS_URL]) {
    const file = JSON.parse(readFileSync(url, 'utf8')) as { calibration?: { split?: { calibrationUsers?: string[] } } };
    for (const u of file.calibration?.split?.calibrationUsers ?? []) users.add(u);
  }
  return [...users].sort(compareIds);
}
