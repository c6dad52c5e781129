/**
 * `hubgen run --queue` with two `hubgen worker` processes, as a user runs them: the real CLI as child
 * processes from an empty directory, on the bundled example store, against a real Redis (REDIS_URL)
 * and the scripted OpenAI-compatible server (embeddings and the LLM tier), so nothing needs a key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../llm/simulator/scripted-server.js';
import type { RunManifest } from '../pipelines/manifest.js';
import { cleanEnv, expectExit, HUBGEN_BIN, runHubgen } from '../testing/cli-runner.js';
import { EXAMPLE_DATA_DIR } from '../testing/synthetic-users.js';

const REDIS_URL = process.env.REDIS_URL;

describe.skipIf(!REDIS_URL)(REDIS_URL ? 'hubgen run --queue with two workers, end to end' : 'hubgen run --queue, end to end (skipped: REDIS_URL not set; .ci/run starts redis-server)', () => {
  let server: ScriptedServer;
  let cwd: string;
  let workDir: string;
  let env: Record<string, string>;
  // Every worker ever started, so afterAll can stop them even when a test failed half-way.
  const started: ChildProcess[] = [];
  let workers: { child: ChildProcess; stderr: () => string; exited: Promise<number | null> }[] = [];

  const hubgen = (args: readonly string[], timeoutMs = 120_000) => runHubgen(['--work-dir', workDir, ...args], { cwd, env, timeoutMs });

  function startWorker(): Promise<void> {
    const child = spawn(process.execPath, [HUBGEN_BIN, '--work-dir', workDir, 'worker', '--queue', '-c', '3'], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const ready = new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/ready: queue redis:/.test(stderr)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`worker exited ${code} before ready:\n${stderr}`)));
    });
    started.push(child);
    workers.push({ child, stderr: () => stderr, exited: new Promise((r) => child.once('exit', (code) => r(code))) });
    return ready;
  }

  beforeAll(async () => {
    server = await startScriptedServer({ latencyMs: 30 });
    cwd = await mkdtemp(join(tmpdir(), 'hubgen-qe2e-cwd-'));
    workDir = await mkdtemp(join(tmpdir(), 'hubgen-qe2e-work-'));
    // The LLM joins only the themes cascade (when the local tier is unsure), so a page costs little and comes fast.
    await writeFile(
      join(cwd, 'hubgen.config.json'),
      JSON.stringify({
        roles: { embedder: { provider: 'openai', model: 'scripted-embedding' } },
        providers: { openai: { kind: 'openai', limits: { concurrency: 16, requestsPerMinute: 100000, tokensPerMinute: 100000000 } } },
        phases: { themes: { cascade: [{ role: 'local', threshold: 0.9 }, { role: 'cheap', threshold: 0 }] }, keywords: { cascade: [{ role: 'student', threshold: 0 }] }, filter: { judgeCascade: [{ role: 'local', threshold: 0 }] } },
        queue: { prefix: `hubgen-e2e-${randomUUID().slice(0, 8)}`, lockDurationMs: 20_000, stalledIntervalMs: 5000 },
      }),
    );
    env = { OPENAI_BASE_URL: server.baseURL, HUBGEN_DATA_DIR: EXAMPLE_DATA_DIR, REDIS_URL: REDIS_URL! };
    expectExit(await hubgen(['index']), 0);
  }, 120_000);

  afterAll(async () => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await server?.close();
    await Promise.all([cwd, workDir].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('run --queue waits for two workers and prints the summary and manifest a local run does; SIGTERM stops each worker cleanly', async () => {
    await Promise.all([startWorker(), startWorker()]);
    const r = await hubgen(['run', '--queue', '--users', 'all']);
    expectExit(r, 0);
    const runId = /^run (\S+): 30\/30 pages ok(?: \(\d+ empty\))?, 0 failed \(complete\)$/m.exec(r.stdout)?.[1];
    expect(runId).toBeDefined();
    expect(r.stderr).toMatch(new RegExp(`run ${runId}: 30 users queued on redis://`));
    expect(r.stdout).toMatch(/^themes\s+30\s+0\/30/m);
    expect(r.stdout).toContain(`manifest: ${join(workDir, 'runs', runId!, 'manifest.json')}`);
    const manifest = JSON.parse(await readFile(join(workDir, 'runs', runId!, 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.status).toBe('complete');
    expect(Object.values(manifest.users).every((u) => u.status === 'ok' && Object.keys(u.phases!).join() === 'themes,keywords,filter,assemble')).toBe(true);
    // hubgen show finds the pages the workers made, in the shared store the run's last line names.
    expect(r.stdout).toContain(`inspect a page: HUBGEN_ARTEFACT_STORE=redis REDIS_URL=${REDIS_URL} hubgen show ${runId} C1001`);
    const show = await runHubgen(['--work-dir', workDir, 'show', runId!, 'C1001'], { cwd, env: { ...env, HUBGEN_ARTEFACT_STORE: 'redis' }, timeoutMs: 60_000 });
    expectExit(show, 0);
    expect(show.stdout).toMatch(/== Phase 1 · themes/);

    for (const w of workers) w.child.kill('SIGTERM');
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes).toEqual([0, 0]);
    const doneHere = workers.map((w) => Number(/worker stopped: (\d+) users done here/.exec(w.stderr())?.[1]));
    expect(doneHere.reduce((a, b) => a + b, 0)).toBe(30);
    expect(doneHere.every((n) => n > 0)).toBe(true);
  }, 240_000);

  it('Ctrl-C while waiting leaves the jobs queued and says so; waiting again with --run-id finishes the run', async () => {
    // No worker yet: the run can only wait.
    const child = spawn(process.execPath, [HUBGEN_BIN, '--work-dir', workDir, 'run', '--queue', '--users', 'C1001,C1002,C1003'], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const queued = new Promise<void>((resolve) =>
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/3 users queued/.test(stderr)) resolve();
      }),
    );
    await queued;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(130);
    expect(stderr).toMatch(/SIGINT: no longer waiting; the jobs stay queued on redis:\/\/\S+ for the workers/);
    const runId = /^run (\S+): 0\/0 pages ok/m.exec(stdout)?.[1];
    expect(stdout).toMatch(/\(interrupted\)/);
    expect(stdout).toContain(`3 users still queued on redis://`);
    expect(stdout).toContain(`--run-id ${runId}`);

    workers = [];
    await startWorker();
    const again = await hubgen(['run', '--queue', '--run-id', runId!]);
    expectExit(again, 0);
    expect(again.stdout).toMatch(new RegExp(`run ${runId}: 3/3 pages ok(?: \\(\\d+ empty\\))?, 0 failed \\(complete\\)`));
    workers[0].child.kill('SIGTERM');
    expect(await workers[0].exited).toBe(0);
  }, 240_000);

  it('schedule --queue enqueues each tick for the workers and reports the run', async () => {
    workers = [];
    await startWorker();
    const r = await hubgen(['schedule', '--cron', '0 0 1 1 *', '--now', '--max-runs', '1', '--queue', '--users', 'C1004,C1005']);
    expectExit(r, 0);
    expect(r.stderr).toMatch(/run \S+: 2 users queued on redis:\/\//);
    expect(r.stdout).toMatch(/^run \S+: 2\/2 pages ok(?: \(\d+ empty\))?, 0 failed \(complete\)$/m);
    workers[0].child.kill('SIGTERM');
    expect(await workers[0].exited).toBe(0);
    expect(workers[0].stderr()).toMatch(/worker stopped: 2 users done here/);
  }, 240_000);
});
