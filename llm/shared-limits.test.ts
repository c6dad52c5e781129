import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectRedis, RedisUnavailableError } from '../base/redis.js';
import { loadConfig } from '../config/config.js';
import { themesSchema } from '../phases/themes/schema.js';
import { localAllowance, ProviderLimiter, type RateAllowance } from './limits.js';
import { createModelRegistry } from './model-registry.js';
import { openSharedRateLimits, redisRateAllowance } from './shared-limits.js';
import { startScriptedServer, type ScriptedServer } from './simulator/scripted-server.js';

const REDIS_URL = process.env.REDIS_URL;
const logger = pino({ level: 'silent' });

/** Wraps an allowance to keep the allowance-clock time of every grant. */
function recording(allowance: RateAllowance, grants: number[]): RateAllowance {
  return {
    take: async (tokens) => {
      const r = await allowance.take(tokens);
      if (r.granted) grants.push(r.at);
      return r;
    },
    adjust: (change) => allowance.adjust(change),
  };
}

const gaps = (times: number[]) => [...times].sort((a, b) => a - b).flatMap((t, i, s) => (i ? [t - s[i - 1]] : []));

describe('shared rate limits without a server', () => {
  it('are off for limiterStore "process"', async () => {
    expect(await openSharedRateLimits(loadConfig({ env: {}, cwd: '/nonexistent' }))).toBeUndefined();
  });

  it('fail fast naming the URL when the Redis is not there', async () => {
    const cfg = loadConfig({ env: { HUBGEN_LIMITER_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:1' }, cwd: '/nonexistent' });
    const err = await openSharedRateLimits(cfg).catch((e: unknown) => e);
    expect(RedisUnavailableError.isInstance(err)).toBe(true);
    expect((err as Error).message).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1 \(for shared rate limits\)/);
  });

  it('must be passed to the registry when the config asks for them, instead of pacing per process', () => {
    const cfg = loadConfig({ env: { HUBGEN_LIMITER_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:1' }, cwd: '/nonexistent' });
    expect(() => createModelRegistry(cfg, { env: {}, logger })).toThrow(/limiterStore\.kind is "redis" but no shared rate limits were given/);
  });
});

describe.skipIf(!REDIS_URL)(REDIS_URL ? `shared rate limits on redis at ${REDIS_URL}` : 'shared rate limits on redis (skipped: REDIS_URL not set; .ci/run starts redis-server)', () => {
  const run = `hubgen-test-${randomUUID().slice(0, 8)}:`;
  const connections: Redis[] = [];
  const connect = async () => {
    const r = await connectRedis(REDIS_URL!, { purpose: 'tests' });
    connections.push(r);
    return r;
  };
  const prefix = () => `${run}${randomUUID().slice(0, 8)}:`;
  afterAll(async () => {
    const [first] = connections;
    if (first) {
      const keys: string[] = [];
      for await (const batch of first.scanStream({ match: `${run}*`, count: 1000 })) keys.push(...(batch as string[]));
      if (keys.length) await first.del(...keys);
    }
    await Promise.all(connections.map((c) => c.quit()));
  });

  it('two limiters, each on its own connection, together never take more than one request per interval', async () => {
    // 600/min with a 100 ms burst: one request per 100 ms for both together.
    const p = prefix();
    const grants: number[] = [];
    const limiters = await Promise.all(
      [0, 1].map(async () => new ProviderLimiter({ concurrency: 4 }, { allowance: recording(redisRateAllowance(await connect(), { provider: 'openai', limits: { requestsPerMinute: 600 }, burstMs: 100, prefix: p }), grants) })),
    );
    await Promise.all(limiters.flatMap((l) => Array.from({ length: 5 }, () => l.schedule(0, async () => undefined))));
    expect(grants).toHaveLength(10);
    // Redis-clock grant times: exact, whatever the test machine's scheduling did to the replies.
    for (const g of gaps(grants)) expect(g).toBeGreaterThanOrEqual(99.9);

    // The same two limiters each with its own (process-local) allowance overshoot: this is what the shared one prevents.
    const local: number[] = [];
    const apart = [0, 1].map(() => new ProviderLimiter({ concurrency: 4 }, { allowance: recording(localAllowance({ requestsPerMinute: 600 }, { burstMs: 100, now: () => Date.now() }), local) }));
    await Promise.all(apart.flatMap((l) => Array.from({ length: 3 }, () => l.schedule(0, async () => undefined))));
    expect(Math.min(...gaps(local))).toBeLessThan(50);
  });

  it('charges a call that used more tokens than reserved to every process', async () => {
    // 60k tokens/min = 1 token/ms, burst 1000 tokens.
    const p = prefix();
    const make = async () => redisRateAllowance(await connect(), { provider: 'openai', limits: { tokensPerMinute: 60_000 }, prefix: p });
    const grants: number[] = [];
    const a = new ProviderLimiter({ concurrency: 4 }, { allowance: recording(await make(), grants) });
    const b = new ProviderLimiter({ concurrency: 4 }, { allowance: recording(await make(), grants) });
    await a.schedule(800, async () => 1000, { actualTokens: (used) => used }); // reserved 800 of 1000, used 1000: empty
    await b.schedule(300, async () => undefined); // waits ~300 ms for the refill
    const [ta, tb] = grants;
    expect(tb - ta).toBeGreaterThanOrEqual(290);
    expect(tb - ta).toBeLessThan(1500);
  });

  it('lets idle buckets expire once they would be full again', async () => {
    const p = prefix();
    const redis = await connect();
    await redisRateAllowance(redis, { provider: 'openai', limits: { requestsPerMinute: 600, tokensPerMinute: 60_000 }, prefix: p }).take(500);
    const ttl = await redis.pttl(`${p}rate:{openai}:tokens`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(500 + 1000);
  });

  it('two OS processes together never take more than one request per interval', async () => {
    const p = prefix();
    const spawnWorker = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'testing/rate-limit-worker.ts', REDIS_URL!, p, '6', '600', '100'], { stdio: ['pipe', 'pipe', 'inherit'] });
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const next = async () => ((await lines.next()).value as string | undefined) ?? '';
      return { child, next };
    };
    const workers = [spawnWorker(), spawnWorker()];
    try {
      expect(await Promise.all(workers.map((w) => w.next()))).toEqual(['ready', 'ready']);
      for (const w of workers) w.child.stdin!.write('go\n');
      const grants = (await Promise.all(workers.map(async (w) => JSON.parse(await w.next()) as number[]))).flat();
      expect(grants).toHaveLength(12);
      for (const g of gaps(grants)) expect(g).toBeGreaterThanOrEqual(99.9);
    } finally {
      for (const w of workers) w.child.kill();
    }
  });

  describe('through the model registry', () => {
    let server: ScriptedServer;
    beforeAll(async () => {
      server = await startScriptedServer();
    });
    afterAll(() => server.close());
    beforeEach(() => server.reset());

    it('two registries (two workers) share the provider requests-per-minute', async () => {
      // 600/min with the default one-second burst: 10 at once, then one per 100 ms, for both together.
      const cfg = loadConfig({
        env: { HUBGEN_LIMITER_STORE: 'redis', REDIS_URL },
        cwd: '/nonexistent',
        overrides: { limiterStore: { prefix: prefix() }, providers: { openai: { baseURL: server.baseURL, limits: { concurrency: 20, requestsPerMinute: 600, maxRetries: 0 } } } },
      });
      const limits = await Promise.all([openSharedRateLimits(cfg), openSharedRateLimits(cfg)]);
      try {
        const registries = limits.map((rateLimits) => createModelRegistry(cfg, { env: {}, logger, rateLimits }));
        const arrivals: number[] = [];
        server.setResponder(() => (arrivals.push(performance.now()), { simulate: true }));
        const ask = (r: (typeof registries)[number]) => r.generateStructured({ role: 'cheap', schema: themesSchema, schemaName: 'hubgen.themes.v1', messages: [{ role: 'user', content: 'pasta night' }] });
        await Promise.all(registries.flatMap((r) => Array.from({ length: 8 }, () => ask(r))));
        arrivals.sort((a, b) => a - b);
        // 16 calls against a shared burst of 10: the last six wait ~100 ms each. Per-process
        // limits would have let all 16 through at once.
        expect(arrivals).toHaveLength(16);
        expect(arrivals[15] - arrivals[0]).toBeGreaterThanOrEqual(450);
      } finally {
        await Promise.all(limits.map((l) => l?.close()));
      }
    });
  });
});
