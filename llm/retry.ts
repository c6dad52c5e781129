import { CallTimeoutError } from './errors/call-timeout-error.js';
import { RetryError, type RetryErrorReason } from './errors/retry-error.js';

/** How hard to retry a failing model call. Data, so config and tests can tune it. */
export interface RetryPolicy {
  /** Retries after the first try. @default 3 (overridden by /providers/<name>/limits/maxRetries) */
  readonly maxRetries: number;
  /** Delay before the first retry. @default 500 */
  readonly initialDelayMs: number;
  /** Each further retry waits this many times longer. @default 2 */
  readonly backoffFactor: number;
  /** Ceiling for the exponential delay. @default 20000 */
  readonly maxDelayMs: number;
  /** Fraction of the delay randomised either way, so parallel callers do not retry in lockstep. @default 0.25 */
  readonly jitter: number;
  /** Longest Retry-After we honour; a longer one is clamped to this. @default 60000 */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  initialDelayMs: 500,
  backoffFactor: 2,
  maxDelayMs: 20_000,
  jitter: 0.25,
  maxRetryAfterMs: 60_000,
};

export interface RetryOptions {
  /** Whether this error is worth another try (aborts never are: they are rethrown unwrapped). */
  readonly shouldRetry: (error: unknown, attempt: number) => boolean;
  /** Wait before retry number `attempt` (1-based). */
  readonly delayMs: (attempt: number, error: unknown) => number;
  readonly maxRetries: number;
  readonly createRetryError?: (reason: RetryErrorReason, errors: readonly unknown[]) => Error;
  readonly signal?: AbortSignal;
  /** Called before each wait; for logs and attempt records. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Test seam. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `fn` until it succeeds, the error is not retryable, or retries run out. A first-try
 * non-retryable error is rethrown as is; otherwise a RetryError keeps every error in order.
 */
export async function retryWithBackoff<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { shouldRetry, delayMs, maxRetries, signal, onRetry, sleep = abortableSleep } = options;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new TypeError(`maxRetries must be a non-negative integer, got ${maxRetries}`);
  const createRetryError = options.createRetryError ?? ((reason, errors) => new RetryError(reason, errors));
  const errors: unknown[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (isAbortError(error) || signal?.aborted) throw signal?.aborted ? (signal.reason ?? error) : error;
      errors.push(error);
      if (!shouldRetry(error, attempt)) {
        if (errors.length === 1) throw error;
        throw createRetryError('errorNotRetryable', errors);
      }
      if (attempt >= maxRetries) throw createRetryError('maxRetriesExceeded', errors);
      const wait = Math.max(0, delayMs(attempt + 1, error));
      onRetry?.(error, attempt + 1, wait);
      await sleep(wait, signal);
    }
  }
}

/** HTTP status of an OpenAI SDK / LangChain error, if it carries one. */
export function errorStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

export function isAbortError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || (error as { constructor?: { name?: string } } | null)?.constructor?.name === 'APIUserAbortError';
}

const CONNECTION_ERRORS = new Set(['APIConnectionError', 'APIConnectionTimeoutError', 'TimeoutError', 'FetchError']);

/** Retry rate limits (429), server errors (5xx), 408, timeouts and dropped connections; never aborts or other 4xx. */
export function isRetryableError(error: unknown): boolean {
  if (isAbortError(error)) return false;
  if (CallTimeoutError.isInstance(error)) return true;
  const status = errorStatus(error);
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  const e = error as { name?: string; constructor?: { name?: string }; code?: string } | null;
  return CONNECTION_ERRORS.has(e?.constructor?.name ?? '') || CONNECTION_ERRORS.has(e?.name ?? '') || ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(e?.code ?? '');
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const v = (headers as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/** The wait a server asked for: retry-after-ms, or Retry-After in seconds or as an HTTP date. */
export function retryAfterMs(error: unknown, now: number = Date.now()): number | undefined {
  const headers = (error as { headers?: unknown } | null)?.headers;
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = header(headers, 'retry-after');
  if (ra === undefined || ra.trim() === '') return undefined;
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra) * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential delay with jitter for retry number `attempt` (1-based). */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.backoffFactor ** (attempt - 1));
  return Math.round(base * (1 + policy.jitter * (2 * random() - 1)));
}

/** The delay function of a policy: the server's Retry-After when it sent one (clamped), else backoff. */
export function policyDelay(policy: RetryPolicy, random: () => number = Math.random, now: () => number = Date.now): (attempt: number, error: unknown) => number {
  return (attempt, error) => {
    const asked = retryAfterMs(error, now());
    return asked !== undefined ? Math.min(asked, policy.maxRetryAfterMs) : backoffDelayMs(attempt, policy, random);
  };
}

/** Checks a policy once, where it is built, so a bad value fails with its name. */
export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  for (const [key, value] of Object.entries(policy)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`retry policy ${key} must be a finite number >= 0, got ${String(value)}`);
  }
  if (!Number.isInteger(policy.maxRetries)) throw new TypeError(`retry policy maxRetries must be an integer, got ${policy.maxRetries}`);
  if (policy.jitter > 1) throw new TypeError(`retry policy jitter must be <= 1, got ${policy.jitter}`);
  return policy;
}
