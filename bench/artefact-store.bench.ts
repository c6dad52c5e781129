/**
 * Artefact store benchmark: filesystem vs Redis (vs PostgreSQL when one is reachable), side by side
 * in one run, on 1,000 artefacts shaped like a run's (a quarter each of themes, keywords, filter and
 * page artefacts, 2-40 KB of JSON). Per store and round:
 *  1. write all, one at a time  → p50/p95 latency per write;
 *  2. read all (verified), one at a time → p50/p95 latency per read;
 *  3. write+read all with 16 in flight → artefacts/s, what a worker pool sees;
 *  4. Redis only: a claim to compute (SET NX PX) and its release.
 * Rounds alternate the stores' order so none gets a warmer machine; the median of 3 rounds is kept.
 * Needs REDIS_URL; PostgreSQL is included when HUBGEN_BENCH_PG_URL is set (a throwaway table
 * hubgen_bench_artefacts is created and dropped). Writes bench/results/artefact-store.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { percentile } from '../base/percentile.js';
import { seededRandom } from '../base/random.js';
import { integrityProblem, makeArtefact, type Artefact, type ArtefactKey } from '../kit/artefacts/artefact.js';
import { FsArtefactStore } from '../kit/artefacts/fs-store.js';
import { openRedisArtefactStore, RedisArtefactStore } from '../kit/artefacts/redis-store.js';
import type { ArtefactStore, ReadResult } from '../kit/artefacts/store.js';

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_ARTEFACTS ?? 1000);
const ROUNDS = 3;
const IN_FLIGHT = 16;
const REDIS_URL = process.env.REDIS_URL;
const PG_URL = process.env.HUBGEN_BENCH_PG_URL;

if (!REDIS_URL) {
  console.error('artefact-store bench needs REDIS_URL (e.g. redis-server --port 6390 --save "" --daemonize yes; REDIS_URL=redis://127.0.0.1:6390)');
  process.exit(2);
}

/** PostgreSQL the way a store would use it: one row per artefact, upsert on write, verified on read. */
class PgBenchStore implements ArtefactStore {
  readonly kind = 'postgres';
  constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
  ) {}
  async read<T>(hash: string): Promise<ReadResult<T>> {
    const r = await this.pool.query<{ body: string }>(`SELECT body FROM ${this.table} WHERE hash = $1`, [hash]);
    if (r.rowCount === 0) return { status: 'miss' };
    const artefact = JSON.parse(r.rows[0].body) as Artefact<T>;
    const problem = integrityProblem(artefact, hash);
    return problem ? { status: 'corrupt', problem } : { status: 'hit', artefact };
  }
  async write(a: Artefact): Promise<void> {
    await this.pool.query(`INSERT INTO ${this.table} (hash, body) VALUES ($1, $2) ON CONFLICT (hash) DO UPDATE SET body = EXCLUDED.body`, [a.hash, JSON.stringify(a)]);
  }
  async delete(hash: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.table} WHERE hash = $1`, [hash]);
  }
  async *list(): AsyncGenerator<string> {
    for (const row of (await this.pool.query<{ hash: string }>(`SELECT hash FROM ${this.table}`)).rows) yield row.hash;
  }
}

/** Artefacts shaped like a run's four phases, with deterministic grocery-ish text. */
function artefacts(round: number): Artefact[] {
  const rnd = seededRandom(1234 + round);
  const words = ['organic', 'greek', 'yogurt', 'pasta', 'sauce', 'basil', 'sourdough', 'banana', 'oat', 'milk', 'salsa', 'tortilla', 'spinach', 'cheddar', 'granola', 'almond', 'coffee', 'broth', 'rice', 'beans'];
  const text = (n: number) => Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(' ');
  const attempts = [{ role: 'local', model: 'hubgen-local-v1', threshold: 0.6, confidence: 0.7, accepted: true, usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 }, latencyMs: 120, reason: 'cleared its threshold', outcome: 'accepted' }];
  const shapes: Record<string, () => unknown> = {
    themes: () => ({ pageTitle: text(4), themes: Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, kind: i < 4 ? 'staples' : 'discovery', title: text(4), description: text(25), concepts: text(6).split(' '), categories: text(3).split(' '), departments: text(2).split(' '), confidence: rnd() })) }),
    keywords: () => ({ themes: Array.from({ length: 6 }, (_, i) => ({ themeId: `t${i}`, keywords: Array.from({ length: 10 }, () => ({ text: text(2), score: rnd() })), candidates: Array.from({ length: 60 }, () => ({ text: text(2), similarity: rnd(), overlap: rnd(), df: rnd(), category: rnd() > 0.5 })) })) }),
    filter: () => ({ kept: Array.from({ length: 6 }, (_, i) => `t${i}`), removals: Array.from({ length: 30 }, () => ({ step: 'relevance', item: text(2), reason: text(12), score: rnd() })) }),
    page: () => ({ title: text(4), themes: Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, kind: i < 4 ? 'staples' : 'discovery', title: text(4), products: Array.from({ length: 12 }, () => ({ productId: Math.floor(rnd() * 49688), name: text(5), category: text(2), score: rnd(), keyword: text(2) })) })) }),
  };
  const phases = Object.keys(shapes);
  return Array.from({ length: N }, (_, n) => {
    const phase = phases[n % phases.length];
    const key: ArtefactKey = { phase, phaseVersion: '1', config: { round }, models: { local: 'hubgen-local-v1' }, promptVersion: 'p1', inputs: [`user-${Math.floor(n / phases.length)}`] };
    return makeArtefact(key, shapes[phase](), { attempts: attempts as never, usage: attempts[0].usage, latencyMs: 120, role: 'local', model: 'hubgen-local-v1', confidence: 0.7 }, new Date(0).toISOString());
  });
}

async function timeEach<T>(items: readonly T[], fn: (x: T) => Promise<unknown>): Promise<{ p50: number; p95: number; totalMs: number }> {
  const ms: number[] = [];
  const t0 = performance.now();
  for (const x of items) {
    const t = performance.now();
    await fn(x);
    ms.push(performance.now() - t);
  }
  const totalMs = performance.now() - t0;
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95), totalMs };
}

async function concurrently<T>(items: readonly T[], limit: number, fn: (x: T) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
  return performance.now() - t0;
}

interface Measure {
  writeP50Ms: number;
  writeP95Ms: number;
  readP50Ms: number;
  readP95Ms: number;
  sequentialWritesPerSec: number;
  sequentialReadsPerSec: number;
  concurrentWriteReadPerSec: number;
}

async function measure(store: ArtefactStore, items: Artefact[], again: Artefact[]): Promise<Measure> {
  const w = await timeEach(items, (a) => store.write(a));
  const r = await timeEach(items, async (a) => {
    const got = await store.read(a.hash);
    if (got.status !== 'hit') throw new Error(`${store.kind}: ${a.hash} read back as ${got.status}`);
  });
  const mixedMs = await concurrently(again, IN_FLIGHT, async (a) => {
    await store.write(a);
    if ((await store.read(a.hash)).status !== 'hit') throw new Error(`${store.kind}: concurrent read missed`);
  });
  return {
    writeP50Ms: w.p50,
    writeP95Ms: w.p95,
    readP50Ms: r.p50,
    readP95Ms: r.p95,
    sequentialWritesPerSec: (items.length * 1000) / w.totalMs,
    sequentialReadsPerSec: (items.length * 1000) / r.totalMs,
    concurrentWriteReadPerSec: (again.length * 1000) / mixedMs,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const fsDir = await mkdtemp(join(os.tmpdir(), 'hubgen-bench-artefacts-'));
  const prefix = `hubgen-bench-${process.pid}:`;
  const redisStore = await openRedisArtefactStore(REDIS_URL!, { prefix: `${prefix}gzip:` });
  const redisPlain = new RedisArtefactStore(redisStore.redis, { prefix: `${prefix}plain:`, compression: 'none' });
  const stores: { name: string; open: (round: number) => Promise<ArtefactStore> }[] = [
    { name: 'fs', open: async (r) => new FsArtefactStore(join(fsDir, `r${r}`)) },
    { name: 'redis (gzip, the default)', open: async () => redisStore },
    { name: 'redis, uncompressed', open: async () => redisPlain },
  ];
  const pools: pg.Pool[] = [];
  if (PG_URL) {
    // Durable commits (the default), and commits acknowledged before the WAL flush: the closest
    // match to Redis with appendfsync everysec.
    for (const [name, table, options] of [
      ['postgres', 'hubgen_bench_artefacts', undefined],
      ['postgres, synchronous_commit=off', 'hubgen_bench_artefacts_async', '-c synchronous_commit=off'],
    ] as const) {
      const pool = new pg.Pool({ connectionString: PG_URL, max: IN_FLIGHT, ...(options ? { options } : {}) });
      pools.push(pool);
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.query(`CREATE TABLE ${table} (hash text PRIMARY KEY, body text NOT NULL)`);
      const store = new PgBenchStore(pool, table);
      stores.push({ name, open: async () => store });
    }
  } else {
    console.error('PostgreSQL skipped: set HUBGEN_BENCH_PG_URL=postgres://… to include it');
  }

  const results = new Map<string, Measure[]>();
  let sizes: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const items = artefacts(r);
    const again = artefacts(100 + r);
    sizes = items.map((a) => Buffer.byteLength(JSON.stringify(a)));
    const order = r % 2 === 0 ? stores : [...stores].reverse();
    for (const s of order) {
      const m = await measure(await s.open(r), items, again);
      results.set(s.name, [...(results.get(s.name) ?? []), m]);
      console.error(`round ${r + 1} ${s.name}: write p50 ${m.writeP50Ms.toFixed(3)} ms, read p50 ${m.readP50Ms.toFixed(3)} ms, ${m.concurrentWriteReadPerSec.toFixed(0)} write+read/s at ${IN_FLIGHT} in flight`);
    }
  }

  // What each artefact costs in Redis memory (MEMORY USAGE counts the value and the key's overhead).
  const memory: Record<string, number> = {};
  for (const [name, store] of [['redis (gzip, the default)', redisStore], ['redis, uncompressed', redisPlain]] as const) {
    let bytes = 0;
    const sample = artefacts(ROUNDS - 1).slice(0, 200);
    for (const a of sample) bytes += Number(await store.redis.memory('USAGE', store.keyOf(a.hash)));
    memory[name] = round(bytes / sample.length / 1024, 1);
  }

  // Redis claims: what cachedArtefact adds per computed artefact on a shared store.
  const claimMs: number[] = [];
  for (const a of artefacts(999).slice(0, 500)) {
    const t = performance.now();
    const c = await redisStore.claim(a.hash);
    await c!.release();
    claimMs.push(performance.now() - t);
  }
  claimMs.sort((a, b) => a - b);

  const summary = Object.fromEntries(
    [...results].map(([name, ms]) => [name, Object.fromEntries((Object.keys(ms[0]) as (keyof Measure)[]).map((k) => [k, round(median(ms.map((m) => m[k])), k.endsWith('Ms') ? 3 : 0)]))]),
  );
  sizes.sort((a, b) => a - b);
  const sizeInfo = { artefacts: N, meanKb: round(sizes.reduce((s, x) => s + x, 0) / sizes.length / 1024, 1), p50Kb: round(percentile(sizes, 0.5) / 1024, 1), maxKb: round(sizes.at(-1)! / 1024, 1) };
  const claim = { claimAndReleaseP50Ms: round(percentile(claimMs, 0.5), 3), claimAndReleaseP95Ms: round(percentile(claimMs, 0.95), 3) };
  const redisInfo = await redisStore.redis.info('server');
  const redisVersion = /redis_version:(\S+)/.exec(redisInfo)?.[1];
  const pgVersion = pools[0] ? (await pools[0].query<{ server_version: string }>('SHOW server_version')).rows[0].server_version : undefined;
  const ranAt = new Date().toISOString();
  const aof = /aof_enabled:1/.test(await redisStore.redis.info('persistence')) ? `AOF, appendfsync ${((await redisStore.redis.config('GET', 'appendfsync')) as string[])[1]}` : 'no persistence';
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, Redis ${redisVersion} (${aof})${pgVersion ? `, PostgreSQL ${pgVersion} (Debian defaults)` : ''}; all on one machine over loopback`;

  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'artefact-store.json'), JSON.stringify({ ranAt, machine, rounds: ROUNDS, inFlight: IN_FLIGHT, sizes: sizeInfo, stores: summary, redisKbPerArtefact: memory, redisClaims: claim }, null, 2) + '\n');
  const row = (name: string) => {
    const m = summary[name] as unknown as Measure;
    return `| ${name} | ${m.writeP50Ms} | ${m.writeP95Ms} | ${m.readP50Ms} | ${m.readP95Ms} | ${m.sequentialWritesPerSec} | ${m.sequentialReadsPerSec} | ${m.concurrentWriteReadPerSec} |`;
  };
  const md = [
    '## Artefact stores (`npm run bench -- artefact-store`)',
    '',
    `Run ${ranAt} on ${machine}. ${N} artefacts shaped like a run's (themes, keywords, filter, page; mean ${sizeInfo.meanKb} KB, p50 ${sizeInfo.p50Kb} KB, max ${sizeInfo.maxKb} KB of JSON), median of ${ROUNDS} rounds with the stores' order alternating.`,
    '',
    `| store | write p50 ms | write p95 ms | read p50 ms | read p95 ms | writes/s (one at a time) | reads/s (one at a time) | write+read/s (${IN_FLIGHT} in flight) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...[...results.keys()].map(row),
    '',
    `Redis memory per artefact (MEMORY USAGE, mean of 200): ${Object.entries(memory).map(([k, v]) => `${k} ${v} KB`).join(', ')} — against ${sizeInfo.meanKb} KB of JSON.`,
    '',
    `Redis claim to compute (SET NX PX) + release (Lua compare-and-delete): p50 ${claim.claimAndReleaseP50Ms} ms, p95 ${claim.claimAndReleaseP95Ms} ms.`,
    '',
  ].join('\n');
  writeFileSync(join(here, 'results', 'artefact-store.md'), md);
  console.log(md);

  // Clean up what the bench wrote.
  const keys: string[] = [];
  for await (const batch of redisStore.redis.scanStream({ match: `${prefix}*`, count: 1000 })) keys.push(...(batch as string[]));
  for (let i = 0; i < keys.length; i += 1000) await redisStore.redis.del(...keys.slice(i, i + 1000));
  await redisStore.close();
  for (const [i, pool] of pools.entries()) {
    await pool.query(`DROP TABLE ${i === 0 ? 'hubgen_bench_artefacts' : 'hubgen_bench_artefacts_async'}`);
    await pool.end();
  }
  await rm(fsDir, { recursive: true, force: true });
}

await main();
