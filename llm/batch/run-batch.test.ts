import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compileSchema } from '../../base/ajv.js';
import { loadConfig, type HubgenConfig } from '../../config/config.js';
import { themesSchema, type Themes } from '../../phases/themes/schema.js';
import { costOf } from '../cost.js';
import { BatchStateMismatchError } from '../errors/batch-state-mismatch-error.js';
import { StructuredOutputError } from '../errors/structured-output-error.js';
import { createModelRegistry } from '../model-registry.js';
import { reply, startScriptedServer, type ChatCompletionRequest, type ScriptedServer } from '../simulator/scripted-server.js';
import { createBatchRunner, type BatchRunnerOptions } from './run-batch.js';
import type { BatchRequest } from './lines.js';
import { FileBatchStateStore } from './state.js';

// Every test drives the real OpenAI SDK (files, batches) against the scripted server's Batch API.
const logger = pino({ level: process.env.HUBGEN_TEST_LOG ?? 'silent' });
const PRICES = { 'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 }, 'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10, batch: { input: 1, cachedInput: 0.5, output: 4 } } };
const isThemes = compileSchema(themesSchema);

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

function config(): HubgenConfig {
  return loadConfig({
    env: {},
    cwd: '/nonexistent-so-no-config-file-is-read',
    overrides: { providers: { openai: { baseURL: server.baseURL, limits: { maxRetries: 0 } } }, prices: PRICES, roles: { cheap: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.2, maxOutputTokens: 900 } } },
  });
}

async function runner(options: Partial<BatchRunnerOptions> = {}) {
  const state = new FileBatchStateStore(await mkdtemp(join(tmpdir(), 'hubgen-batches-')));
  return { state, make: (more: Partial<BatchRunnerOptions> = {}) => createBatchRunner(config(), { env: {}, logger, state, pollIntervalMs: 5, ...options, ...more }) };
}

const valid: Themes = {
  pageTitle: 'Your week in groceries',
  themes: [
    { id: 'pasta-night', kind: 'discovery', title: 'Pasta night', description: 'Spaghetti, basil and parmesan for a quick dinner.', concepts: ['spaghetti'], categories: ['dry pasta'], departments: ['pantry'], confidence: 0.8 },
    { id: 'bakery', kind: 'discovery', title: 'Fresh bakery', description: 'Sourdough and rolls for the week ahead.', concepts: ['sourdough'], categories: ['bread'], departments: ['bakery'], confidence: 0.6 },
  ],
};
const request = (customId: string, text = `user ${customId} buys pasta, basil and sourdough`): BatchRequest => ({
  customId,
  schema: themesSchema,
  schemaName: 'hubgen.themes.v1',
  messages: [
    { role: 'system', content: 'You plan grocery shopping hub pages as JSON.' },
    { role: 'user', content: text },
  ],
});
const userText = (req: ChatCompletionRequest) => String(req.messages.at(-1)?.content ?? '');

describe('the JSONL line', () => {
  it('carries the body the live path sends (model, messages, json_schema response_format, temperature, max_tokens)', async () => {
    const live = createModelRegistry(config(), { env: {}, logger });
    await live.generateStructured({ role: 'cheap', ...request('a') });
    const { make } = await runner();
    await make().run('job-same-body', 'cheap', [request('a')]);
    const [liveBody, batchBody] = server.requests;
    const { stream, ...liveWithoutStream } = liveBody;
    expect(stream).toBe(false);
    expect(batchBody).toEqual(liveWithoutStream);
    expect(batchBody.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'hubgen_themes_v1', strict: true } });
  });
});

describe('a completed batch', () => {
  it('returns per request the live result: validated object, usage at half list price, one attempt', async () => {
    server.enqueueBatch({ inProgressPolls: 3 });
    server.setResponder(() => reply.simulate());
    const { make } = await runner();
    const run = await make().run<Themes>('job-completed', 'cheap', [request('u1'), request('u2'), request('u3')]);
    expect(run.outcomes.map((o) => [o.customId, o.status])).toEqual([
      ['u1', 'ok'],
      ['u2', 'ok'],
      ['u3', 'ok'],
    ]);
    expect(run.batches).toEqual([expect.objectContaining({ status: 'completed', requests: 3, completed: 3, failed: 0 })]);
    expect(run.resumed).toBe(false);
    expect(server.batchCalls).toMatchObject({ uploads: 1, creates: 1, downloads: 1 });
    expect(server.batches[0].polls).toBeGreaterThanOrEqual(5);
    for (const o of run.outcomes) {
      if (o.status !== 'ok') throw new Error('expected ok');
      expect(isThemes(o.result.object)).toBe(true);
      expect(o.result.attempts).toHaveLength(1);
      expect(o.result.model).toBe('gpt-4o-mini');
      const tokens = { inputTokens: o.result.usage.inputTokens, cachedInputTokens: o.result.usage.cachedInputTokens, outputTokens: o.result.usage.outputTokens };
      expect(o.result.usage.costUsd).toBeCloseTo(costOf(tokens, PRICES['gpt-4o-mini'])! / 2, 12);
      expect(o.result.usage.calls).toBe(1);
    }
    expect(run.usage.calls).toBe(3);
  });

  it('repairs a line by the live rules (fences and prose around the JSON) and says so', async () => {
    server.enqueue(reply.fenced(valid));
    const { make } = await runner();
    const [o] = (await make().run<Themes>('job-repaired', 'cheap', [request('r1')])).outcomes;
    expect(o.status).toBe('ok');
    if (o.status === 'ok') {
      expect(o.result.object).toEqual(valid);
      expect(o.result.repaired).toBe(true);
      expect(o.result.attempts[0].detail).toMatch(/fences/);
    }
  });

  it('splits requests over several batches past maxRequestsPerBatch and returns them in request order', async () => {
    const cfg = loadConfig({ env: {}, cwd: '/nonexistent', overrides: { providers: { openai: { baseURL: server.baseURL } }, prices: PRICES, batch: { maxRequestsPerBatch: 2 } } });
    const state = new FileBatchStateStore(await mkdtemp(join(tmpdir(), 'hubgen-batches-')));
    const run = await createBatchRunner(cfg, { env: {}, logger, state, pollIntervalMs: 5 }).run('job-split', 'cheap', ['a', 'b', 'c', 'd', 'e'].map((id) => request(id)));
    expect(run.batches.map((b) => b.requests)).toEqual([2, 2, 1]);
    expect(run.outcomes.map((o) => [o.customId, o.status])).toEqual(['a', 'b', 'c', 'd', 'e'].map((id) => [id, 'ok']));
    expect(server.batchCalls).toMatchObject({ uploads: 3, creates: 3 });
  });

  it("bills a model's own configured batch prices instead of the discount", async () => {
    const cfg = loadConfig({ env: {}, cwd: '/nonexistent', overrides: { providers: { openai: { baseURL: server.baseURL } }, prices: PRICES, roles: { strong: { provider: 'openai', model: 'gpt-4o' } } } });
    const state = new FileBatchStateStore(await mkdtemp(join(tmpdir(), 'hubgen-batches-')));
    const [o] = (await createBatchRunner(cfg, { env: {}, logger, state, pollIntervalMs: 5 }).run('job-gpt4o', 'strong', [request('s1')])).outcomes;
    if (o.status !== 'ok') throw new Error('expected ok');
    const u = o.result.usage;
    expect(u.costUsd).toBeCloseTo((u.inputTokens! * 1 + u.outputTokens! * 4) / 1e6, 12);
  });
});

describe('a partially failed batch', () => {
  it('reports each bad line under its custom_id: request errors as failed, unusable answers as invalid with the live error', async () => {
    server.setResponder((req) => {
      const text = userText(req);
      if (text.includes('u-500')) return reply.serverError(500);
      if (text.includes('u-schema')) return reply.json({ pageTitle: 'x', themes: 'not a list' });
      if (text.includes('u-refusal')) return reply.refusal('I cannot help with that.');
      return reply.json(valid);
    });
    const { make } = await runner();
    const run = await make().run<Themes>('job-partial', 'cheap', ['u-ok', 'u-500', 'u-schema', 'u-refusal'].map((id) => request(id)));
    const [ok, failed, schema, refusal] = run.outcomes;
    expect(ok).toMatchObject({ customId: 'u-ok', status: 'ok' });
    expect(failed).toEqual({ customId: 'u-500', status: 'failed', code: 'server_error', message: expect.stringMatching(/scripted 500/), httpStatus: 500 });
    expect(schema.status).toBe('invalid');
    if (schema.status === 'invalid') {
      expect(StructuredOutputError.isInstance(schema.error)).toBe(true);
      expect(schema.error.stage).toBe('schema');
      expect(schema.error.usage.costUsd).toBeGreaterThan(0);
    }
    expect(refusal).toMatchObject({ status: 'invalid', error: { stage: 'refusal' } });
    expect(run.batches[0]).toMatchObject({ status: 'completed', completed: 3, failed: 1 });
    // Billed: the three answered lines, not the one that errored.
    expect(run.usage.calls).toBe(3);
  });
});

describe('an expired batch', () => {
  it('keeps the partial output and reports the unanswered requests as batch_expired', async () => {
    server.enqueueBatch({ outcome: 'expired', answered: 2 });
    const { make } = await runner();
    const run = await make().run<Themes>('job-expired', 'cheap', ['e1', 'e2', 'e3', 'e4'].map((id) => request(id)));
    expect(run.outcomes.map((o) => [o.customId, o.status, o.status === 'failed' ? o.code : ''])).toEqual([
      ['e1', 'ok', ''],
      ['e2', 'ok', ''],
      ['e3', 'failed', 'batch_expired'],
      ['e4', 'failed', 'batch_expired'],
    ]);
    expect(run.batches[0]).toMatchObject({ status: 'expired', completed: 2, failed: 2 });
    expect(server.requests).toHaveLength(2);
  });
});

describe('a failed batch', () => {
  it('reports every request as failed with the batch errors, none answered', async () => {
    server.enqueueBatch({ outcome: 'failed', errors: [{ code: 'token_limit_exceeded', message: 'Enqueued token limit reached for gpt-4o-mini.' }] });
    const { make } = await runner();
    const run = await make().run('job-failed', 'cheap', [request('f1'), request('f2')]);
    expect(run.outcomes).toEqual([
      { customId: 'f1', status: 'failed', code: 'token_limit_exceeded', message: expect.stringMatching(/failed: Enqueued token limit reached/) },
      { customId: 'f2', status: 'failed', code: 'token_limit_exceeded', message: expect.stringMatching(/Enqueued token limit/) },
    ]);
    expect(run.usage.calls).toBe(0);
    expect(server.requests).toHaveLength(0);
  });
});

describe('a restarted process', () => {
  it('resumes polling the batch still in flight instead of submitting it again', async () => {
    server.enqueueBatch({ inProgressPolls: 40 });
    const { make, state } = await runner();
    const requests = [request('r1'), request('r2')];
    const stop = new AbortController();
    const first = make().run('job-restart', 'cheap', requests, { signal: stop.signal });
    while ((server.batches[0]?.polls ?? 0) < 3) await new Promise((r) => setTimeout(r, 5));
    stop.abort(new Error('SIGTERM'));
    await expect(first).rejects.toThrow('SIGTERM');
    const saved = await state.get('job-restart');
    expect(saved?.chunks[0]).toMatchObject({ batchId: server.batches[0].id, customIds: ['r1', 'r2'] });

    const run = await make().run<Themes>('job-restart', 'cheap', requests); // a new runner: the restarted process
    expect(run.resumed).toBe(true);
    expect(run.outcomes.map((o) => o.status)).toEqual(['ok', 'ok']);
    expect(server.batchCalls).toMatchObject({ uploads: 1, creates: 1 });
    expect(server.batches).toHaveLength(1);
    expect(server.requests).toHaveLength(2);

    // Results already there are read again for free; forget() lets the key submit afresh.
    await make().run('job-restart', 'cheap', requests);
    expect(server.batchCalls.creates).toBe(1);
    await make().forget('job-restart');
    await make().run('job-restart', 'cheap', requests);
    expect(server.batchCalls.creates).toBe(2);
  });

  it('finds the batch a create created before its reply was lost, instead of creating a second one', async () => {
    let lostOne = false;
    const losing: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!lostOne && String(input).endsWith('/batches') && init?.method === 'POST') {
        lostOne = true;
        throw new TypeError('fetch failed: socket hang up');
      }
      return res;
    };
    const { make } = await runner({ fetch: losing });
    const run = await make().run('job-lost-reply', 'cheap', [request('l1')]);
    expect(run.outcomes[0].status).toBe('ok');
    expect(server.batchCalls).toMatchObject({ creates: 1, lists: 1 });
  });

  it('reuses an uploaded file when the create never reached the provider', async () => {
    let failCreate = true;
    const down: typeof fetch = async (input, init) => {
      if (failCreate && String(input).endsWith('/batches') && init?.method === 'POST') throw new TypeError('fetch failed: connect ECONNREFUSED');
      return fetch(input, init);
    };
    const { make } = await runner({ fetch: down });
    await expect(make().run('job-no-create', 'cheap', [request('n1')])).rejects.toThrow(/Connection error/); // the SDK's APIConnectionError
    failCreate = false;
    const run = await make().run('job-no-create', 'cheap', [request('n1')]);
    expect(run.outcomes[0].status).toBe('ok');
    expect(server.batchCalls).toMatchObject({ uploads: 1, creates: 1 });
  });

  it('refuses a job key already used for other requests, naming the record', async () => {
    const { make, state } = await runner();
    await make().run('job-reused', 'cheap', [request('a1')]);
    const err = await make()
      .run('job-reused', 'cheap', [request('a1', 'different prompt')])
      .catch((e: unknown) => e);
    expect(BatchStateMismatchError.isInstance(err)).toBe(true);
    expect((err as Error).message).toContain(state.pathOf('job-reused'));
    expect(server.batchCalls.creates).toBe(1);
  });
});

describe('cancel', () => {
  it('cancels a job still running; the waiting run reports its unrun lines as batch_cancelled', async () => {
    server.enqueueBatch({ inProgressPolls: 1000 });
    const { make } = await runner();
    const waiting = make().run('job-cancel', 'cheap', [request('c1'), request('c2')]);
    while ((server.batches[0]?.polls ?? 0) < 2) await new Promise((r) => setTimeout(r, 5));
    await make().cancel('job-cancel'); // another process, e.g. an operator's command
    const run = await waiting;
    expect(run.batches[0].status).toBe('cancelled');
    expect(run.outcomes.map((o) => (o.status === 'failed' ? o.code : o.status))).toEqual(['batch_cancelled', 'batch_cancelled']);
    expect(server.batchCalls.cancels).toBe(1);
  });
});

describe('requests the runner refuses', () => {
  it('duplicate custom_ids, and roles without a Batch API', async () => {
    const { make } = await runner();
    await expect(make().run('job-dup', 'cheap', [request('d'), request('d')])).rejects.toThrow(/custom_id "d" appears twice/);
    await expect(make().run('job-local', 'local', [request('x')])).rejects.toThrow(/kind "local", which has no Batch API/);
    expect(server.batchCalls.uploads).toBe(0);
  });
});
