/**
 * Scale: N users (default 10,000) through the real cascaded pipeline, the LLM tier answered by the
 * scripted server with 500 ms latency, measured side by side in one run: local (one process, as
 * `hubgen run`), queue with 1 worker process, queue with 2 worker processes (as `hubgen worker`).
 * Needs REDIS_URL. Writes bench/results/scale.json and scale.md.
 *
 * The pages are made cheap on purpose (the example store's 281 products, synthetic users, hashing
 * embedder, exact in-memory vectors, local tiers except the themes LLM call): on two shared cores
 * the subject is the queue and the provider latency, not the local models.
 *   BENCH_USERS=10000 BENCH_CONCURRENCY=16 BENCH_LATENCY_MS=500 REDIS_URL=redis://… npm run bench -- scale
 * BENCH_MODES=local (a comma list of local, queue1, queue2) measures only those.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Job, Queue } from 'bullmq';
import pino from 'pino';
import { connectRedis } from '../base/redis.js';
import { loadConfig } from '../config/config.js';
import { readManifest } from '../pipelines/manifest.js';
import { quantile } from '../pipelines/summary.js';
import { bullConnection } from '../queue/connection.js';
import { jobIdFor, PAGE_QUEUE } from '../queue/keys.js';
import { runQueued } from '../queue/run-queued.js';
import { fixtureConfig, type PageFixtureOptions } from '../testing/queue-fixture.js';

const N = Number(process.env.BENCH_USERS ?? 10_000);
const C = Number(process.env.BENCH_CONCURRENCY ?? 16);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 500);
const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) throw new Error('the scale bench needs a Redis: REDIS_URL=redis://127.0.0.1:6379 npm run bench -- scale (start one with redis-server --maxmemory-policy noeviction --daemonize yes)');
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const logger = pino({ level: process.env.HUBGEN_LOG_LEVEL ?? 'warn' });
const redis = await connectRedis(REDIS_URL, { purpose: 'the scale bench' });

interface Child {
  readonly child: ChildProcess;
  readonly line: (match: (l: string) => boolean) => Promise<string>;
  readonly onLine: (fn: (l: string) => void) => void;
}

function start(args: readonly string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const listeners: ((l: string) => void)[] = [];
  lines.on('line', (l) => listeners.forEach((fn) => fn(l)));
  return {
    child,
    onLine: (fn) => listeners.push(fn),
    line: (match) =>
      new Promise((resolve, reject) => {
        listeners.push((l) => match(l) && resolve(l));
        child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
      }),
  };
}

const rssMb = (pid: number): number => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); 0 when unreadable. */
const cpuMs = (pid: number): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
};

const redisMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);

/** Every key under a prefix, gone (between configurations, so each starts cold and Redis memory is its own). */
async function dropPrefix(prefix: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 })) if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
}

interface Sample {
  readonly t: number;
  readonly done: number;
  readonly rss: readonly number[];
}

/** Samples each process's RSS once a second, with how many users were done then. */
function sampler(pids: () => readonly number[], done: () => number, t0: number) {
  const samples: Sample[] = [];
  const take = () => samples.push({ t: Math.round(performance.now() - t0), done: done(), rss: pids().map(rssMb) });
  const timer = setInterval(take, 1000);
  return {
    samples,
    stop: () => {
      take();
      clearInterval(timer);
    },
  };
}

/** RSS after the first 1,000 users and at the end, per process, and the growth in between per 1,000 users. */
function rssTrend(samples: readonly Sample[]) {
  const first = samples.find((s) => s.done >= Math.min(1000, N / 10)) ?? samples[0];
  const last = samples.at(-1)!;
  return first.rss.map((r, i) => ({
    afterFirst1kMb: round(r),
    endMb: round(last.rss[i]),
    maxMb: round(Math.max(...samples.map((s) => s.rss[i]))),
    growthMbPer1kUsers: round(((last.rss[i] - r) / Math.max(1, last.done - first.done)) * 1000, 2),
  }));
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

interface ModeResult {
  readonly mode: string;
  readonly processes: number;
  readonly concurrency: number;
  readonly users: number;
  readonly ok: number;
  readonly wallS: number;
  readonly usersPerS: number;
  readonly idealUsersPerS: number;
  readonly shareOfIdeal: number;
  readonly userP50Ms: number;
  readonly userP95Ms: number;
  /** Slot time per user not spent in the pipeline: concurrency × wall / users − mean user wall. */
  readonly slotOverheadMsPerUser: number;
  /** CPU (user + system) the page processes used per user over the measured wall time, summed over processes. */
  readonly cpuMsPerUser: number;
  /** Queue modes: CPU per user of the process waiting for the run (this one: records, manifest). */
  readonly waiterCpuMsPerUser?: number;
  readonly rss: ReturnType<typeof rssTrend>;
  readonly samples: readonly Sample[];
  readonly serverMaxInFlight: number;
  readonly queue?: {
    readonly redisBytesPerQueuedJob: number;
    readonly redisUsedMbAtEnd: number;
    readonly redisArtefactKeys: number;
    /** BullMQ's own time per job beyond the pipeline: (finishedOn − processedOn) − user wall, over a sample of jobs. */
    readonly jobOverheadP50Ms: number;
    readonly jobOverheadP95Ms: number;
  };
}

const server = start(['testing/scripted-server-process.ts', String(LATENCY_MS)]);
const baseURL = await server.line((l) => l.startsWith('http'));
const serverStats = async (): Promise<{ requests: number; maxInFlight: number }> => {
  const line = server.line((l) => l.startsWith('{'));
  server.child.stdin!.write('stats\n');
  return JSON.parse(await line);
};

const fixture = (more: Partial<PageFixtureOptions>): PageFixtureOptions => ({
  users: N,
  llmBaseURL: baseURL,
  llmPhases: 'themes',
  llmConcurrency: 256,
  workDir: mkdtempSync(join(tmpdir(), 'hubgen-scale-')),
  ...more,
});

function summarise(mode: string, processes: number, wallMs: number, userWall: readonly number[], ok: number, samples: readonly Sample[], maxInFlight: number, cpuMsUsed: number): Omit<ModeResult, 'queue'> {
  const slots = processes * C;
  const ideal = slots / (LATENCY_MS / 1000);
  const usersPerS = N / (wallMs / 1000);
  const mean = userWall.reduce((a, b) => a + b, 0) / userWall.length;
  return {
    mode,
    processes,
    concurrency: C,
    users: N,
    ok,
    wallS: round(wallMs / 1000),
    usersPerS: round(usersPerS, 2),
    idealUsersPerS: round(ideal, 2),
    shareOfIdeal: round(usersPerS / ideal, 3),
    userP50Ms: Math.round(quantile(userWall, 0.5)!),
    userP95Ms: Math.round(quantile(userWall, 0.95)!),
    slotOverheadMsPerUser: round((slots * wallMs) / N - mean),
    cpuMsPerUser: round(cpuMsUsed / N),
    rss: rssTrend(samples),
    samples,
    serverMaxInFlight: maxInFlight,
  };
}

async function local(): Promise<ModeResult> {
  server.child.stdin!.write('reset\n');
  const o = fixture({ artefacts: 'fs', answerCache: false });
  const run = start(['bench/scale-local-run.ts', JSON.stringify(o), String(N), String(C)]);
  await run.line((l) => l === 'ready');
  let done = 0;
  run.onLine((l) => l.startsWith('{"done"') && (done = JSON.parse(l).done));
  const t0 = performance.now();
  const cpu0 = cpuMs(run.child.pid!);
  const s = sampler(() => [run.child.pid!], () => done, t0);
  const result = JSON.parse(await run.line((l) => l.startsWith('{"result"'))).result as { wallMs: number; ok: number; userWallMs: number[] };
  const cpuUsed = cpuMs(run.child.pid!) - cpu0;
  s.stop();
  const stats = await serverStats();
  return summarise('local (1 process)', 1, result.wallMs, result.userWallMs, result.ok, s.samples, stats.maxInFlight, cpuUsed);
}

async function queued(workers: number): Promise<ModeResult> {
  server.child.stdin!.write('reset\n');
  const prefix = `hubgen-scale-${randomUUID().slice(0, 8)}`;
  // Locks as in production (30 s): a 500 ms call never comes near them.
  const o = fixture({ redisUrl: REDIS_URL, prefix, queue: { concurrency: C } });
  const procs = Array.from({ length: workers }, () => start(['testing/queue-worker.ts', JSON.stringify(o), String(C)]));
  await Promise.all(procs.map((p) => p.line((l) => l === 'ready')));
  const config = fixtureConfig(o);
  // Paused while the jobs go in, so what they take in Redis is measured before any artefact lands.
  const control = new Queue(PAGE_QUEUE, { connection: bullConnection(REDIS_URL!), prefix });
  await control.pause();
  const before = await redisMemory();
  let done = 0;
  let queuedBytes = 0;
  const t0 = performance.now();
  const cpu0 = procs.map((p) => cpuMs(p.child.pid!));
  const waiterCpu0 = process.cpuUsage();
  const s = sampler(() => procs.map((p) => p.child.pid!), () => done, t0);
  const runsDir = join(config.workDir, 'runs');
  const users = Array.from({ length: N }, (_, i) => `s${i}`);
  const { manifest: header, summary } = await runQueued({
    ctx: { config, logger, clock: { now: () => Date.now(), monotonic: () => performance.now() } },
    url: REDIS_URL!,
    users,
    pipeline: 'cascaded',
    runsDir,
    onEnqueued: () => {
      void redisMemory().then(async (m) => {
        queuedBytes = m - before;
        await control.resume();
      });
    },
    onUserDone: (_, d) => (done = d),
  });
  const wallMs = performance.now() - t0;
  const cpuUsed = procs.reduce((sum, p, i) => sum + cpuMs(p.child.pid!) - cpu0[i], 0);
  const waiterCpu = process.cpuUsage(waiterCpu0);
  s.stop();
  await control.close();
  const stats = await serverStats();
  // Read back once the measuring is done: the waiting process keeps no users while it waits.
  const manifest = (await readManifest(runsDir, header.runId))!;
  const usedAtEnd = await redisMemory();
  let artefactKeys = 0;
  for await (const keys of redis.scanStream({ match: `${prefix}:artefact:*`, count: 1000 })) artefactKeys += (keys as string[]).length;
  // BullMQ's share of each job: its time in the job minus the pipeline's, over a sample of jobs.
  const queue = new Queue(PAGE_QUEUE, { connection: bullConnection(REDIS_URL!), prefix });
  const sample = users.filter((_, i) => i % Math.max(1, Math.floor(N / 500)) === 0);
  const overheads: number[] = [];
  for (const u of sample) {
    const job = await Job.fromId(queue, jobIdFor(manifest.runId, u));
    if (job?.finishedOn && job.processedOn) overheads.push(job.finishedOn - job.processedOn - manifest.users[u].wallMs);
  }
  await queue.close();
  for (const p of procs) p.child.kill('SIGTERM');
  await Promise.all(procs.map((p) => new Promise((r) => p.child.once('exit', r))));
  await dropPrefix(prefix);
  const userWall = Object.values(manifest.users).map((u) => u.wallMs);
  return {
    ...summarise(`queue (${workers} worker process${workers > 1 ? 'es' : ''})`, workers, wallMs, userWall, summary.ok, s.samples, stats.maxInFlight, cpuUsed),
    waiterCpuMsPerUser: round((waiterCpu.user + waiterCpu.system) / 1000 / N),
    queue: {
      redisBytesPerQueuedJob: Math.round(queuedBytes / N),
      redisUsedMbAtEnd: round(usedAtEnd / 2 ** 20),
      redisArtefactKeys: artefactKeys,
      jobOverheadP50Ms: Math.round(quantile(overheads, 0.5)!),
      jobOverheadP95Ms: Math.round(quantile(overheads, 0.95)!),
    },
  };
}

const ranAt = new Date().toISOString();
const load0 = os.loadavg()[0];
const results: ModeResult[] = [];
// BENCH_MODES=local (or local,queue1,queue2) runs only those, e.g. a quick look at the local process alone.
const MODES = { local, queue1: () => queued(1), queue2: () => queued(2) };
const wantedModes = (process.env.BENCH_MODES ?? Object.keys(MODES).join(',')).split(',').map((m) => m.trim());
const unknownModes = wantedModes.filter((m) => !(m in MODES));
if (unknownModes.length) throw new Error(`BENCH_MODES: unknown mode(s) ${unknownModes.join(', ')} (have: ${Object.keys(MODES).join(', ')})`);
for (const run of wantedModes.map((m) => MODES[m as keyof typeof MODES])) {
  const r = await run();
  console.error(`${r.mode}: ${r.usersPerS} users/s = ${(r.shareOfIdeal * 100).toFixed(1)}% of ${r.idealUsersPerS}; p50 ${r.userP50Ms} ms, p95 ${r.userP95Ms} ms; CPU ${r.cpuMsPerUser} ms/user; RSS growth ${r.rss.map((x) => x.growthMbPer1kUsers).join(', ')} MB/1k users; load ${os.loadavg()[0].toFixed(2)}`);
  results.push(r);
}
server.child.kill('SIGTERM');
await redis.quit();

const out = {
  ranAt,
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAvgAtStart: round(load0, 2), loadAvgAtEnd: round(os.loadavg()[0], 2), node: process.version },
  setup: {
    users: N,
    usersAre: 'synthetic shoppers over the bundled example store (testing/synthetic-users.ts: seeded, distinct histories, so distinct prompts and no shared artefact or answer)',
    concurrencyPerProcess: C,
    llmLatencyMs: LATENCY_MS,
    llmCallsPerUser: 1,
    pages: 'the real cascaded pipeline: themes on the LLM tier (scripted server, its own process), keywords, filter (local judge) and assembly on local tiers; hashing embedder, exact in-memory vectors, 281 products',
    stores: 'local: file artefact store, per-process limits; queue: artefacts and rate limits in Redis (queue.shareStores), answer cache on',
    ideal: 'processes × concurrency / LLM latency: every slot always waiting on the provider',
  },
  results: results.map(({ samples, ...r }) => ({ ...r, rssSamples: samples.filter((_, i) => i % 10 === 0) })),
};
const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'scale.json'), JSON.stringify(out, null, 2));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const md = [
  `## Scale: ${N.toLocaleString('en')} users, local vs queue, 1 vs 2 worker processes (${ranAt})`,
  '',
  `${out.setup.usersAre}. ${out.setup.pages}. LLM latency ${LATENCY_MS} ms, ${C} users in flight per process; ${out.setup.stores}. The pages are cheap on purpose: on ${out.machine.cpus} cores shared with other work (load average ${out.machine.loadAvgAtStart} at the start, ${out.machine.loadAvgAtEnd} at the end) the subject is the queue and the provider latency. All three measured one after another in one run; ideal = ${out.setup.ideal}.`,
  '',
  '| mode | users/s | ideal users/s | share of ideal | per user p50 ms | p95 ms | slot overhead ms/user | CPU ms/user (pages; waiter) | ok |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map((r) => `| ${r.mode} | ${r.usersPerS} | ${r.idealUsersPerS} | **${pct(r.shareOfIdeal)}** | ${r.userP50Ms} | ${r.userP95Ms} | ${r.slotOverheadMsPerUser} | ${r.cpuMsPerUser}${r.waiterCpuMsPerUser === undefined ? '' : `; ${r.waiterCpuMsPerUser}`} | ${r.ok}/${r.users} |`),
  '',
  'RSS per process (MB): after the first 1,000 users → at the end (max), growth per further 1,000 users:',
  '',
  '| mode | process | after 1k users | end | max | growth MB / 1k users |',
  '|---|---|---:|---:|---:|---:|',
  ...results.flatMap((r) => r.rss.map((x, i) => `| ${r.mode} | ${r.processes > 1 ? `worker ${i + 1}` : r.mode.startsWith('local') ? 'hubgen run' : 'worker'} | ${x.afterFirst1kMb} | ${x.endMb} | ${x.maxMb} | ${x.growthMbPer1kUsers} |`)),
  '',
  'Queue costs:',
  '',
  '| mode | Redis bytes per queued job | Redis used at the end MB (artefacts and answers included) | artefact + answer keys | BullMQ time per job beyond the pipeline p50 / p95 ms |',
  '|---|---:|---:|---:|---:|',
  ...results.filter((r) => r.queue).map((r) => `| ${r.mode} | ${r.queue!.redisBytesPerQueuedJob} | ${r.queue!.redisUsedMbAtEnd} | ${r.queue!.redisArtefactKeys} | ${r.queue!.jobOverheadP50Ms} / ${r.queue!.jobOverheadP95Ms} |`),
  '',
  '*share of ideal*: users/s over processes × concurrency / latency. *slot overhead*: the slot time per user not spent inside the pipeline (processes × concurrency × wall / users − mean user wall): scheduling, queue round trips, records. *CPU ms/user*: user + system CPU of the processes running pages (summed over workers) over the measured wall time, per user; in queue modes also the waiting process (enqueue, records, manifest). *BullMQ time per job*: from the worker taking the job to BullMQ marking it done, less the pipeline’s own wall time (records, lock, completion).',
].join('\n');
writeFileSync(join(resultsDir, 'scale.md'), `${md}\n`);
console.log(md);
