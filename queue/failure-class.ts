import { RedisUnavailableError } from '../base/redis.js';
import { isRetryableError, retryAfterMs } from '../llm/retry.js';

/**
 * Why a user failed, as far as trying again goes. `transient`: the provider or a store was
 * unavailable (429, 5xx, timeouts, dropped connections) and a later try may well succeed.
 * `deterministic`: the same input fails the same way (an unknown user, a schema the model cannot
 * meet, a bug), so retrying would only pay again.
 */
export type FailureClass = 'transient' | 'deterministic';

// ioredis's own errors when a connection drops mid-command.
const REDIS_TRANSIENT = /Connection is closed|MaxRetriesPerRequest|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|READONLY|LOADING/;

/** Every error `error` wraps: causes, and the attempts kept by RetryError and CascadeError. */
function* causes(error: unknown, depth = 0): Generator<unknown> {
  if (depth > 10 || error === undefined || error === null) return;
  yield error;
  if (typeof error !== 'object') return;
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  if (Array.isArray(errors)) for (const e of errors) yield* causes(e, depth + 1);
  if (cause !== undefined) yield* causes(cause, depth + 1);
}

function isTransientOne(e: unknown): boolean {
  if (isRetryableError(e) || RedisUnavailableError.isInstance(e)) return true;
  const name = (e as { name?: string } | null)?.name ?? '';
  const message = (e as { message?: string } | null)?.message ?? '';
  return name === 'MaxRetriesPerRequestError' || REDIS_TRANSIENT.test(message);
}

/** Transient when anything in the failure is: a cascade whose last tier got a 503 may well work next time. */
export function failureClass(error: unknown): FailureClass {
  for (const e of causes(error)) if (isTransientOne(e)) return 'transient';
  return 'deterministic';
}

/** The longest wait a provider asked for anywhere in the failure (Retry-After), if one did. */
export function askedWaitMs(error: unknown): number | undefined {
  let most: number | undefined;
  for (const e of causes(error)) {
    const ms = retryAfterMs(e);
    if (ms !== undefined) most = Math.max(most ?? 0, ms);
  }
  return most;
}

/** BullMQ backoff for a transient failure: the provider's Retry-After, else base × 2^(try−1) with ±25% jitter, at most 10 minutes. */
export function transientBackoffMs(attemptsMade: number, error: unknown, baseMs: number, random: () => number = Math.random): number {
  const asked = askedWaitMs(error);
  const exp = Math.min(600_000, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = Math.round(exp * (0.75 + 0.5 * random()));
  return Math.min(600_000, Math.max(asked ?? 0, jittered));
}
