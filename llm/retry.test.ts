import { describe, expect, it, vi } from 'vitest';
import { CallTimeoutError } from './errors/call-timeout-error.js';
import { RetryError } from './errors/retry-error.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, isRetryableError, policyDelay, resolveRetryPolicy, retryAfterMs, retryWithBackoff } from './retry.js';

const httpError = (status: number, headers: Record<string, string> = {}) => Object.assign(new Error(`HTTP ${status}`), { status, headers: new Headers(headers) });
const noSleep = async () => {};

describe('retryWithBackoff', () => {
  it('returns the first success and passes the attempt number', async () => {
    const fn = vi.fn(async (attempt: number) => {
      if (attempt < 2) throw httpError(500);
      return `ok@${attempt}`;
    });
    const waits: number[] = [];
    const result = await retryWithBackoff(fn, { shouldRetry: isRetryableError, delayMs: (a) => a * 10, maxRetries: 3, sleep: async (ms) => void waits.push(ms) });
    expect(result).toBe('ok@2');
    expect(fn).toHaveBeenCalledTimes(3);
    expect(waits).toEqual([10, 20]);
  });

  it('gives up after maxRetries with a RetryError that keeps every error', async () => {
    const errs = [httpError(503), httpError(502), httpError(500)];
    let i = 0;
    const p = retryWithBackoff(async () => { throw errs[i++]; }, { shouldRetry: isRetryableError, delayMs: () => 0, maxRetries: 2, sleep: noSleep });
    const e = await p.catch((x) => x);
    expect(RetryError.isInstance(e)).toBe(true);
    expect(e.reason).toBe('maxRetriesExceeded');
    expect(e.errors).toEqual(errs);
    expect(e.lastError).toBe(errs[2]);
    expect(e.message).toMatch(/3 attempts.*HTTP 500/);
  });

  it('rethrows a first-try non-retryable error unwrapped', async () => {
    const err = httpError(400);
    await expect(retryWithBackoff(async () => { throw err; }, { shouldRetry: isRetryableError, delayMs: () => 0, maxRetries: 3, sleep: noSleep })).rejects.toBe(err);
  });

  it('wraps a later non-retryable error as errorNotRetryable', async () => {
    let i = 0;
    const e = await retryWithBackoff(async () => { throw i++ === 0 ? httpError(429) : httpError(401); }, { shouldRetry: isRetryableError, delayMs: () => 0, maxRetries: 3, sleep: noSleep }).catch((x) => x);
    expect(e.reason).toBe('errorNotRetryable');
    expect(e.errors.map((x: { status: number }) => x.status)).toEqual([429, 401]);
  });

  it('rethrows an abort unwrapped and does not retry it', async () => {
    const fn = vi.fn(async () => { throw Object.assign(new Error('aborted'), { name: 'AbortError' }); });
    await expect(retryWithBackoff(fn, { shouldRetry: () => true, delayMs: () => 0, maxRetries: 3, sleep: noSleep })).rejects.toMatchObject({ name: 'AbortError' });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('stops waiting when the signal aborts during backoff', async () => {
    const ac = new AbortController();
    const reason = new Error('caller gave up');
    const p = retryWithBackoff(async () => { throw httpError(500); }, { shouldRetry: isRetryableError, delayMs: () => 10_000, maxRetries: 3, signal: ac.signal });
    setTimeout(() => ac.abort(reason), 20);
    const t0 = Date.now();
    await expect(p).rejects.toBe(reason);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('uses a custom retry error factory', async () => {
    class Custom extends Error {}
    const e = await retryWithBackoff(async () => { throw httpError(500); }, { shouldRetry: () => true, delayMs: () => 0, maxRetries: 1, sleep: noSleep, createRetryError: (reason, errors) => new Custom(`${reason}:${errors.length}`) }).catch((x) => x);
    expect(e).toBeInstanceOf(Custom);
    expect(e.message).toBe('maxRetriesExceeded:2');
  });

  it('rejects a bad maxRetries', async () => {
    await expect(retryWithBackoff(async () => 1, { shouldRetry: () => true, delayMs: () => 0, maxRetries: -1 })).rejects.toThrow(/maxRetries/);
  });
});

describe('isRetryableError', () => {
  it('retries 429, 5xx, 408, timeouts and dropped connections', () => {
    for (const s of [408, 429, 500, 502, 503, 504]) expect(isRetryableError(httpError(s))).toBe(true);
    expect(isRetryableError(new CallTimeoutError(100))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
  });
  it('never retries other 4xx, aborts or plain errors', () => {
    for (const s of [400, 401, 403, 404, 409, 422]) expect(isRetryableError(httpError(s))).toBe(false);
    expect(isRetryableError(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(false);
    expect(isRetryableError(new TypeError('bug'))).toBe(false);
  });
});

describe('retryAfterMs', () => {
  it('reads retry-after-ms first, then Retry-After seconds', () => {
    expect(retryAfterMs(httpError(429, { 'retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    expect(retryAfterMs(httpError(429, { 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(httpError(429, { 'retry-after': '0.5' }))).toBe(500);
  });
  it('reads Retry-After as an HTTP date relative to now', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs(httpError(429, { 'retry-after': 'Wed, 01 Jan 2025 00:00:07 GMT' }), now)).toBe(7000);
    expect(retryAfterMs(httpError(429, { 'retry-after': 'Tue, 31 Dec 2024 00:00:00 GMT' }), now)).toBe(0);
  });
  it('is undefined without a usable header', () => {
    expect(retryAfterMs(httpError(429))).toBeUndefined();
    expect(retryAfterMs(httpError(429, { 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(new Error('no headers'))).toBeUndefined();
    expect(retryAfterMs({ headers: { 'retry-after': '3' } })).toBe(3000);
  });
});

describe('policyDelay', () => {
  const policy = resolveRetryPolicy({ initialDelayMs: 100, backoffFactor: 2, maxDelayMs: 1000, jitter: 0.5, maxRetryAfterMs: 5000 });
  it('grows exponentially within the jitter band and caps at maxDelayMs', () => {
    expect(backoffDelayMs(1, policy, () => 0.5)).toBe(100);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(400);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(200);
    expect(backoffDelayMs(3, policy, () => 1)).toBe(600);
    expect(backoffDelayMs(10, policy, () => 0.5)).toBe(1000);
  });
  it('honours the server Retry-After over backoff, clamped to maxRetryAfterMs', () => {
    const delay = policyDelay(policy, () => 0.5);
    expect(delay(1, httpError(429, { 'retry-after': '2' }))).toBe(2000);
    expect(delay(1, httpError(429, { 'retry-after': '60' }))).toBe(5000);
    expect(delay(2, httpError(500))).toBe(200);
  });
});

describe('resolveRetryPolicy', () => {
  it('fills named defaults and rejects bad values by name', () => {
    expect(resolveRetryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy({ maxRetries: 1 }).maxRetries).toBe(1);
    expect(() => resolveRetryPolicy({ initialDelayMs: -1 })).toThrow(/initialDelayMs/);
    expect(() => resolveRetryPolicy({ maxRetries: 1.5 })).toThrow(/maxRetries/);
    expect(() => resolveRetryPolicy({ jitter: 2 })).toThrow(/jitter/);
  });
});
