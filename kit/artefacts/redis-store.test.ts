import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { runArtefactStoreContract } from '../../testing/artefact-store-contract.js';
import { systemClock } from '../../base/clock.js';
import { RedisUnavailableError } from '../../base/redis.js';
import { ZERO_USAGE } from '../../llm/usage.js';
import { loadConfig } from '../../config/config.js';
import { artefactHash, makeArtefact, type ArtefactKey } from './artefact.js';
import { cachedArtefact } from './cache.js';
import { createArtefactStore } from './create-store.js';
import { FsArtefactStore } from './fs-store.js';
import { openRedisArtefactStore, RedisArtefactStore } from './redis-store.js';

const REDIS_URL = process.env.REDIS_URL;
const logger = pino({ level: 'silent' });
const provenance = { attempts: [], usage: ZERO_USAGE, latencyMs: 1, role: 'local', model: 'm', confidence: 1 };
const keyFor = (n: number): ArtefactKey => ({ phase: 'themes', phaseVersion: '1', config: {}, models: {}, promptVersion: 'v', inputs: [`user-${n}`] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('redis store without a server', () => {
  it('fails fast with one error naming the URL, the purpose and the fix', async () => {
    const t0 = performance.now();
    const err = await openRedisArtefactStore('redis://127.0.0.1:1').catch((e: unknown) => e);
    expect(RedisUnavailableError.isInstance(err)).toBe(true);
    expect((err as Error).message).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1 \(for the artefact store\) is not usable: .*REDIS_URL/);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('rejects a URL that is not a redis URL', async () => {
    await expect(openRedisArtefactStore('localhost:6379')).rejects.toThrow(/scheme is localhost: \(expected redis: or rediss:\)/);
    await expect(openRedisArtefactStore('not a url')).rejects.toThrow(/the URL is not valid/);
  });

  it('createArtefactStore gives the filesystem store under <workDir>/artefacts by default', async () => {
    const store = await createArtefactStore(loadConfig({ env: {}, cwd: '/nonexistent', overrides: { workDir: '/tmp/hubgen-w' } }));
    expect(store).toBeInstanceOf(FsArtefactStore);
    expect((store as FsArtefactStore).dir).toBe('/tmp/hubgen-w/artefacts');
  });
});

describe.skipIf(!REDIS_URL)(REDIS_URL ? `redis store at ${REDIS_URL}` : 'redis store (skipped: REDIS_URL not set; .ci/run starts redis-server)', () => {
  // Every test gets its own key prefix, so tests never see each other's keys; all are removed at the end.
  const run = `hubgen-test-${randomUUID().slice(0, 8)}:`;
  const prefixes = () => `${run}${randomUUID().slice(0, 8)}:`;
  const opened: RedisArtefactStore[] = [];
  const open = async (prefix = prefixes(), claimLeaseMs?: number) => {
    const store = await openRedisArtefactStore(REDIS_URL!, { prefix, claimLeaseMs });
    opened.push(store);
    return store;
  };
  afterAll(async () => {
    const [first] = opened;
    if (first) {
      const keys: string[] = [];
      for await (const batch of first.redis.scanStream({ match: `${run}*`, count: 1000 })) keys.push(...(batch as string[]));
      if (keys.length) await first.redis.del(...keys);
    }
    await Promise.all(opened.map((s) => s.close()));
  });

  runArtefactStoreContract('redis', async () => {
    const store = await open();
    return { store, corrupt: async (hash, text) => void (await store.redis.set(store.keyOf(hash), text)) };
  });

  it('stores artefacts gzipped, reads uncompressed ones too, and reports a damaged gzip as corrupt', async () => {
    const store = await open();
    const plain = await open(store.prefix);
    const a = makeArtefact(keyFor(7), { text: 'greek yogurt '.repeat(200) }, provenance, 'x');
    await store.write(a);
    const raw = (await store.redis.getBuffer(store.keyOf(a.hash)))!;
    expect(raw.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(raw.length).toBeLessThan(JSON.stringify(a).length / 5);
    const b = makeArtefact(keyFor(8), 'plain', provenance, 'x');
    await new RedisArtefactStore(plain.redis, { prefix: store.prefix, compression: 'none' }).write(b);
    expect((await store.read(b.hash)).status).toBe('hit');
    await store.redis.set(store.keyOf(a.hash), raw.subarray(0, raw.length - 8));
    const r = await store.read(a.hash);
    expect(r.status).toBe('corrupt');
    if (r.status === 'corrupt') expect(r.problem).toMatch(/not valid gzip/);
  });

  it('createArtefactStore connects the store the config names', async () => {
    const store = await createArtefactStore(loadConfig({ env: { HUBGEN_ARTEFACT_STORE: 'redis', REDIS_URL }, cwd: '/nonexistent', overrides: { artefactStore: { prefix: prefixes() } } }));
    try {
      expect(store.kind).toBe('redis');
      const a = makeArtefact(keyFor(1), { ok: true }, provenance, 'x');
      await store.write(a);
      expect((await store.read(a.hash)).status).toBe('hit');
    } finally {
      await store.close?.();
    }
  });

  it('lists past one SCAN page, only under its own prefix, matching the prefix literally', async () => {
    const store = await open(`${run}glob*[x]?:`);
    const other = await open(`${run}glob-other:`);
    const written = new Set<string>();
    const pipeline = store.redis.pipeline();
    for (let n = 0; n < 2500; n++) {
      const a = makeArtefact(keyFor(n), n, provenance, 'x');
      written.add(a.hash);
      pipeline.set(store.keyOf(a.hash), JSON.stringify(a));
    }
    await pipeline.exec();
    await other.write(makeArtefact(keyFor(-1), 0, provenance, 'x'));
    await store.claim(artefactHash(keyFor(0))); // claims are not artefacts
    const listed: string[] = [];
    for await (const h of store.list()) listed.push(h);
    expect(listed).toHaveLength(2500);
    expect(new Set(listed)).toEqual(written);
  });

  describe('cachedArtefact across processes (one connection per worker)', () => {
    it('computes once when several workers ask for one artefact at once', async () => {
      const prefix = prefixes();
      const workers = await Promise.all([open(prefix), open(prefix), open(prefix)]);
      let calls = 0;
      const compute = async () => {
        calls++;
        await sleep(150);
        return { data: { page: 'p' }, provenance };
      };
      const results = await Promise.all(workers.flatMap((artefacts) => [1, 2].map(() => cachedArtefact({ artefacts, logger, clock: systemClock }, keyFor(1), compute, { pollMs: [10, 50] }))));
      expect(calls).toBe(1);
      // The computing worker's two requests share its one computation; the other four read it.
      expect(results.map((r) => r.cached).filter((c) => !c)).toHaveLength(2);
      expect(new Set(results.map((r) => r.artefact.checksum)).size).toBe(1);
      expect(await workers[0].redis.exists(workers[0].claimKeyOf(artefactHash(keyFor(1))))).toBe(0);
    });

    it("takes over when the holder crashed: its claim lapses after the lease and nothing waits forever", async () => {
      const prefix = prefixes();
      const crashed = await open(prefix, 400);
      const survivor = await open(prefix, 400);
      expect(await crashed.claim(artefactHash(keyFor(2)))).toBeDefined(); // claimed, then never renewed or released
      let calls = 0;
      const t0 = performance.now();
      const r = await cachedArtefact({ artefacts: survivor, logger, clock: systemClock }, keyFor(2), async () => (calls++, { data: 2, provenance }), { pollMs: [10, 50] });
      const waited = performance.now() - t0;
      expect([r.cached, calls]).toEqual([false, 1]);
      expect(waited).toBeGreaterThanOrEqual(300);
      expect(waited).toBeLessThan(3000);
    });

    it('releases the claim when the computation fails, stores nothing, and a waiting worker computes it', async () => {
      const prefix = prefixes();
      const [a, b] = await Promise.all([open(prefix), open(prefix)]);
      const failing = cachedArtefact({ artefacts: a, logger, clock: systemClock }, keyFor(3), async () => {
        await sleep(100);
        throw new Error('model down');
      });
      await sleep(20); // a holds the claim
      let bCalls = 0;
      const waiting = cachedArtefact({ artefacts: b, logger, clock: systemClock }, keyFor(3), async () => (bCalls++, { data: 3, provenance }), { pollMs: [10, 50] });
      await expect(failing).rejects.toThrow('model down');
      const r = await waiting;
      expect([r.cached, bCalls]).toEqual([false, 1]);
      expect(r.artefact.data).toBe(3);
    });

    it('renews the claim while a computation outlasts the lease, so no other worker starts it', async () => {
      const prefix = prefixes();
      // Renewed every ~133 ms; only a stall of over 260 ms on a loaded machine could let it lapse.
      const [a, b] = await Promise.all([open(prefix, 400), open(prefix, 400)]);
      let calls = 0;
      const slow = async () => {
        calls++;
        await sleep(1200);
        return { data: 'slow', provenance };
      };
      const first = cachedArtefact({ artefacts: a, logger, clock: systemClock }, keyFor(4), slow);
      await sleep(20);
      const second = cachedArtefact({ artefacts: b, logger, clock: systemClock }, keyFor(4), slow, { pollMs: [10, 50] });
      const [ra, rb] = await Promise.all([first, second]);
      expect(calls).toBe(1);
      expect([ra.cached, rb.cached]).toEqual([false, true]);
    });

    it('lets a holder whose lease lapsed neither renew nor release the claim another worker took since', async () => {
      const prefix = prefixes();
      const [a, b] = await Promise.all([open(prefix, 100), open(prefix, 5000)]);
      const hash = artefactHash(keyFor(5));
      const stale = (await a.claim(hash))!;
      await sleep(150);
      const fresh = await b.claim(hash);
      expect(fresh).toBeDefined();
      expect(await stale.renew()).toBe(false);
      await stale.release();
      expect(await b.claim(hash)).toBeUndefined(); // still b's
      expect(await fresh!.renew()).toBe(true);
      await fresh!.release();
      expect(await a.claim(hash)).toBeDefined();
    });
  });

  describe('cachedArtefact across OS processes', () => {
    /** A worker process; `next()` reads its next stdout line. */
    function worker(prefix: string, computeMs: number, leaseMs: number) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'testing/artefact-claim-worker.ts', REDIS_URL!, prefix, String(computeMs), String(leaseMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      return { child, next: async () => ((await lines.next()).value as string | undefined) ?? '', go: () => child.stdin!.write('go\n') };
    }
    const computations = async (prefix: string) => Number(await opened[0].redis.get(`${prefix}computations`));

    it('three processes asking for one artefact at once compute it once', async () => {
      const prefix = prefixes();
      await open(prefix);
      const workers = [worker(prefix, 300, 5000), worker(prefix, 300, 5000), worker(prefix, 300, 5000)];
      try {
        expect(await Promise.all(workers.map((w) => w.next()))).toEqual(['ready', 'ready', 'ready']);
        for (const w of workers) w.go();
        const results = await Promise.all(
          workers.map(async (w) => {
            let line = await w.next();
            if (line === 'computing') line = await w.next();
            return JSON.parse(line) as { cached: boolean; by: number };
          }),
        );
        expect(await computations(prefix)).toBe(1);
        expect(results.filter((r) => !r.cached)).toHaveLength(1);
        expect(new Set(results.map((r) => r.by)).size).toBe(1);
      } finally {
        for (const w of workers) w.child.kill();
      }
    });

    it('a process killed with SIGKILL while computing: another takes over once its lease lapses', async () => {
      const prefix = prefixes();
      await open(prefix);
      const doomed = worker(prefix, 60_000, 600);
      const survivor = worker(prefix, 50, 600);
      try {
        expect([await doomed.next(), await survivor.next()]).toEqual(['ready', 'ready']);
        doomed.go();
        expect(await doomed.next()).toBe('computing'); // holds the claim now
        survivor.go();
        await sleep(100); // the survivor is waiting on the claim
        doomed.child.kill('SIGKILL');
        const t0 = performance.now();
        let line = await survivor.next();
        expect(line).toBe('computing');
        line = await survivor.next();
        expect(JSON.parse(line)).toEqual({ cached: false, by: survivor.child.pid });
        expect(performance.now() - t0).toBeLessThan(5000);
        expect(await computations(prefix)).toBe(2); // the killed one's, then the survivor's
      } finally {
        doomed.child.kill('SIGKILL');
        survivor.child.kill();
      }
    });
  });
});
