import { HubgenError } from '../../base/errors.js';

/**
 * Batch mode: a model call whose answer is not in yet. Its request has been recorded for the next
 * batch; the user's current phase stops here and runs again once the batch has answered. Never a
 * failure: cascades pass it through instead of escalating, and runs neither store nor count it.
 */
export class PendingBatchError extends HubgenError {
  static override readonly kind: string = 'pending-batch';
  constructor(
    readonly requestHash: string,
    readonly role: string,
  ) {
    super(`the ${role} answer to request ${requestHash.slice(0, 12)} comes with the next batch`);
  }
}

/** Whether `error`, or anything it wraps (cause, errors[]), is a PendingBatchError. */
export function isPendingBatch(error: unknown, depth = 0): boolean {
  if (depth > 8 || typeof error !== 'object' || error === null) return false;
  if (PendingBatchError.isInstance(error)) return true;
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  return isPendingBatch(cause, depth + 1) || (Array.isArray(errors) && errors.some((e) => isPendingBatch(e, depth + 1)));
}
