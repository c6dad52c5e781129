import { describe, expect, it } from 'vitest';
import { ProviderLimiter } from './limits.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ProviderLimiter', () => {
  it('never runs more than `concurrency` calls at once', async () => {
    const limiter = new ProviderLimiter({ concurrency: 3 });
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        limiter.schedule(0, async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(10);
          running--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(limiter.active).toBe(0);
  });

  it('frees the slot when the call throws', async () => {
    const limiter = new ProviderLimiter({ concurrency: 1 });
    await expect(limiter.schedule(0, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(limiter.schedule(0, async () => 'next')).resolves.toBe('next');
  });

  it('spaces requests at the requests-per-minute rate after the one-second burst', async () => {
    // 600/min = 10/s; burst 100 ms = 1 request, then one every 100 ms.
    const limiter = new ProviderLimiter({ concurrency: 100, requestsPerMinute: 600 }, { burstMs: 100 });
    const t0 = performance.now();
    const starts = await Promise.all(Array.from({ length: 5 }, () => limiter.schedule(0, async () => performance.now() - t0)));
    starts.sort((a, b) => a - b);
    expect(starts[0]).toBeLessThan(50);
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(90);
    expect(starts[4]).toBeGreaterThanOrEqual(390);
  });

  it('paces by estimated tokens per minute and charges the real count on release', async () => {
    let now = 0;
    // 60k tokens/min = 1 token/ms, burst 1000 tokens.
    const limiter = new ProviderLimiter({ concurrency: 10, tokensPerMinute: 60_000 }, { now: () => now });
    const first = await limiter.acquire(800);
    first.release(1000); // used 200 more than reserved: the bucket is now empty
    let granted = false;
    const second = limiter.acquire(300).then((p) => {
      granted = true;
      return p;
    });
    await sleep(5);
    expect(granted).toBe(false);
    now = 300; // refilled to 300
    await sleep(400);
    expect(granted).toBe(true);
    (await second).release();
  });

  it('lets an estimate above the burst through once the bucket is full', async () => {
    const limiter = new ProviderLimiter({ concurrency: 1, tokensPerMinute: 6000 }, { burstMs: 1000 });
    const p = await limiter.acquire(50_000);
    p.release();
  });

  it('drops a queued call whose signal aborts, with the abort reason', async () => {
    const limiter = new ProviderLimiter({ concurrency: 1 });
    const held = await limiter.acquire(0);
    const ac = new AbortController();
    const queued = limiter.acquire(0, ac.signal);
    expect(limiter.pending).toBe(1);
    const reason = new Error('stop');
    ac.abort(reason);
    await expect(queued).rejects.toBe(reason);
    expect(limiter.pending).toBe(0);
    held.release();
    held.release(); // idempotent
    expect(limiter.active).toBe(0);
  });

  it('rejects nonsense limits', () => {
    expect(() => new ProviderLimiter({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => new ProviderLimiter({ concurrency: 1, requestsPerMinute: 0 })).toThrow(/requestsPerMinute/);
  });
});
