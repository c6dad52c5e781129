import type { Dataset } from '../datasets/instacart/load.js';
import { seededRandom, shuffled } from '../base/random.js';
import type { UserHistory, UserManifestRow } from './types.js';

type EvalSet = UserManifestRow['finalEvalSet'];

/** Every user in the manifest, ascending by id. */
export function listUsers(dataset: Dataset): number[] {
  return dataset.users.map((u) => u.userId);
}

/**
 * A user's history and evaluation target, exactly as users_sample.csv defines them: the target is the
 * manifest's target order (the Kaggle train order, or the last prior order for test/unknown users) and
 * the history is every prior order before it. A Kaggle test order (no products) is never either, and
 * nothing after the target is history.
 */
export function userHistory(dataset: Dataset, userId: number): UserHistory {
  const user = dataset.usersById.get(userId);
  if (!user) throw new RangeError(`unknown user ${userId}: not in users_sample.csv (${dataset.users.length} users)`);
  const orders = dataset.ordersByUser.get(userId) ?? [];
  const history = orders
    // Orders whose lines were all dropped by a lenient load carry no history, so they are left out.
    .filter((o) => o.evalSet === 'prior' && o.number < user.targetOrderNumber && dataset.linesByOrder.has(o.id))
    .map((order) => ({ order, lines: dataset.linesByOrder.get(order.id)! }));
  const targetOrder = dataset.orders.get(user.targetOrderId);
  const targetLines = dataset.linesByOrder.get(user.targetOrderId);
  const target = targetOrder && targetLines ? { order: targetOrder, lines: targetLines } : undefined;
  return { userId, history, target };
}

export interface SampleUsersOptions {
  /** Default 1. The same seed and data always give the same users, in the same order. */
  readonly seed?: number;
  /** Which manifest eval sets to draw from (default all). `train` targets are real next orders, the most trustworthy. */
  readonly evalSets?: readonly EvalSet[];
}

/**
 * A seeded sample of up to `n` users whose target order has products and who have at least one
 * history order. Prefix-stable: the first k of a sample of n are the sample of k.
 */
export function sampleUsers(dataset: Dataset, n: number, { seed = 1, evalSets = ['train', 'test', 'unknown'] }: SampleUsersOptions = {}): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sampleUsers: n must be a non-negative integer, got ${n}`);
  const sets = new Set(evalSets);
  const eligible = dataset.users
    .filter((u) => sets.has(u.finalEvalSet) && dataset.linesByOrder.has(u.targetOrderId))
    .filter((u) => (dataset.ordersByUser.get(u.userId) ?? []).some((o) => o.evalSet === 'prior' && o.number < u.targetOrderNumber && dataset.linesByOrder.has(o.id)))
    .map((u) => u.userId);
  return shuffled(eligible, seededRandom(seed)).slice(0, n);
}
