import { describe, expect, it } from 'vitest';
import { localAllowance, ProviderLimiter, type RateAllowance } from './limits.js';

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

describe('ProviderLimiter with a given allowance', () => {
  it('lets two limiters sharing one allowance hold its requests-per-minute together', async () => {
    // 600/min with a 100 ms burst: one request per 100 ms, whichever limiter asks.
    const shared = localAllowance({ requestsPerMinute: 600 }, { burstMs: 100 });
    const limiters = [new ProviderLimiter({ concurrency: 10 }, { allowance: shared }), new ProviderLimiter({ concurrency: 10 }, { allowance: shared })];
    const t0 = performance.now();
    const starts = (await Promise.all(limiters.flatMap((l) => [1, 2, 3].map(() => l.schedule(0, async () => performance.now() - t0))))).sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(90);
    // Each with its own allowance, both start at once: what per-process limits do across workers.
    const apart = [new ProviderLimiter({ concurrency: 10, requestsPerMinute: 600 }, { burstMs: 100 }), new ProviderLimiter({ concurrency: 10, requestsPerMinute: 600 }, { burstMs: 100 })];
    const t1 = performance.now();
    const firsts = await Promise.all(apart.map((l) => l.schedule(0, async () => performance.now() - t1)));
    expect(Math.abs(firsts[0] - firsts[1])).toBeLessThan(50);
  });

  it('gives the grant back when the call is aborted while its take is in flight', async () => {
    const adjusted: unknown[] = [];
    const slow: RateAllowance = {
      take: async () => (await sleep(40), { granted: true, at: 0 }),
      adjust: async (change) => void adjusted.push(change),
    };
    const limiter = new ProviderLimiter({ concurrency: 1 }, { allowance: slow });
    const ac = new AbortController();
    const p = limiter.acquire(250, ac.signal);
    await sleep(10);
    ac.abort(new Error('gone'));
    await expect(p).rejects.toThrow('gone');
    await sleep(60);
    expect(adjusted).toEqual([{ requests: -1, tokens: -250 }]);
    expect(limiter.active).toBe(0);
  });

  it('charges the difference between real and reserved tokens to the allowance', async () => {
    const adjusted: unknown[] = [];
    const limiter = new ProviderLimiter({ concurrency: 1 }, { allowance: { take: async () => ({ granted: true, at: 0 }), adjust: async (c) => void adjusted.push(c) } });
    await limiter.schedule(500, async () => ({ used: 620 }), { actualTokens: (r) => r.used });
    await limiter.schedule(500, async () => ({ used: 500 }), { actualTokens: (r) => r.used });
    expect(adjusted).toEqual([{ tokens: 120 }]);
  });

  it('fails the waiting call when the allowance cannot be asked, and serves the next one', async () => {
    let calls = 0;
    const flaky: RateAllowance = {
      take: async () => {
        if (calls++ === 0) throw new Error('redis down');
        return { granted: true, at: 0 };
      },
      adjust: async () => {},
    };
    const limiter = new ProviderLimiter({ concurrency: 1 }, { allowance: flaky });
    const first = limiter.schedule(0, async () => 'never');
    const second = limiter.schedule(0, async () => 'ok');
    await expect(first).rejects.toThrow('redis down');
    await expect(second).resolves.toBe('ok');
  });
});
