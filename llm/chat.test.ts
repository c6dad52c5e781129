import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reply, startScriptedServer, type ScriptedServer } from './simulator/scripted-server.js';
import { createChatCall, type ChatCall } from './chat.js';
import { CallTimeoutError } from './errors/call-timeout-error.js';
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
