/**
 * Distributed runs against a real Redis (REDIS_URL; `.ci/run` starts redis-server) and the real
 * cascaded pipeline made cheap (example store, synthetic users, hashing embedder), with the LLM
 * tiers answered by the scripted server, where paid calls are counted by request content.
 * Workers are separate OS processes (testing/queue-worker.ts) except where a test needs to reach in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../base/redis.js';
import { reply, startScriptedServer, type ChatCompletionRequest, type ScriptedServer } from '../llm/simulator/scripted-server.js';
import { cascadedPipeline } from '../pipelines/cascaded.js';
import { readManifest } from '../pipelines/manifest.js';
import { runPages } from '../pipelines/run.js';
import { pageFixture, type PageFixture, type PageFixtureOptions } from '../testing/queue-fixture.js';
import { bullConnection, pageConfigDigest } from './connection.js';
import { jobIdFor, PAGE_QUEUE } from './keys.js';
import { runQueued } from './run-queued.js';
import { RunRecords } from './run-records.js';
import { startPageWorker } from './worker.js';

const REDIS_URL = process.env.REDIS_URL;

const bodyHash = (body: ChatCompletionRequest): string => createHash('sha256').update(JSON.stringify(body.messages)).digest('hex');
const shopperOf = (body: ChatCompletionRequest): string | undefined => /Shopper (\S+):/.exec(body.messages.map((m) => String(m.content)).join('\n'))?.[1];
const counts = (bodies: readonly ChatCompletionRequest[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const b of bodies) m.set(bodyHash(b), (m.get(bodyHash(b)) ?? 0) + 1);
  return m;
};
const users = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);

interface WorkerProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
}

/** A worker OS process over the same fixture options as the test. */
function workerProcess(options: PageFixtureOptions, concurrency: number): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'testing/queue-worker.ts', JSON.stringify(options), String(concurrency)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => l === 'ready' && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited };
}

describe.skipIf(!REDIS_URL)(REDIS_URL ? `distributed runs on ${REDIS_URL}` : 'distributed runs (skipped: REDIS_URL not set; .ci/run starts redis-server)', () => {
  let server: ScriptedServer;
  let redis: Redis;
  const children: ChildProcess[] = [];
  const fixtures: PageFixture[] = [];

  beforeAll(async () => {
    server = await startScriptedServer({ latencyMs: 20 });
    redis = await connectRedis(REDIS_URL!, { purpose: 'the queue tests' });
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(fixtures.splice(0).map((f) => f.close()));
    server.reset();
  });
  afterAll(async () => {
    await server?.close();
    await redis?.quit();
  });

  const options = (more: Partial<PageFixtureOptions> = {}): PageFixtureOptions => ({
    users: 24,
    llmBaseURL: server.baseURL,
    redisUrl: REDIS_URL,
    prefix: `hubgen-qtest-${randomUUID().slice(0, 8)}`,
    // Locks long enough that a worker starved of CPU on a busy CI machine never loses one by accident;
    // the kill test shortens them, since it waits for one to lapse.
    queue: { lockDurationMs: 15_000, stalledIntervalMs: 5000, backoffMs: 50 },
    claimLeaseMs: 15_000,
    ...more,
  });
  const fixture = async (o: PageFixtureOptions) => {
    const f = await pageFixture(o);
    fixtures.push(f);
    return f;
  };
  const spawnWorker = (o: PageFixtureOptions, concurrency: number) => {
    const w = workerProcess(o, concurrency);
    children.push(w.child);
    return w;
  };
  const jobOf = async (o: PageFixtureOptions, runId: string, userId: string) => {
    const queue = new Queue(PAGE_QUEUE, { connection: bullConnection(REDIS_URL!), prefix: o.prefix });
    try {
      const job = await Job.fromId(queue, jobIdFor(runId, userId));
      return job && Object.assign(job, { state: await job.getState() });
    } finally {
      await queue.close();
    }
  };

  it('two workers share one run: every user recorded once, no request answered twice, and the manifest is a local run’s', async () => {
    const o = options();
    const f = await fixture(o);
    const [a, b] = [spawnWorker(o, 3), spawnWorker(o, 3)];
    await Promise.all([a.ready, b.ready]);
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-qruns-'));
    const seen: string[] = [];
    const { manifest, summary, stillQueued } = await runQueued({ ctx: f.ctx, url: REDIS_URL!, users: users(24), pipeline: 'cascaded', runsDir, onUserDone: (r) => seen.push(r.userId) });

    expect(stillQueued).toBe(0);
    expect(manifest.status).toBe('complete');
    // The manifest on disk: the header returned, and every user.
    const onDisk = (await readManifest(runsDir, manifest.runId))!;
    expect(onDisk).toMatchObject(manifest);
    expect(Object.keys(onDisk.users).sort()).toEqual(users(24).sort());
    expect(seen.sort()).toEqual(users(24).sort());
    expect(summary.ok).toBe(24);
    // None processed twice: every job started once, and no LLM request was answered twice.
    const jobs = await Promise.all(users(24).map((u) => jobOf(o, manifest.runId, u)));
    expect(jobs.map((j) => j?.attemptsStarted)).toEqual(users(24).map(() => 1));
    expect(new Set(jobs.map((j) => j?.processedBy)).size).toBe(2);
    expect([...counts(server.answered).values()].every((n) => n === 1)).toBe(true);
    expect(new Set(server.answered.map(shopperOf))).toEqual(new Set(users(24)));

    // The same users run locally (fresh in-memory stores, no answer cache): the same pages, the same summary.
    const local = await fixture({ ...o, redisUrl: undefined, answerCache: false });
    const localRun = await runPages({ ctx: local.ctx, contextFor: local.contextFor, users: users(24), pipeline: cascadedPipeline, runsDir, concurrency: 4 });
    const localOnDisk = (await readManifest(runsDir, localRun.manifest.runId))!;
    for (const u of users(24)) {
      const hashes = (r: typeof onDisk) => Object.fromEntries(Object.entries(r.users[u].phases!).map(([p, rec]) => [p, rec.hash]));
      expect(hashes(onDisk)).toEqual(hashes(localOnDisk));
    }
    // Both modes write the same manifest through the same recorder: the same rates too.
    expect(onDisk.rates).toEqual(localOnDisk.rates);
    const shape = (s: typeof summary) => s.phases.map((p) => ({ phase: p.phase, pages: p.pages, cacheHits: p.cacheHits, cascades: p.cascades, escalations: p.escalations, tokens: [p.spent.inputTokens, p.spent.outputTokens], calls: p.spent.calls }));
    expect(shape(summary)).toEqual(shape(localRun.summary));
  }, 120_000);

  it('a worker killed with SIGKILL mid-run: the other picks its job up, and no request is answered twice', async () => {
    const o = options({ users: 8, queue: { lockDurationMs: 2000, stalledIntervalMs: 1000, backoffMs: 50 }, claimLeaseMs: 2000 });
    const f = await fixture(o);
    server.reset();
    const slow = await startScriptedServer({ latencyMs: 300 });
    try {
      const so = { ...o, llmBaseURL: slow.baseURL };
      const doomed = spawnWorker(so, 1);
      await doomed.ready;
      let arrivals = 0;
      let killedAt: string | undefined;
      slow.setResponder((req) => {
        // The tenth request finds the worker between answers it has stored and one it waits for: kill it there.
        if (++arrivals === 10 && !killedAt) {
          killedAt = shopperOf(req);
          doomed.child.kill('SIGKILL');
        }
        return reply.simulate();
      });
      const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-qruns-'));
      const waiting = runQueued({ ctx: f.ctx, url: REDIS_URL!, users: users(8), pipeline: 'cascaded', runsDir });
      await doomed.exited;
      expect(killedAt).toBeDefined();
      const survivor = spawnWorker(so, 3);
      await survivor.ready;
      const { manifest, summary } = await waiting;

      expect(summary.ok).toBe(8);
      expect(Object.keys((await readManifest(runsDir, manifest.runId))!.users).sort()).toEqual(users(8).sort());
      // The killed worker's user ran again on the survivor (its lock lapsed; BullMQ's stalled check took it back)…
      const job = await jobOf(o, manifest.runId, killedAt!);
      expect(job?.attemptsStarted).toBeGreaterThanOrEqual(2);
      // …and every answer the dead worker had paid for came from the store: none was answered twice.
      const answered = counts(slow.answered);
      expect([...answered.entries()].filter(([, n]) => n > 1)).toEqual([]);
      expect(slow.requests.length).toBeGreaterThan(slow.answered.length); // the calls in flight at the kill were never answered
    } finally {
      await slow.close();
    }
  }, 120_000);

  it('the provider rate limit holds across both workers together, not per process', async () => {
    // 120 requests a minute is 2 a second with a burst of 2: twelve calls need at least ~5 s shared,
    // where two workers limiting themselves would make them in ~2.5 s.
    const o = options({ users: 12, llmPhases: 'themes', requestsPerMinute: 120 });
    const f = await fixture(o);
    const [a, b] = [spawnWorker(o, 6), spawnWorker(o, 6)];
    await Promise.all([a.ready, b.ready]);
    const times: number[] = [];
    server.setResponder(() => (times.push(Date.now()), reply.simulate()));
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-qruns-'));
    const { summary } = await runQueued({ ctx: f.ctx, url: REDIS_URL!, users: users(12), pipeline: 'cascaded', runsDir });
    expect(summary.ok).toBe(12);
    expect(times).toHaveLength(12);
    expect(times.at(-1)! - times[0]).toBeGreaterThanOrEqual(4500);
    // No second saw more than the burst (2) plus a second's refill (2), give or take one call granted just
    // before and delayed on its way; two per-process limits would allow 8.
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(5);
  }, 120_000);

  it('retries a transient provider failure with backoff; records a deterministic one failed after one try', async () => {
    const o = options({ users: 4, llmPhases: 'themes', queue: { lockDurationMs: 15_000, stalledIntervalMs: 5000, backoffMs: 50, attempts: 3 } });
    const f = await fixture(o);
    const arrivals = new Map<string, number>();
    server.setResponder((req) => {
      const who = shopperOf(req) ?? '?';
      const n = (arrivals.get(who) ?? 0) + 1;
      arrivals.set(who, n);
      if (who === 's1' && n <= 2) return reply.serverError(503); // the registry's own retry, then the job's first try fails
      if (who === 's2') return reply.refusal('I cannot help with that.'); // the same every time
      return reply.simulate();
    });
    const connRedis = await connectRedis(REDIS_URL!, { purpose: 'records' });
    const pw = startPageWorker({ ctx: f.ctx, contextFor: f.contextFor, pipelines: { cascaded: cascadedPipeline }, connection: bullConnection(REDIS_URL!), redis: connRedis, queue: f.config.queue, concurrency: 4, configDigest: pageConfigDigest(f.config) });
    try {
      const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-qruns-'));
      const { manifest: header, summary } = await runQueued({ ctx: f.ctx, url: REDIS_URL!, users: ['s0', 's1', 's2', 'nobody'], pipeline: 'cascaded', runsDir });
      const manifest = (await readManifest(runsDir, header.runId))!;
      expect(manifest.users.s1.status).toBe('ok');
      expect((await jobOf(o, manifest.runId, 's1'))?.attemptsStarted).toBe(2); // failed once (transient), retried once
      expect(arrivals.get('s1')).toBe(3);
      expect(manifest.users.s2).toMatchObject({ status: 'failed', error: expect.stringMatching(/refus/i) });
      expect(manifest.users.nobody).toMatchObject({ status: 'failed' });
      expect(arrivals.get('s2')).toBeLessThanOrEqual(2); // the registry's validation retry at most, never a second job try
      for (const u of ['s2', 'nobody']) {
        const job = await jobOf(o, manifest.runId, u);
        expect(job?.attemptsStarted).toBe(1);
        expect(job?.state).toBe('failed');
      }
      expect(summary.failed).toBe(2);
      expect(manifest.status).toBe('complete');
    } finally {
      await pw.close();
      await connRedis.quit();
    }
  }, 60_000);

  it('enqueueing a run again adds no job, and a resumed run retries only its failed users', async () => {
    const o = options({ users: 3, llmPhases: 'themes' });
    const f = await fixture(o);
    let refuse = true;
    server.setResponder((req) => (refuse && shopperOf(req) === 's1' ? reply.refusal('no') : reply.simulate()));
    const connRedis = await connectRedis(REDIS_URL!, { purpose: 'records' });
    let processed = 0;
    const pw = startPageWorker({ ctx: f.ctx, contextFor: f.contextFor, pipelines: { cascaded: cascadedPipeline }, connection: bullConnection(REDIS_URL!), redis: connRedis, queue: f.config.queue, configDigest: pageConfigDigest(f.config), onUserDone: () => processed++ });
    try {
      const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-qruns-'));
      const first = await runQueued({ ctx: f.ctx, url: REDIS_URL!, users: users(3), pipeline: 'cascaded', runsDir });
      expect(first.summary).toMatchObject({ ok: 2, failed: 1 });
      expect(processed).toBe(3);
      refuse = false;
      const again = await runQueued({ ctx: f.ctx, url: REDIS_URL!, users: users(3), pipeline: 'cascaded', runsDir, runId: first.manifest.runId });
      expect(again.summary).toMatchObject({ ok: 3, failed: 0 });
      expect(processed).toBe(4); // only s1 ran again
      const meta = await new RunRecords(connRedis, o.prefix!, first.manifest.runId).meta();
      expect(meta).toMatchObject({ runId: first.manifest.runId, users: 3, pipeline: 'cascaded' });
    } finally {
      await pw.close();
      await connRedis.quit();
    }
  }, 60_000);

  it('SIGTERM lets a worker finish the jobs it holds, then it exits 0', async () => {
    const o = options({ users: 2, llmPhases: 'themes' });
    const f = await fixture(o);
    const slow = await startScriptedServer({ latencyMs: 800 });
    try {
      const so = { ...o, llmBaseURL: slow.baseURL };
      const w = spawnWorker(so, 2);
      await w.ready;
      const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-qruns-'));
      const waiting = runQueued({ ctx: f.ctx, url: REDIS_URL!, users: users(2), pipeline: 'cascaded', runsDir });
      while (slow.requests.length < 2) await new Promise((r) => setTimeout(r, 20));
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
      const { summary } = await waiting;
      expect(summary.ok).toBe(2);
      expect(slow.answered).toHaveLength(2);
    } finally {
      await slow.close();
    }
  }, 60_000);
});
