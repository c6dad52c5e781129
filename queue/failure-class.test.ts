import { describe, expect, it } from 'vitest';
import { RedisUnavailableError } from '../base/redis.js';
import { CascadeError } from '../kit/cascade.js';
import { RetryError } from '../llm/errors/retry-error.js';
import { StructuredOutputError } from '../llm/errors/structured-output-error.js';
import { ZERO_USAGE } from '../llm/usage.js';
import { askedWaitMs, failureClass, transientBackoffMs } from './failure-class.js';

const http = (status: number, headers: Record<string, string> = {}) => Object.assign(new Error(`HTTP ${status}`), { status, headers });
const refusal = new StructuredOutputError({ stage: 'refusal', model: 'm', detail: 'no', text: 'no', finishReason: 'stop', usage: ZERO_USAGE, attempts: [] });
const cascade = (...errors: unknown[]) => new CascadeError('themes', [], errors);

describe('failureClass', () => {
  it('transient: provider 429/5xx/timeouts after the client retried, and Redis that went away', () => {
    expect(failureClass(cascade(new RetryError('maxRetriesExceeded', [http(503), http(503)])))).toBe('transient');
    expect(failureClass(cascade(refusal, http(429)))).toBe('transient'); // the last tier may well answer next time
    expect(failureClass(new RedisUnavailableError('redis://x:1', 'the artefact store', 'ECONNREFUSED'))).toBe('transient');
    expect(failureClass(new Error('Connection is closed.'))).toBe('transient');
    expect(failureClass(new Error('wrapped', { cause: Object.assign(new Error('socket'), { code: 'ECONNRESET' }) }))).toBe('transient');
  });

  it('deterministic: the same input fails the same way', () => {
    expect(failureClass(cascade(refusal))).toBe('deterministic');
    expect(failureClass(http(400))).toBe('deterministic');
    expect(failureClass(new Error('User 42 not found in the dataset'))).toBe('deterministic');
    expect(failureClass(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe('deterministic');
  });
});

describe('transientBackoffMs', () => {
  it('doubles from the base with ±25% jitter, capped at ten minutes', () => {
    expect(transientBackoffMs(1, new Error('x'), 1000, () => 0.5)).toBe(1000);
    expect(transientBackoffMs(3, new Error('x'), 1000, () => 0.5)).toBe(4000);
    expect(transientBackoffMs(3, new Error('x'), 1000, () => 0)).toBe(3000);
    expect(transientBackoffMs(30, new Error('x'), 1000, () => 1)).toBe(600_000);
  });

  it("waits at least as long as a provider's Retry-After anywhere in the failure", () => {
    const err = cascade(new RetryError('maxRetriesExceeded', [http(429, { 'retry-after': '20' })]));
    expect(askedWaitMs(err)).toBe(20_000);
    expect(transientBackoffMs(1, err, 1000, () => 0.5)).toBe(20_000);
  });
});
