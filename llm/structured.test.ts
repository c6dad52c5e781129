import { getEventListeners } from 'node:events';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { themesSchema, type Themes } from '../phases/themes/schema.js';
import { judgeVerdictSchema } from '../phases/filter/schema.js';
import { pageSchema } from '../phases/assemble/schema.js';
import { reply, startScriptedServer, type ChatCompletionRequest, type ScriptedServer } from './simulator/scripted-server.js';
import { compileSchema } from '../base/ajv.js';
import { logprobConfidence } from './confidence/logprobs.js';
import { loadConfig, type HubgenConfig } from '../config/config.js';
import { costOf } from './cost.js';
import { RoleNotCallableError } from './errors/role-not-callable-error.js';
import { StructuredOutputError } from './errors/structured-output-error.js';
import { createModelRegistry, type ModelRegistryOptions } from './model-registry.js';
import type { GenerateStructuredOptions } from './registry.js';
import { countChatTokens } from './tokens.js';

// Every test drives the real ChatOpenAI client, through the registry, against the scripted server.
const logger = pino({ level: process.env.HUBGEN_TEST_LOG ?? 'silent' });
const PRICES = { 'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 }, 'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 } };

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

function configFor(provider: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): HubgenConfig {
  const { limits, ...rest } = provider as { limits?: object };
  return loadConfig({
    env: {},
    cwd: '/nonexistent-so-no-config-file-is-read',
    overrides: {
      providers: { openai: { baseURL: server.baseURL, ...rest, limits: { concurrency: 4, timeoutMs: 2000, maxRetries: 3, ...limits } } },
      prices: PRICES,
      ...extra,
    },
  });
}

function registry(config = configFor(), options: Partial<ModelRegistryOptions> = {}) {
  return createModelRegistry(config, { env: {}, logger, retryPolicy: { initialDelayMs: 5, maxDelayMs: 20, jitter: 0 }, ...options });
}

const messages = [
  { role: 'system', content: 'You plan grocery shopping hub pages as JSON.' },
  { role: 'user', content: 'The shopper buys spaghetti, basil, parmesan and sourdough every week.' },
] as const;
const request = { role: 'cheap', schema: themesSchema, schemaName: 'hubgen.themes.v1', messages } satisfies GenerateStructuredOptions<typeof themesSchema>;
const valid: Themes = {
  pageTitle: 'Your week in groceries',
  themes: [
    { id: 'pasta-night', kind: 'discovery', title: 'Pasta night', description: 'Spaghetti, basil and parmesan for a quick dinner.', concepts: ['spaghetti', 'basil'], categories: ['dry pasta'], departments: ['pantry'], confidence: 0.8 },
    { id: 'bakery', kind: 'discovery', title: 'Fresh bakery', description: 'Sourdough and rolls for the week ahead.', concepts: ['sourdough'], categories: ['bread'], departments: ['bakery'], confidence: 0.6 },
  ],
};
const isValid = compileSchema(themesSchema);

/** What the server billed for the calls it answered, priced like the config says. */
async function serverBill(model: keyof typeof PRICES, replies: { usage?: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens: number } } }[]) {
  return replies.reduce((sum, r) => sum + costOf({ inputTokens: r.usage!.prompt_tokens, cachedInputTokens: r.usage!.prompt_tokens_details?.cached_tokens ?? 0, outputTokens: r.usage!.completion_tokens }, PRICES[model])!, 0);
}

describe('result.object', () => {
  it('is the validated object when the first reply is valid', async () => {
    server.enqueue(reply.json(valid));
    const r = await registry().generateStructured(request);
    expect(r.object).toEqual(valid);
    expect(r.repaired).toBe(false);
    expect(r.attempts).toEqual([expect.objectContaining({ ok: true, repaired: false })]);
  });

  it('is repaired from a ```json fence with prose around it, and says so', async () => {
    server.enqueue(reply.fenced(valid));
    const r = await registry().generateStructured(request);
    expect(r.object).toEqual(valid);
    expect(r.repaired).toBe(true);
    expect(r.attempts).toHaveLength(1);
    expect(r.attempts[0].detail).toMatch(/fences/);
  });

  it('is repaired by coercing "0.8" to 0.8 and dropping unknown properties', async () => {
    const sloppy = { ...valid, extra: true, themes: valid.themes.map((t) => ({ ...t, confidence: String(t.confidence), note: 'x' })) };
    server.enqueue(reply.json(sloppy));
    const r = await registry().generateStructured(request);
    expect(r.object).toEqual(valid);
    expect(r.repaired).toBe(true);
  });

  it('is repaired from a truncated reply when closing the brackets still validates', async () => {
    // Cut inside the second theme: closing at the end of the first complete theme validates.
    const text = JSON.stringify(valid);
    const cut = text.indexOf('"bakery"') + 4;
    server.enqueue({ content: text.slice(0, cut), finishReason: 'length' });
    const r = await registry().generateStructured(request);
    expect(isValid(r.object)).toBe(true);
    expect(r.object.themes).toEqual([valid.themes[0]]);
    expect(r.repaired).toBe(true);
    expect(r.finishReason).toBe('length');
  });

  it('comes from a retry that carries the validator errors when the first reply fails the schema', async () => {
    const bad = { ...valid, themes: [{ ...valid.themes[0], id: 'Pasta Night!', confidence: 3 }] };
    server.enqueue(reply.json(bad), reply.json(valid));
    const r = await registry().generateStructured(request);
    expect(r.object).toEqual(valid);
    expect(r.attempts.map((a) => [a.ok, a.failure])).toEqual([[false, 'schema'], [true, undefined]]);
    const retry = server.requests[1].messages;
    expect(retry).toHaveLength(messages.length + 2);
    expect(retry.at(-2)).toMatchObject({ role: 'assistant', content: JSON.stringify(bad) });
    expect(retry.at(-1)!.content).toMatch(/\/themes\/0\/id must match pattern/);
    expect(retry.at(-1)!.content).toMatch(/\/themes\/0\/confidence must be <= 1/);
  });
});

describe('transport faults', () => {
  it('waits out a 429 for as long as Retry-After says (seconds), then succeeds', async () => {
    server.enqueue(reply.rateLimited({ retryAfterSeconds: 1 }), reply.json(valid));
    const t0 = performance.now();
    const r = await registry().generateStructured(request);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
    expect(r.object).toEqual(valid);
    expect(r.attempts.map((a) => a.failure ?? 'ok')).toEqual(['http', 'ok']);
    expect(r.attempts[0].detail).toMatch(/429/);
    expect(server.requests).toHaveLength(2);
  });

  it('honours retry-after-ms over a longer Retry-After', async () => {
    server.enqueue(reply.rateLimited({ retryAfterSeconds: 30, retryAfterMs: 40 }), reply.json(valid));
    const t0 = performance.now();
    await registry().generateStructured(request);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(35);
    expect(elapsed).toBeLessThan(5000);
  });

  it('retries a 500 and succeeds', async () => {
    server.enqueue(reply.serverError(500), reply.serverError(502), reply.json(valid));
    const r = await registry().generateStructured(request);
    expect(r.object).toEqual(valid);
    expect(r.attempts.map((a) => a.failure ?? 'ok')).toEqual(['http', 'http', 'ok']);
    expect(r.usage.calls).toBe(3);
  });

  it('times out a hung call, retries it and succeeds', async () => {
    server.enqueue(reply.hang(), reply.json(valid));
    const t0 = performance.now();
    const r = await registry(configFor({ limits: { timeoutMs: 300 } })).generateStructured(request);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(r.object).toEqual(valid);
    expect(r.attempts[0]).toMatchObject({ ok: false, failure: 'http' });
    expect(r.attempts[0].detail).toMatch(/timed out after 300 ms/);
  });

  it('gives up after maxRetries with a request-stage error that keeps every cause', async () => {
    server.setResponder(() => reply.serverError(503));
    const e = await registry(configFor({ limits: { maxRetries: 2 } })).generateStructured(request).catch((x) => x);
    server.setResponder(() => reply.simulate());
    expect(StructuredOutputError.isInstance(e)).toBe(true);
    expect(e.stage).toBe('request');
    expect(e.message).toMatch(/request kept failing/);
    expect(e.cause.errors).toHaveLength(3);
    expect(e.attempts).toHaveLength(3);
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a 400', async () => {
    server.enqueue({ status: 400, errorMessage: 'bad schema' }, reply.json(valid));
    const e = await registry().generateStructured(request).catch((x) => x);
    expect(e.stage).toBe('request');
    expect(e.message).toMatch(/bad schema/);
    expect(server.requests).toHaveLength(1);
  });

  it('leaves no abort listener on a run-long signal after calls, retries and limiter waits', async () => {
    const run = new AbortController();
    const r = registry(configFor({ limits: { concurrency: 1 } }));
    server.enqueue(reply.serverError(500), reply.json(valid));
    await Promise.all(Array.from({ length: 5 }, () => r.generateStructured({ ...request, signal: run.signal })));
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });

  it('stops at once, unwrapped, when the caller aborts', async () => {
    server.enqueue(reply.hang());
    const ac = new AbortController();
    const reason = new Error('user cancelled');
    setTimeout(() => ac.abort(reason), 100);
    await expect(registry().generateStructured({ ...request, signal: ac.signal })).rejects.toBe(reason);
    expect(server.requests).toHaveLength(1);
  });
});

describe('StructuredOutputError', () => {
  it('names a refusal, without retrying it', async () => {
    server.enqueue(reply.refusal('I cannot plan that page.'));
    const e = await registry().generateStructured(request).catch((x) => x);
    expect(StructuredOutputError.isInstance(e)).toBe(true);
    expect(e.stage).toBe('refusal');
    expect(e.finishReason).toBe('refusal');
    expect(e.text).toBe('I cannot plan that page.');
    expect(e.message).toMatch(/refusal/);
    expect(server.requests).toHaveLength(1);
  });

  it('names a content-filter block', async () => {
    server.enqueue(reply.contentFilter());
    const e = await registry().generateStructured(request).catch((x) => x);
    expect(e.stage).toBe('content_filter');
    expect(e.finishReason).toBe('content_filter');
  });

  it('names persistent length truncation and carries the last text and summed usage', async () => {
    server.enqueue(reply.truncated(valid, 0.1), reply.truncated(valid, 0.15));
    const e = await registry().generateStructured(request).catch((x) => x);
    expect(e.stage).toBe('length');
    expect(e.message).toMatch(/cut off/);
    expect(e.text).toBe(JSON.stringify(valid).slice(0, Math.floor(JSON.stringify(valid).length * 0.15)));
    expect(e.usage.calls).toBe(2);
    expect(e.usage.outputTokens).toBeGreaterThan(0);
    expect(server.requests[1].messages.at(-1)!.content).toMatch(/cut off/);
  });

  it('names persistent schema failure and carries the ajv errors as cause', async () => {
    server.enqueue(reply.json({ pageTitle: 'x', themes: [] }), reply.json({ pageTitle: 'y', themes: [] }));
    const e = await registry().generateStructured(request).catch((x) => x);
    expect(e.stage).toBe('schema');
    expect(e.message).toMatch(/failed the schema.*\/pageTitle must NOT have fewer than 3 characters/);
    expect(Array.isArray(e.cause)).toBe(true);
    expect(e.cause.map((x: { instancePath: string }) => x.instancePath)).toContain('/themes');
  });

  it('names "not JSON" separately from "failed the schema"', async () => {
    server.enqueue(reply.text('Sure, I would suggest a pasta theme.'), reply.text('Pasta theme!'));
    const e = await registry().generateStructured(request).catch((x) => x);
    expect(e.stage).toBe('not-json');
    expect(e.message).toMatch(/was not JSON/);
    expect(e.text).toBe('Pasta theme!');
  });

  it('honours a larger maxValidationRetries', async () => {
    server.enqueue(reply.text('no'), reply.text('still no'), reply.json(valid));
    const r = await registry(configFor(), { maxValidationRetries: 2 }).generateStructured(request);
    expect(r.attempts).toHaveLength(3);
    expect(r.object).toEqual(valid);
  });
});

describe('result.usage', () => {
  it('sums every attempt and equals the server-reported tokens × prices, cached input included', async () => {
    server.enqueue({ ...reply.json({ pageTitle: 'no' }), cachedTokens: 7 }, { ...reply.json(valid), cachedTokens: 12 });
    const billed: unknown[] = [];
    const spy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      billed.push(await res.clone().json());
      return res;
    };
    const r = await registry(configFor(), { fetch: spy }).generateStructured(request);
    const replies = billed as Parameters<typeof serverBill>[1];
    expect(r.usage.calls).toBe(2);
    expect(r.usage.inputTokens).toBe(replies[0].usage!.prompt_tokens + replies[1].usage!.prompt_tokens);
    expect(r.usage.cachedInputTokens).toBe(19);
    expect(r.usage.outputTokens).toBe(replies[0].usage!.completion_tokens + replies[1].usage!.completion_tokens);
    expect(r.usage.costUsd).toBeCloseTo(await serverBill('gpt-4o-mini', replies), 12);
    expect(r.warnings).toEqual([]);
  });

  it('prices the strong role at its own model price', async () => {
    server.enqueue(reply.json(valid));
    const r = await registry().generateStructured({ ...request, role: 'strong' });
    const [body] = server.requests;
    const prompt = countChatTokens(body.messages as never);
    expect(r.model).toBe('gpt-4o');
    expect(r.usage.inputTokens).toBe(prompt);
    expect(r.usage.costUsd).toBeCloseTo((prompt * 2.5 + r.usage.outputTokens! * 10) / 1e6, 12);
  });

  it('is estimated with the tokenizer, with a warning, when the server reports none', async () => {
    server.enqueue({ ...reply.json(valid), usage: false });
    const r = await registry().generateStructured(request);
    expect(r.usage.inputTokens).toBe(countChatTokens(messages));
    expect(r.usage.outputTokens).toBeGreaterThan(20);
    expect(r.usage.costUsd).toBeGreaterThan(0);
    expect(r.warnings.join(' ')).toMatch(/no token usage.*estimated/);
  });

  it('has an undefined cost and one warning when the model has no price', async () => {
    server.enqueue(reply.json({ pageTitle: 'no' }), reply.json(valid));
    const cfg = configFor({}, { roles: { cheap: { provider: 'openai', model: 'llama-3.1-8b-instruct' } } });
    const lines: string[] = [];
    const capture = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const reg = registry(cfg, { logger: capture });
    const r = await reg.generateStructured(request);
    expect(r.usage.costUsd).toBeUndefined();
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.warnings.filter((w) => /no price/.test(w))).toHaveLength(1);
    // A second call warns in its result again, but the log says it only once per registry.
    server.enqueue(reply.json(valid));
    expect((await reg.generateStructured(request)).warnings.join(' ')).toMatch(/no price.*llama-3\.1-8b-instruct/);
    expect(lines.filter((l) => l.includes('no price configured'))).toHaveLength(1);
  });
});

describe('provider capabilities', () => {
  it('without structured outputs, asks for json_object and puts the schema in the prompt', async () => {
    const r = await registry(configFor({ structuredOutputs: false })).generateStructured(request);
    const body = server.requests[0];
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body.messages[0].content).toMatch(/validates against this JSON Schema/);
    expect(body.messages[0].content).toContain('"pageTitle"');
    expect(isValid(r.object)).toBe(true);
  });

  it('sends strict: false with a warning for a schema outside the strict subset', async () => {
    const r = await registry().generateStructured({ ...request, schema: pageSchema, schemaName: 'page' });
    expect(server.requests[0].response_format?.json_schema?.strict).toBe(false);
    expect(r.warnings.join(' ')).toMatch(/strict: false/);
    expect(compileSchema(pageSchema)(r.object)).toBe(true);
  });

  it('rejects an empty message list before calling anyone', async () => {
    await expect(registry().generateStructured({ ...request, messages: [] })).rejects.toThrow(/at least one message/);
    expect(server.requests).toHaveLength(0);
  });

  it('treats a role on an unknown-kind provider as not callable', async () => {
    const cfg = configFor({}, { providers: { openai: { baseURL: server.baseURL }, rerank: { kind: 'http-rerank', baseURL: 'http://127.0.0.1:1' } }, roles: { judge: { provider: 'rerank', model: 'r' } } });
    const e = await registry(cfg).generateStructured({ ...request, role: 'judge', schema: judgeVerdictSchema }).catch((x) => x);
    expect(RoleNotCallableError.isInstance(e)).toBe(true);
  });
});

describe('provider limits', () => {
  it('holds the concurrency limit across every role on the provider under a burst', async () => {
    server.setResponder(() => ({ ...reply.json(valid), latencyMs: 40 }));
    const r = registry(configFor({ limits: { concurrency: 3 } }));
    const roles = ['cheap', 'strong', 'judge', 'teacher'] as const;
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => r.generateStructured({ ...request, role: roles[i % 4] })));
    server.setResponder(() => reply.simulate());
    expect(results.every((x) => isValid(x.object))).toBe(true);
    expect(server.requests).toHaveLength(16);
    expect(server.maxInFlight).toBeLessThanOrEqual(3);
    expect(server.maxInFlight).toBeGreaterThanOrEqual(2); // it did run calls side by side
  });

  it('spaces requests by the requests-per-minute limit', async () => {
    const starts: number[] = [];
    server.setResponder(() => {
      starts.push(performance.now());
      return reply.json(valid);
    });
    // 120/min = a one-second burst of 2, then one every 500 ms.
    const r = registry(configFor({ limits: { concurrency: 20, requestsPerMinute: 120 } }));
    await Promise.all(Array.from({ length: 5 }, () => r.generateStructured(request)));
    server.setResponder(() => reply.simulate());
    starts.sort((a, b) => a - b);
    // Granted at 0, 0, 500, 1000, 1500 ms; arrival times at the server may jitter by a scheduling slice or two.
    expect(starts[4] - starts[2]).toBeGreaterThanOrEqual(800);
    expect(starts[4] - starts[0]).toBeGreaterThanOrEqual(1200);
  });
});

describe('tokens-per-minute', () => {
  it('reserves each call\'s estimated tokens (at least maxOutputTokens) before it starts', async () => {
    const starts: number[] = [];
    // No usage reported, so no refunds: each call keeps its whole reservation.
    server.setResponder(() => {
      starts.push(performance.now());
      return { ...reply.json(valid), usage: false };
    });
    const roles = { cheap: { provider: 'openai', model: 'gpt-4o-mini', maxOutputTokens: 1000 } };
    // 120k/min = 2 tokens/ms with a 2000-token burst; 4 calls of > 1000 tokens need > 1 s.
    const limited = registry(configFor({ limits: { concurrency: 10, tokensPerMinute: 120_000 } }, { roles }));
    await Promise.all(Array.from({ length: 4 }, () => limited.generateStructured(request)));
    starts.sort((a, b) => a - b);
    const limitedSpread = starts[3] - starts[0];
    expect(limitedSpread).toBeGreaterThanOrEqual(900);

    starts.length = 0;
    const unlimited = registry(configFor({ limits: { concurrency: 10 } }, { roles }));
    await Promise.all(Array.from({ length: 4 }, () => unlimited.generateStructured(request)));
    server.setResponder(() => reply.simulate());
    starts.sort((a, b) => a - b);
    expect(starts[3] - starts[0]).toBeLessThan(limitedSpread - 300);
  });
});

describe('scripted requests', () => {
  it('records what ChatOpenAI really sent', async () => {
    server.enqueue(reply.json(valid));
    await registry(configFor({}, { roles: { cheap: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.3, maxOutputTokens: 900 } } })).generateStructured(request);
    const body: ChatCompletionRequest = server.requests[0];
    expect(body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.3, max_tokens: 900, stream: false });
  });
});

describe('early abort', () => {
  // A reply long enough that stopping a quarter of the way in is worth it.
  const long: Themes = {
    pageTitle: 'Your week in groceries',
    themes: Array.from({ length: 10 }, (_, i) => ({ ...valid.themes[0], id: `theme-${i}`, title: `Weeknight dinners ${i}` })),
  };
  const earlyRequest: GenerateStructuredOptions = { ...request, earlyAbort: { expectedOutputTokens: 600 } };

  it('stops a reply nothing could save, retries with the reason, and records the saving', async () => {
    server.enqueue(reply.goesInvalid(long, { after: 0.25, streamDelayMs: 2 }), reply.json(valid));
    const r = await registry().generateStructured(earlyRequest);
    expect(r.object).toEqual(valid);
    expect(server.requests[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(r.attempts).toHaveLength(2);
    const [stopped, good] = r.attempts;
    expect(stopped).toMatchObject({ ok: false, failure: 'schema', earlyAbort: { path: '/themes/2', reason: 'expected a property name after ",", got "@"', savedAgainst: 'expected' } });
    expect(stopped.detail).toMatch(/^reply stopped early at character \d+: \/themes\/2 expected a property name after ",", got "@"; about \d+ output tokens not generated$/);
    expect(stopped.usage.savedOutputTokens).toBe(600 - stopped.earlyAbort!.outputTokens);
    expect(good.usage.savedOutputTokens).toBeUndefined();
    expect(r.usage.savedOutputTokens).toBe(stopped.usage.savedOutputTokens);
    // The retry carries what went wrong, after the partial reply.
    const retry = server.requests[1].messages;
    expect(retry.at(-2)).toMatchObject({ role: 'assistant', content: expect.stringContaining('@') });
    expect(retry.at(-1)!.content).toMatch(/stopped matching the required JSON Schema part-way and was cut off: \/themes\/2 expected a property name/);
    await vi.waitFor(() => expect(server.streams[0].closedEarly).toBe(true));
    expect(server.streams[0].sentTokens).toBeLessThan(server.streams[0].plannedTokens / 2);
  });

  it('fails like a schema failure when every reply is stopped, with the attempts and summed usage', async () => {
    server.enqueue(reply.goesInvalid(long, { after: 0.2, streamDelayMs: 2 }), reply.goesInvalid(long, { after: 0.5, streamDelayMs: 2 }));
    const e = await registry().generateStructured(earlyRequest).catch((x) => x);
    expect(StructuredOutputError.isInstance(e)).toBe(true);
    expect(e.stage).toBe('schema');
    expect(e.attempts.map((a: { earlyAbort?: unknown }) => Boolean(a.earlyAbort))).toEqual([true, true]);
    expect(e.usage.savedOutputTokens).toBe(e.attempts[0].usage.savedOutputTokens + e.attempts[1].usage.savedOutputTokens);
    expect(e.usage.outputTokens).toBe(e.attempts[0].earlyAbort.outputTokens + e.attempts[1].earlyAbort.outputTokens);
  });

  it('lets a reply the repairs can fix stream to the end', async () => {
    // An unknown property and a numeric string: both repaired after the reply, so neither is stopped.
    const fixable = { ...valid, note: 'extra', themes: valid.themes.map((t) => ({ ...t, confidence: String(t.confidence) })) };
    server.enqueue(reply.json(fixable, { streamDelayMs: 1 }));
    const r = await registry().generateStructured(earlyRequest);
    expect(r.object).toEqual(valid);
    expect(r.repaired).toBe(true);
    expect(r.attempts).toHaveLength(1);
    expect(server.streams[0]).toMatchObject({ finished: true, closedEarly: false });
  });

  it('reads usage from the stream as reported when nothing is stopped', async () => {
    server.enqueue(reply.json(valid, { cachedTokens: 4 }));
    const r = await registry().generateStructured({ ...request, earlyAbort: true });
    const [body] = server.requests;
    expect(r.usage).toMatchObject({ inputTokens: countChatTokens(body.messages as never), cachedInputTokens: 4, calls: 1 });
    expect(r.warnings).toEqual([]);
  });
});

describe('result.logprobs', () => {
  it('carries the reply text and tokens, streamed or not, and is absent unless asked for', async () => {
    server.enqueue(reply.json(valid), reply.json(valid), reply.json(valid));
    const plain = await registry().generateStructured({ ...request, logprobs: true });
    expect(plain.logprobs!.tokens.map((t) => t.token).join('')).toBe(plain.logprobs!.text);
    expect(JSON.parse(plain.logprobs!.text)).toEqual(valid);
    const streamed = await registry().generateStructured({ ...request, logprobs: { top: 3 }, earlyAbort: true });
    expect(streamed.logprobs!.tokens.map((t) => t.token).join('')).toBe(streamed.logprobs!.text);
    expect(server.requests[1]).toMatchObject({ logprobs: true, top_logprobs: 3, stream: true });
    expect((await registry().generateStructured(request)).logprobs).toBeUndefined();
  });

  it('gives a lower value-token confidence to an uncertain reply, through the real client', async () => {
    server.enqueue(reply.json(valid), reply.uncertain(valid));
    const sure = await registry().generateStructured({ ...request, logprobs: true });
    const unsure = await registry().generateStructured({ ...request, logprobs: true });
    const a = logprobConfidence(sure.logprobs!.tokens, sure.logprobs!.text);
    const b = logprobConfidence(unsure.logprobs!.tokens, unsure.logprobs!.text);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.confidence).toBeGreaterThan(0.6);
    expect(b.confidence).toBeLessThan(0.45);
    expect(a.valueTokens).toBe(b.valueTokens);
  });
});

describe('constrained-decoding dialects', () => {
  it('sends the schema as vLLM structured_outputs, drops what the provider says it ignores, and warns once per keyword', async () => {
    const config = configFor({ constrainedDecoding: { dialect: 'vllm', unsupportedKeywords: ['pattern', 'maxLength'] } });
    server.enqueue(reply.json({ ...valid, themes: [{ ...valid.themes[0], id: 'Not A Slug' }] }), reply.json(valid));
    const r = await registry(config).generateStructured(request);
    const body = server.requests[0];
    expect(body.response_format).toBeUndefined();
    const sent = JSON.stringify((body.structured_outputs as { json: object }).json);
    expect(sent).not.toMatch(/"pattern"|"maxLength"/);
    expect(sent).toContain('"minLength"');
    expect(r.warnings.filter((w) => /does not enforce/.test(w))).toEqual([
      'schema hubgen.themes.v1: provider "openai" does not enforce "maxLength" (at /properties/pageTitle, /properties/themes/items/properties/title, /properties/themes/items/properties/description, +3 more); dropped from the schema sent, still validated on the reply',
      'schema hubgen.themes.v1: provider "openai" does not enforce "pattern" (at /properties/themes/items/properties/id); dropped from the schema sent, still validated on the reply',
    ]);
    // ajv still holds the original: the id that breaks the dropped pattern was rejected and retried.
    expect(r.attempts.map((a) => a.failure ?? 'ok')).toEqual(['schema', 'ok']);
    expect(r.attempts[0].detail).toMatch(/\/themes\/0\/id must match pattern/);
  });

  it('keeps every keyword in a schema that goes into the prompt (structuredOutputs off), and warns about none', async () => {
    server.enqueue(reply.json(valid));
    const r = await registry(configFor({ structuredOutputs: false, constrainedDecoding: { dialect: 'vllm', unsupportedKeywords: ['maxLength'] } })).generateStructured(request);
    expect(server.requests[0].messages[0].content).toContain('"maxLength":90');
    expect(server.requests[0].structured_outputs).toBeUndefined();
    expect(r.warnings.some((w) => /does not enforce/.test(w))).toBe(false);
  });

  it('sends the schema where llama.cpp and older vLLM read it, and keeps OpenAI requests as they were', async () => {
    server.setResponder(() => reply.simulate());
    await registry(configFor({ constrainedDecoding: { dialect: 'llama.cpp' } })).generateStructured(request);
    await registry(configFor({ constrainedDecoding: { dialect: 'vllm-guided' } })).generateStructured(request);
    await registry(configFor()).generateStructured(request);
    expect(server.requests[0].json_schema).toMatchObject({ type: 'object', required: ['pageTitle', 'themes'] });
    expect(server.requests[1].guided_json).toMatchObject({ type: 'object' });
    expect(server.requests[2].response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'hubgen_themes_v1', strict: true } });
    for (const k of ['json_schema', 'guided_json', 'structured_outputs']) expect(server.requests[2][k]).toBeUndefined();
  });
});
