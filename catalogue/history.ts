import { seededRandom, shuffled } from '../base/random.js';
import { HubgenError } from '../base/errors.js';
import type { Dataset, UserHistory } from './types.js';

/** Every user in the dataset, ascending by id. */
export function listUsers(dataset: Dataset): string[] {
  return [...dataset.users.keys()];
}

/**
 * A user's history and evaluation target: the target is the user's last order, held out, and the
 * history is every order before it. A user with one order has no history (a cold start) and that
 * order as target; a user with none has neither.
 */
export function userHistory(dataset: Dataset, userId: string): UserHistory {
  if (!dataset.users.has(userId)) throw new UnknownUserError(userId, dataset.users.size);
  const orders = dataset.ordersByUser.get(userId) ?? [];
  return { userId, history: orders.slice(0, -1), target: orders.at(-1) };
}

/** An id the dataset does not have; runs record it per user and go on. */
export class UnknownUserError extends HubgenError {
  static override readonly kind: string = 'unknown-user';
  constructor(readonly userId: string, users: number) {
    super(`unknown user "${userId}": not in the dataset (${users} users)`);
  }
}

export interface SampleUsersOptions {
  /** Default 1. The same seed and data always give the same users, in the same order. */
  readonly seed?: number;
  /** Only users in these segments (default: any segment). */
  readonly segments?: readonly string[];
}

/**
 * A seeded sample of up to `n` users with a target order and at least one history order, so a
 * page can be generated and scored. Prefix-stable: the first k of a sample of n are the sample of k.
 */
export function sampleUsers(dataset: Dataset, n: number, { seed = 1, segments }: SampleUsersOptions = {}): string[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sampleUsers: n must be a non-negative integer, got ${n}`);
  const wanted = segments ? new Set(segments) : undefined;
  const eligible = [...dataset.users.values()]
    .filter((u) => !wanted || (u.segment !== undefined && wanted.has(u.segment)))
    .filter((u) => (dataset.ordersByUser.get(u.id)?.length ?? 0) >= 2)
    .map((u) => u.id);
  return shuffled(eligible, seededRandom(seed)).slice(0, n);
}

/** The segments users are in, with how many users each, for error messages and `hubgen config`. */
export function segmentCounts(dataset: Dataset): Map<string, number> {
  const out = new Map<string, number>();
  for (const u of dataset.users.values()) if (u.segment !== undefined) out.set(u.segment, (out.get(u.segment) ?? 0) + 1);
  return out;
}
