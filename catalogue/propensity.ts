import { readFileSync } from 'node:fs';
import { sigmoid, type LogisticFit } from '../base/logistic.js';
import type { Order } from './types.js';
import { flatPriors, propensityFeatures, summariseHistory, type HistorySummary, type ProductPriors, type PropensityFeatures } from './propensity-features.js';

/**
 * Reorder propensity: the probability that a product the user has bought is in their next order,
 * from a logistic model over propensityFeatures (frequency, recency, the product's own rhythm against
 * the time since it was last bought, repurchase rate) and a few facts about the user's history.
 * The weights are fitted on calibration users' histories (catalogue/calibration.ts, `hubgen
 * train-propensity`) and committed in weights/propensity-v1.json; see weights/README.md.
 */

/** Every input the model can read, by name; a weights file lists the ones its model uses, in order. */
export const PROPENSITY_INPUTS = {
  share: (f) => f.share,
  log_orders: (f) => Math.log1p(f.orders),
  log_orders_since_last: (f) => Math.log1p(f.ordersSinceLast),
  in_last_order: (f) => (f.ordersSinceLast === 0 ? 1 : 0),
  recent_share: (f) => f.recentShare,
  repurchase_rate: (f) => f.repurchaseRate,
  bought_once: (f) => (f.orders === 1 ? 1 : 0),
  // How "due" the product is: orders (or days) until the next order over its usual gap, on a log
  // scale so early and late are symmetric; the square lets the model prefer "due now" over both.
  due_orders: (f) => dueOrders(f),
  due_orders_sq: (f) => dueOrders(f) ** 2,
  due_days: (f) => dueDays(f),
  due_days_sq: (f) => dueDays(f) ** 2,
  log_days_since_last: (f) => Math.log1p(f.daysSinceLast ?? 0),
  log_product_repeat: (f) => Math.log(Math.max(1e-3, f.productRepeat)),
  log_history_orders: (_, s) => Math.log(Math.max(1, s.historyOrders)),
  log_mean_basket: (_, s) => Math.log1p(s.meanBasket),
  log_distinct_products: (_, s) => Math.log1p(s.distinctProducts),
} satisfies Record<string, (f: PropensityFeatures, s: HistorySummary) => number>;
export type PropensityInput = keyof typeof PROPENSITY_INPUTS;

/** The inputs that need days; a history without them is scored by the orders-only model. */
export const DAY_INPUTS: readonly PropensityInput[] = ['due_days', 'due_days_sq', 'log_days_since_last'];

// A product bought once has no rhythm yet: neutral (0), and `bought_once` says so.
function dueOrders(f: PropensityFeatures): number {
  return f.typicalGapOrders === undefined || f.typicalGapOrders <= 0 ? 0 : clampLog(f.ordersToNext / f.typicalGapOrders);
}
function dueDays(f: PropensityFeatures): number {
  return f.typicalGapDays === undefined || f.daysSinceLast === undefined ? 0 : clampLog((f.daysSinceLast + 1) / (f.typicalGapDays + 1));
}
/** log of a ratio, kept within ±3 (20× early or late) so one odd gap cannot dominate the score. */
const clampLog = (ratio: number): number => Math.max(-3, Math.min(3, Math.log(ratio)));

export interface PropensityModel extends LogisticFit {
  readonly inputs: readonly PropensityInput[];
}

/** The committed weights: one model for histories with days, one for histories without. */
export interface PropensityWeights {
  readonly version: string;
  readonly days: PropensityModel;
  readonly orders: PropensityModel;
}

export function propensityVector(f: PropensityFeatures, s: HistorySummary, inputs: readonly PropensityInput[]): number[] {
  return inputs.map((name) => PROPENSITY_INPUTS[name](f, s));
}

export function scoreLogistic(fit: LogisticFit, x: readonly number[]): number {
  let z = fit.bias;
  for (let j = 0; j < x.length; j++) z += (fit.weights[j] * (x[j] - fit.mean[j])) / fit.std[j];
  return sigmoid(z);
}

/** Days count only when every history order has one (see propensityFeatures). */
export const historyHasDays = (orders: readonly Order[]): boolean => orders.length >= 2 && orders.every((o) => o.day !== undefined);

/**
 * Each history product's probability of being in the next order, ascending by product id. The
 * days model when the history has days, else the orders-only model: same signals, counted in orders.
 */
export function reorderPropensity(orders: readonly Order[], weights: PropensityWeights = propensityWeights(), priors: ProductPriors = flatPriors): Map<string, number> {
  const model = historyHasDays(orders) ? weights.days : weights.orders;
  const summary = summariseHistory(orders);
  return new Map(propensityFeatures(orders, priors).map((f) => [f.productId, scoreLogistic(model, propensityVector(f, summary, model.inputs))]));
}

export const PROPENSITY_WEIGHTS_URL = new URL('./weights/propensity-v1.json', import.meta.url);

let bundled: PropensityWeights | undefined;
/** The bundled weights (weights/propensity-v1.json), read once. */
export function propensityWeights(): PropensityWeights {
  return (bundled ??= parsePropensityWeights(JSON.parse(readFileSync(PROPENSITY_WEIGHTS_URL, 'utf8')), PROPENSITY_WEIGHTS_URL.pathname));
}

/** Checks a weights file against the inputs this code knows, so a stale file fails loudly, naming what is wrong. */
export function parsePropensityWeights(raw: unknown, source: string): PropensityWeights {
  const w = raw as Partial<PropensityWeights>;
  const check = (m: PropensityModel | undefined, name: string): PropensityModel => {
    if (!m || !Array.isArray(m.inputs) || !Array.isArray(m.weights) || typeof m.bias !== 'number') throw new Error(`${source}: model "${name}" is missing or malformed`);
    const unknown = m.inputs.filter((i) => !(i in PROPENSITY_INPUTS));
    if (unknown.length) throw new Error(`${source}: model "${name}" uses unknown inputs ${unknown.join(', ')}`);
    if (m.weights.length !== m.inputs.length || m.mean.length !== m.inputs.length || m.std.length !== m.inputs.length) throw new Error(`${source}: model "${name}" has ${m.inputs.length} inputs but ${m.weights.length} weights`);
    if (name === 'orders' && m.inputs.some((i) => DAY_INPUTS.includes(i))) throw new Error(`${source}: the orders-only model must not read days`);
    return m;
  };
  if (typeof w.version !== 'string') throw new Error(`${source}: no version`);
  return { version: w.version, days: check(w.days, 'days'), orders: check(w.orders, 'orders') };
}
