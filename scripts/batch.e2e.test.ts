/**
 * `hubgen run --batch` as a user runs it: the real CLI from an empty directory on the bundled example
 * store, the LLM tier and embeddings on the scripted server, whose Batch API answers the rounds.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../llm/simulator/scripted-server.js';
import { expectExit, runHubgen } from '../testing/cli-runner.js';
import { EXAMPLE_DATA_DIR } from '../testing/synthetic-users.js';

describe('hubgen run --batch, end to end', () => {
  let server: ScriptedServer;
  let cwd: string;
  let workDir: string;
  const hubgen = (args: readonly string[]) => runHubgen(['--work-dir', workDir, ...args], { cwd, env: { OPENAI_BASE_URL: server.baseURL, HUBGEN_DATA_DIR: EXAMPLE_DATA_DIR }, timeoutMs: 120_000 });

  beforeAll(async () => {
    server = await startScriptedServer();
    cwd = await mkdtemp(join(tmpdir(), 'hubgen-batch-e2e-cwd-'));
    workDir = await mkdtemp(join(tmpdir(), 'hubgen-batch-e2e-work-'));
    await writeFile(
      join(cwd, 'hubgen.config.json'),
      JSON.stringify({
        roles: { embedder: { provider: 'openai', model: 'scripted-embedding' } },
        providers: { openai: { kind: 'openai', limits: { concurrency: 8 } } },
        phases: { themes: { cascade: [{ role: 'cheap', threshold: 0 }] }, keywords: { cascade: [{ role: 'student', threshold: 0 }] }, filter: { judgeCascade: [{ role: 'local', threshold: 0 }] } },
        batch: { pollIntervalMs: 10 },
      }),
    );
    expectExit(await hubgen(['index']), 0);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await Promise.all([cwd, workDir].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('sends the themes requests as one batch, finishes every user, and says what went through the Batch API', async () => {
    server.reset();
    const r = await hubgen(['run', '--batch', '--users', 'C1001,C1002,C1003']);
    expectExit(r, 0);
    expect(r.stdout).toMatch(/^run \S+: 3\/3 pages ok(?: \(\d+ empty\))?, 0 failed \(complete\)$/m);
    expect(r.stderr).toMatch(/batch round 1: 3 requests for 3 users to the Batch API/);
    expect(r.stderr).toMatch(/batch round 1: answered: batch-scripted-\d+ completed 3\/3/);
    expect(r.stdout).toMatch(/batch mode: 3 LLM requests through the Batch API over 1 round, at batch prices \(\$0\.\d+ spent\)/);
    expect(server.batchCalls).toMatchObject({ uploads: 1, creates: 1 });
    expect(server.answered).toHaveLength(0); // no live call
  }, 120_000);
});
