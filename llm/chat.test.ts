import { getEventListeners } from 'node:events';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { themesSchema, type Themes } from '../phases/themes/schema.js';
import { reply, startScriptedServer, type ScriptedServer } from './simulator/scripted-server.js';
import { createChatCall, type ChatCall } from './chat.js';
import { CallTimeoutError } from './errors/call-timeout-error.js';
import { createPrefixChecker } from './stream-check/prefix-checker.js';
import { countChatTokens, countTokens } from './tokens.js';

let server: ScriptedServer;
let chat: ChatCall;
beforeAll(async () => {
  server = await startScriptedServer();
  chat = createChatCall({ model: 'gpt-4o-mini', apiKey: 'test', baseURL: server.baseURL, temperature: 0, maxOutputTokens: 300 });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const messages = [{ role: 'user', content: 'Name one pasta shape.' }] as const;

describe('createChatCall', () => {
  it('returns the raw text, finish reason, model and reported usage with cached tokens', async () => {
    server.enqueue(reply.text('```json\n{"shape": "penne"}\n```', { cachedTokens: 3 }));
    const r = await chat({ messages, timeoutMs: 5000 });
    expect(r.text).toBe('```json\n{"shape": "penne"}\n```');
    expect(r.finishReason).toBe('stop');
    expect(r.responseModel).toBe('gpt-4o-mini');
    expect(r.tokens).toEqual({ inputTokens: countChatTokens(messages), cachedInputTokens: 3, outputTokens: countTokens('```json\n{"shape": "penne"}\n```') });
    expect(server.requests[0]).toMatchObject({ temperature: 0, max_tokens: 300, stream: false });
  });

  it('keeps a truncated json_schema reply instead of throwing like the SDK parse() would', async () => {
    server.enqueue(reply.truncated({ shape: 'penne rigate', sauce: 'arrabbiata' }, 0.5));
    const r = await chat({ messages, timeoutMs: 5000, responseFormat: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema: { type: 'object' } } } });
    expect(r.finishReason).toBe('length');
    expect(r.text.length).toBeGreaterThan(5);
    expect(server.requests[0].response_format).toEqual({ type: 'json_schema', json_schema: { name: 'x', strict: true, schema: { type: 'object' } } });
  });

  it('surfaces a refusal and a content filter as finish reasons', async () => {
    server.enqueue(reply.refusal('Not that.'), reply.contentFilter());
    const refused = await chat({ messages, timeoutMs: 5000 });
    expect(refused).toMatchObject({ refusal: 'Not that.', finishReason: 'refusal', text: '' });
    expect((await chat({ messages, timeoutMs: 5000 })).finishReason).toBe('content_filter');
  });

  it('leaves tokens undefined when the server reports no usage', async () => {
    server.enqueue(reply.text('penne', { usage: false }));
    expect((await chat({ messages, timeoutMs: 5000 })).tokens).toBeUndefined();
  });

  it('throws a CallTimeoutError past the per-call timeout', async () => {
    server.enqueue(reply.hang());
    const e = await chat({ messages, timeoutMs: 150 }).catch((x) => x);
    expect(CallTimeoutError.isInstance(e)).toBe(true);
    expect(e.timeoutMs).toBe(150);
  });

  it("rethrows the caller's abort reason, not a timeout", async () => {
    server.enqueue(reply.hang());
    const ac = new AbortController();
    const reason = new Error('cancelled by user');
    setTimeout(() => ac.abort(reason), 50);
    await expect(chat({ messages, timeoutMs: 5000, signal: ac.signal })).rejects.toBe(reason);
  });

  it('leaves no listener behind on a long-lived caller signal', async () => {
    const run = new AbortController();
    for (let i = 0; i < 20; i++) await chat({ messages, timeoutMs: 5000, signal: run.signal });
    server.enqueue(reply.serverError(500));
    await chat({ messages, timeoutMs: 5000, signal: run.signal }).catch(() => undefined);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });

  it('passes HTTP errors through with their status and headers for the retry layer', async () => {
    server.enqueue(reply.rateLimited({ retryAfterSeconds: 3 }));
    const e = await chat({ messages, timeoutMs: 5000 }).catch((x) => x);
    expect(e.status).toBe(429);
    expect(e.headers.get('retry-after')).toBe('3');
  });
});

describe('createChatCall with logprobs', () => {
  it('asks for logprobs (and top alternatives) and returns the per-token list spelling the text', async () => {
    server.enqueue(reply.json({ shape: 'penne', sauce: 'arrabbiata' }));
    const r = await chat({ messages, timeoutMs: 5000, logprobs: { top: 2 } });
    expect(server.requests[0]).toMatchObject({ logprobs: true, top_logprobs: 2 });
    expect(r.logprobs!.map((l) => l.token).join('')).toBe(r.text);
    expect(r.logprobs!.every((l) => l.logprob <= 0 && l.topLogprobs?.length === 2 && Array.isArray(l.bytes))).toBe(true);
  });

  it('sends no logprobs field and returns none unless asked', async () => {
    server.enqueue(reply.text('penne'));
    const r = await chat({ messages, timeoutMs: 5000 });
    expect(server.requests[0].logprobs).toBeUndefined();
    expect(r.logprobs).toBeUndefined();
  });
});

describe('createChatCall streaming', () => {
  const doc: Themes = {
    pageTitle: 'Your week in groceries',
    themes: Array.from({ length: 8 }, (_, i) => ({
      id: `theme-${i}`,
      kind: 'discovery' as const,
      title: `Weeknight dinners ${i}`,
      description: 'Quick pasta, fresh basil and parmesan for busy evenings at home.',
      concepts: ['spaghetti', 'basil', 'parmesan'],
      categories: ['dry pasta', 'fresh herbs'],
      departments: ['pantry', 'produce'],
      confidence: 0.8,
    })),
  };
  const text = JSON.stringify(doc);
  afterEach(() => vi.restoreAllMocks());

  it('reassembles the streamed text with the server-reported usage, finish reason and model, and downloads no tokenizer', async () => {
    // LangChain counts streamed tokens with a tokenizer it fetches (with the global fetch) unless
    // usage comes from the server. The client gets its own fetch, so any global fetch is a download.
    const realFetch = globalThis.fetch;
    const globalFetch = vi.spyOn(globalThis, 'fetch');
    const seen: string[] = [];
    const recording: typeof fetch = (input, init) => {
      seen.push(String(input instanceof Request ? input.url : input));
      return realFetch(input, init);
    };
    const streaming = createChatCall({ model: 'gpt-4o-mini', apiKey: 'test', baseURL: server.baseURL, maxOutputTokens: 2000, fetch: recording });
    server.enqueue(reply.json(doc, { cachedTokens: 2 }));
    const r = await streaming({ messages, timeoutMs: 5000, stream: {} });
    expect(r).toMatchObject({ text, finishReason: 'stop', responseModel: 'gpt-4o-mini', refusal: undefined });
    expect(r.tokens).toEqual({ inputTokens: countChatTokens(messages), cachedInputTokens: 2, outputTokens: countTokens(text) });
    expect(server.requests[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(seen).toEqual([`${server.baseURL}/chat/completions`]);
    expect(globalFetch).not.toHaveBeenCalled();
  });

  it('collects logprobs across chunks and surfaces a streamed refusal', async () => {
    server.enqueue(reply.json(doc), reply.refusal('Not that.'));
    const r = await chat({ messages, timeoutMs: 5000, stream: {}, logprobs: {} });
    expect(r.logprobs!.map((l) => l.token).join('')).toBe(text);
    expect(r.logprobs).toHaveLength(countTokens(text));
    const refused = await chat({ messages, timeoutMs: 5000, stream: {} });
    expect(refused).toMatchObject({ refusal: 'Not that.', finishReason: 'refusal', text: '' });
  });

  it('stops at the first impossible character, and the server stops sending', async () => {
    server.enqueue(reply.goesInvalid(doc, { after: 0.25, streamDelayMs: 3 }));
    const broken = text.slice(0, text.indexOf(',', Math.floor(text.length * 0.25)) + 1) + '@';
    const r = await chat({ messages, timeoutMs: 5000, stream: { createChecker: () => createPrefixChecker(themesSchema), expectedOutputTokens: countTokens(text) }, logprobs: {} });
    expect(r.finishReason).toBe('aborted');
    expect(r.text.startsWith(broken)).toBe(true);
    expect(r.earlyAbort).toMatchObject({ offset: broken.length - 1, path: '/themes/1/departments/1', reason: '"@" cannot start a JSON value', savedAgainst: 'expected' });
    // Tokens received are the logprob entries; the saving is what the whole document would have cost beyond them.
    expect(r.earlyAbort!.outputTokens).toBe(r.logprobs!.length);
    expect(r.earlyAbort!.estimatedTokensSaved).toBe(countTokens(text) - r.earlyAbort!.outputTokens);
    expect(r.tokens).toEqual({ inputTokens: countChatTokens(messages), cachedInputTokens: 0, outputTokens: r.earlyAbort!.outputTokens });
    await vi.waitFor(() => expect(server.streams[0].closedEarly).toBe(true));
    const sent = server.streams[0];
    expect(sent.sentTokens).toBeLessThan(sent.plannedTokens * 0.5);
    expect(sent.sentTokens - r.earlyAbort!.outputTokens).toBeLessThanOrEqual(6); // at most a chunk or two in flight
  });

  it('estimates the saving against maxOutputTokens when no expected length is given', async () => {
    server.enqueue(reply.goesInvalid(doc, { after: 0.1, streamDelayMs: 3 }));
    const r = await chat({ messages, timeoutMs: 5000, stream: { createChecker: () => createPrefixChecker(themesSchema) } });
    expect(r.earlyAbort).toMatchObject({ savedAgainst: 'maxOutputTokens', estimatedTokensSaved: 300 - r.earlyAbort!.outputTokens });
    expect(r.earlyAbort!.outputTokens).toBe(countTokens(r.text));
  });

  it('times out a stream that stalls part-way with a CallTimeoutError', async () => {
    server.enqueue(reply.json(doc, { streamDelayMs: 400 }));
    const e = await chat({ messages, timeoutMs: 200, stream: {} }).catch((x) => x);
    expect(CallTimeoutError.isInstance(e)).toBe(true);
  });
});

describe('createChatCall extraBody', () => {
  it('merges fields outside the OpenAI API into the request body, streamed or not', async () => {
    server.enqueue(reply.json({ a: 1 }), reply.json({ a: 1 }));
    await chat({ messages, timeoutMs: 5000, extraBody: { structured_outputs: { json: { type: 'object' } } } });
    await chat({ messages, timeoutMs: 5000, extraBody: { json_schema: { type: 'object' } }, stream: {} });
    expect(server.requests[0].structured_outputs).toEqual({ json: { type: 'object' } });
    expect(server.requests[1]).toMatchObject({ stream: true, json_schema: { type: 'object' } });
    expect(server.requests[0].response_format).toBeUndefined();
  });
});
