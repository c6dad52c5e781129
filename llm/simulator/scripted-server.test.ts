import { OpenAIEmbeddings } from '@langchain/openai';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { compileSchema } from '../../base/ajv.js';
import { countChatTokens, countTokens } from '../tokens.js';
import { reply, startScriptedServer, type ScriptedServer } from './scripted-server.js';

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const post = (path: string, body: unknown) => fetch(`${server.baseURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const jsonOf = async (res: Response | Promise<Response>): Promise<any> => (await res).json();
const messages = [
  { role: 'system', content: 'You write grocery page themes.' },
  { role: 'user', content: 'The shopper loves tortillas, salsa, avocados and black beans.' },
];
const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'score'],
  properties: { title: { type: 'string', minLength: 3, maxLength: 40 }, score: { type: 'number', minimum: 0, maximum: 1 } },
};

describe('startScriptedServer', () => {
  it('listens on 127.0.0.1 and serves the model list', async () => {
    expect(server.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const res = await fetch(`${server.baseURL}/models`);
    const body = await jsonOf(res);
    expect(body.data.map((m: { id: string }) => m.id)).toContain('gpt-4o-mini');
  });

  it('answers queued replies in order and records each request body', async () => {
    server.enqueue(reply.json({ n: 1 }), reply.text('second'));
    const a = await jsonOf(post('/chat/completions', { model: 'm', messages }));
    const b = await jsonOf(post('/chat/completions', { model: 'm', messages }));
    expect(a.choices[0].message.content).toBe('{"n":1}');
    expect(b.choices[0].message.content).toBe('second');
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0].messages).toEqual(messages);
  });

  it('reports prompt tokens counted from the real messages and completion tokens of the reply', async () => {
    server.enqueue(reply.text('Taco Tuesday', { cachedTokens: 5 }));
    const body = await jsonOf(post('/chat/completions', { model: 'm', messages }));
    expect(body.usage.prompt_tokens).toBe(countChatTokens(messages as never));
    expect(body.usage.completion_tokens).toBe(countTokens('Taco Tuesday'));
    expect(body.usage.prompt_tokens_details.cached_tokens).toBe(5);
  });

  it('in simulation mode answers with a schema-valid, deterministic object drawn from the prompt', async () => {
    const req = { model: 'm', messages, response_format: { type: 'json_schema', json_schema: { name: 't', strict: true, schema } } };
    const first = JSON.parse((await jsonOf(post('/chat/completions', req))).choices[0].message.content);
    const again = JSON.parse((await jsonOf(post('/chat/completions', req))).choices[0].message.content);
    expect(compileSchema(schema)(first)).toBe(true);
    expect(again).toEqual(first);
    const promptWords = new Set(messages.map((m) => m.content).join(' ').toLowerCase().match(/[a-z]+/g));
    for (const w of first.title.split(' ')) expect(promptWords.has(w.replace(/x+$/, '')) || w.length === 0).toBe(true);
  });

  it('finds the schema in the prompt for json_object mode', async () => {
    const withSchema = [...messages, { role: 'user', content: `Reply with JSON matching:\n\`\`\`json\n${JSON.stringify(schema)}\n\`\`\`` }];
    const body = await jsonOf(post('/chat/completions', { model: 'm', messages: withSchema, response_format: { type: 'json_object' } }));
    expect(compileSchema(schema)(JSON.parse(body.choices[0].message.content))).toBe(true);
  });

  it('scripts faults: 429 with Retry-After, 500, refusal, content_filter, truncation, no usage', async () => {
    server.enqueue(reply.rateLimited({ retryAfterSeconds: 2 }), reply.serverError(503), reply.refusal('No.'), reply.contentFilter(), reply.truncated({ a: [1, 2, 3] }, 0.5), reply.text('x', { usage: false }));
    const r429 = await post('/chat/completions', { model: 'm', messages });
    expect(r429.status).toBe(429);
    expect(r429.headers.get('retry-after')).toBe('2');
    expect((await jsonOf(r429)).error.type).toBe('rate_limit_exceeded');
    expect((await post('/chat/completions', { model: 'm', messages })).status).toBe(503);
    const refusal = await jsonOf(post('/chat/completions', { model: 'm', messages }));
    expect(refusal.choices[0].message).toMatchObject({ content: null, refusal: 'No.' });
    expect((await jsonOf(post('/chat/completions', { model: 'm', messages }))).choices[0].finish_reason).toBe('content_filter');
    const cut = await jsonOf(post('/chat/completions', { model: 'm', messages }));
    expect(cut.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: '{"a":[1,2,3]}'.slice(0, 6) } });
    expect((await jsonOf(post('/chat/completions', { model: 'm', messages }))).usage).toBeUndefined();
  });

  it('lists as answered only the requests whose whole 200 reply was sent: not an error, not one whose client went away', async () => {
    server.enqueue(reply.json({ n: 1 }), reply.serverError(500), { ...reply.json({ n: 3 }), latencyMs: 2000 });
    await post('/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'one' }] });
    await post('/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'two' }] });
    const gone = new AbortController();
    const slow = fetch(`${server.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'three' }] }), signal: gone.signal });
    while (server.requests.length < 3) await new Promise((r) => setTimeout(r, 5));
    gone.abort();
    await slow.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.requests).toHaveLength(3);
    expect(server.answered.map((b) => b.messages[0].content)).toEqual(['one']);
  });

  it('holds a hung request until the client gives up', async () => {
    server.enqueue(reply.hang());
    const t0 = Date.now();
    await expect(fetch(`${server.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages }), signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.inFlight).toBe(0);
  });

  it('streams SSE chunks that reassemble to the reply, with usage when asked', async () => {
    server.enqueue(reply.text('Fresh salsa and chips for game night'));
    const res = await post('/chat/completions', { model: 'm', messages, stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = (await res.text()).split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Fresh salsa and chips for game night');
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
    expect(chunks.at(-1).usage.completion_tokens).toBe(countTokens('Fresh salsa and chips for game night'));
  });

  it('serves deterministic unit-length embeddings', async () => {
    const a = await jsonOf(post('/embeddings', { model: 'e', input: ['salsa', 'chips'] }));
    const b = await jsonOf(post('/embeddings', { model: 'e', input: 'salsa', dimensions: 16 }));
    expect(a.data).toHaveLength(2);
    expect(a.data[0].embedding).toHaveLength(64);
    expect(Math.hypot(...a.data[0].embedding)).toBeCloseTo(1, 6);
    expect(a.data[0].embedding).not.toEqual(a.data[1].embedding);
    expect(b.data[0].embedding).toHaveLength(16);
    const again = await jsonOf(post('/embeddings', { model: 'e', input: 'salsa' }));
    expect(again.data[0].embedding).toEqual(a.data[0].embedding);
    expect(server.embeddingRequests).toHaveLength(3);
  });

  it('rejects malformed requests with 400 and unknown routes with 404', async () => {
    expect((await post('/chat/completions', { messages })).status).toBe(400);
    expect((await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await post('/embeddings', { model: 'e', input: [1] })).status).toBe(400);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('restores the starting responder on reset', async () => {
    server.setResponder(() => reply.text('custom'));
    expect((await jsonOf(post('/chat/completions', { model: 'm', messages }))).choices[0].message.content).toBe('custom');
    server.reset();
    expect((await jsonOf(post('/chat/completions', { model: 'm', messages }))).choices[0].message.content).toMatch(/^Simulated reply/);
  });

  it('tracks the most requests in flight at once', async () => {
    // Each answer waits until all five have arrived, so five are open at once whatever the machine's load.
    let arrived = 0;
    let release!: () => void;
    const allIn = new Promise<void>((r) => (release = r));
    server.setResponder(async () => {
      if (++arrived === 5) release();
      await allIn;
      return { content: 'ok' };
    });
    await Promise.all(Array.from({ length: 5 }, () => post('/chat/completions', { model: 'm', messages })));
    expect(server.maxInFlight).toBe(5);
    expect(server.inFlight).toBe(0);
  });

  it('speaks the protocol the real OpenAI SDK expects, streamed and not', async () => {
    const client = new OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 });
    server.enqueue(reply.text('Taco night'), reply.text('Taco night, streamed'));
    const plain = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: messages as never });
    expect(plain.choices[0].message.content).toBe('Taco night');
    expect(plain.usage?.prompt_tokens).toBe(countChatTokens(messages as never));
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: messages as never, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Taco night, streamed');
    expect(usage).toMatchObject({ completion_tokens: countTokens('Taco night, streamed') });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o');
  });

  it('serves LangChain OpenAIEmbeddings', async () => {
    const embeddings = new OpenAIEmbeddings({ model: 'text-embedding-3-small', apiKey: 'test', maxRetries: 0, dimensions: 32, configuration: { baseURL: server.baseURL } });
    const [a, b] = await embeddings.embedDocuments(['black beans', 'salsa verde']);
    expect(a).toHaveLength(32);
    expect(a).not.toEqual(b);
    expect(await embeddings.embedQuery('black beans')).toEqual(a);
  });
});

describe('scripted batch endpoints, driven by the OpenAI SDK', () => {
  const client = () => new OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 });
  const line = (customId: string, content = 'hello', model = 'gpt-4o-mini') => JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content }] } });
  async function submit(lines: string[]) {
    const c = client();
    const file = await c.files.create({ file: await toFile(Buffer.from(lines.join('\n') + '\n'), 'in.jsonl'), purpose: 'batch' });
    return c.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job: 'j1' } });
  }
  const poll = async (id: string) => (await client().batches.retrieve(id)).status;
  const jsonl = async (id: string | null | undefined) => (id ? (await (await client().files.content(id)).text()).trim().split('\n').map((l) => JSON.parse(l)) : []);

  it('moves validating → in_progress (N polls) → finalizing → completed, answering each line like a live call', async () => {
    server.enqueueBatch({ inProgressPolls: 2 });
    server.enqueue(reply.text('first'));
    const created = await submit([line('a'), line('b', 'second prompt')]);
    expect(created.status).toBe('validating');
    expect([await poll(created.id), await poll(created.id), await poll(created.id), await poll(created.id)]).toEqual(['in_progress', 'in_progress', 'finalizing', 'completed']);
    const done = await client().batches.retrieve(created.id);
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    expect(done.error_file_id).toBeNull();
    const out = await jsonl(done.output_file_id);
    expect(out.map((l) => l.custom_id)).toEqual(['a', 'b']);
    expect(out[0].response).toMatchObject({ status_code: 200, body: { object: 'chat.completion', choices: [{ message: { content: 'first' } }] } });
    expect(out[1].response.body.usage.prompt_tokens).toBe(countChatTokens([{ role: 'user', content: 'second prompt' }]));
    expect(done.usage?.input_tokens).toBe(out.reduce((n, l) => n + l.response.body.usage.prompt_tokens, 0));
    expect(server.requests).toHaveLength(2);
    expect((await client().batches.list()).data.map((b) => b.id)).toContain(created.id);
  });

  it('puts lines the responder fails into the error file with their status and body', async () => {
    server.setResponder((req) => (JSON.stringify(req.messages).includes('bad') ? reply.serverError(500) : reply.text('ok')));
    const b = await submit([line('ok-1'), line('bad-1', 'bad'), line('ok-2')]);
    while (!['completed', 'failed'].includes(await poll(b.id)));
    const done = await client().batches.retrieve(b.id);
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    expect((await jsonl(done.output_file_id)).map((l) => l.custom_id)).toEqual(['ok-1', 'ok-2']);
    expect(await jsonl(done.error_file_id)).toEqual([expect.objectContaining({ custom_id: 'bad-1', response: expect.objectContaining({ status_code: 500, body: { error: expect.objectContaining({ type: 'server_error' }) } }) })]);
  });

  it('expires with partial output: answered lines in the output file, the rest batch_expired', async () => {
    server.enqueueBatch({ outcome: 'expired', answered: 1 });
    const b = await submit([line('x'), line('y'), line('z')]);
    let status = '';
    while (!['expired', 'completed'].includes((status = await poll(b.id))));
    expect(status).toBe('expired');
    const done = await client().batches.retrieve(b.id);
    expect((await jsonl(done.output_file_id)).map((l) => l.custom_id)).toEqual(['x']);
    expect((await jsonl(done.error_file_id)).map((l) => [l.custom_id, l.response, l.error.code])).toEqual([
      ['y', null, 'batch_expired'],
      ['z', null, 'batch_expired'],
    ]);
    expect(server.requests).toHaveLength(1);
  });

  it('fails invalid input at validation (duplicate custom_id, wrong url), and when scripted to', async () => {
    const dup = await submit([line('same'), line('same'), JSON.stringify({ custom_id: 'u', method: 'POST', url: '/v1/embeddings', body: {} })]);
    expect(await poll(dup.id)).toBe('failed');
    const failed = await client().batches.retrieve(dup.id);
    expect(failed.errors?.data?.map((e) => [e.code, e.line])).toEqual([
      ['duplicate_custom_id', 2],
      ['mismatched_endpoint', 3],
    ]);
    expect(failed.output_file_id).toBeNull();
    server.enqueueBatch({ outcome: 'failed', errors: [{ code: 'token_limit_exceeded', message: 'Enqueued token limit reached.' }] });
    const scripted = await submit([line('a')]);
    expect(await poll(scripted.id)).toBe('failed');
    expect((await client().batches.retrieve(scripted.id)).errors?.data?.[0]?.code).toBe('token_limit_exceeded');
    expect(server.requests).toHaveLength(0);
  });

  it('cancels: cancelling, then cancelled with the unrun lines reported', async () => {
    server.enqueueBatch({ inProgressPolls: 5 });
    const b = await submit([line('c1'), line('c2')]);
    await poll(b.id);
    expect((await client().batches.cancel(b.id)).status).toBe('cancelling');
    expect(await poll(b.id)).toBe('cancelled');
    const done = await client().batches.retrieve(b.id);
    expect((await jsonl(done.error_file_id)).map((l) => l.error.code)).toEqual(['batch_cancelled', 'batch_cancelled']);
    expect(server.batchCalls).toMatchObject({ uploads: 1, creates: 1, cancels: 1 });
  });
});


describe('logprobs', () => {
  const doc = { title: 'Taco night', score: 0.8, tags: ['salsa', 'tortillas'] };
  const content = JSON.stringify(doc);
  const probability = (l: { logprob: number }) => Math.exp(l.logprob);

  it('returns one entry per o200k token, spelling the content, near-certain on structure and lower on values', async () => {
    server.enqueue(reply.json(doc));
    const body = await jsonOf(post('/chat/completions', { model: 'm', messages, logprobs: true }));
    const entries: { token: string; logprob: number; bytes: number[] }[] = body.choices[0].logprobs.content;
    expect(entries.map((e) => e.token).join('')).toBe(content);
    expect(entries).toHaveLength(countTokens(content));
    expect(entries.every((e) => Buffer.from(e.bytes).toString('utf8') === e.token)).toBe(true);
    const structure = entries.filter((e) => /^[\s{}[\]":,]*$/.test(e.token) || e.token.includes('title') || e.token.includes('tags'));
    const values = entries.filter((e) => /Taco|salsa|tort|0\.8|8/.test(e.token));
    expect(Math.min(...structure.map(probability))).toBeGreaterThan(0.99);
    expect(Math.max(...values.map(probability))).toBeLessThan(0.996);
    expect(Math.min(...values.map(probability))).toBeGreaterThanOrEqual(0.6);
  });

  it('makes the values of an uncertain reply improbable, and gives top_logprobs alternatives', async () => {
    server.enqueue(reply.uncertain(doc));
    const body = await jsonOf(post('/chat/completions', { model: 'm', messages, logprobs: true, top_logprobs: 3 }));
    const entries: { token: string; logprob: number; top_logprobs: { token: string; logprob: number }[] }[] = body.choices[0].logprobs.content;
    const values = entries.filter((e) => /Taco|salsa|tort/.test(e.token));
    expect(Math.max(...values.map(probability))).toBeLessThan(0.46);
    for (const e of entries) {
      expect(e.top_logprobs).toHaveLength(3);
      expect(e.top_logprobs[0]).toMatchObject({ token: e.token, logprob: e.logprob });
      expect(e.top_logprobs.reduce((s, t) => s + Math.exp(t.logprob), 0)).toBeLessThanOrEqual(1 + 1e-9);
    }
  });

  it('sends no logprobs unless asked', async () => {
    server.enqueue(reply.json(doc));
    expect((await jsonOf(post('/chat/completions', { model: 'm', messages }))).choices[0].logprobs).toBeNull();
  });
});

describe('streaming', () => {
  const doc = { themes: Array.from({ length: 12 }, (_, i) => ({ title: `Theme number ${i}`, note: 'fresh produce and pantry staples' })) };

  it('streams one to three tokens a chunk, each with its logprobs, and the usage last', async () => {
    server.enqueue(reply.json(doc));
    const res = await post('/chat/completions', { model: 'm', messages, stream: true, stream_options: { include_usage: true }, logprobs: true });
    const chunks = (await res.text()).split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)));
    const deltas = chunks.filter((c) => c.choices[0]?.delta?.content);
    expect(deltas.map((c) => c.choices[0].delta.content).join('')).toBe(JSON.stringify(doc));
    for (const c of deltas) {
      const tokens = c.choices[0].logprobs.content.map((l: { token: string }) => l.token);
      expect(tokens.length).toBeGreaterThanOrEqual(1);
      expect(tokens.length).toBeLessThanOrEqual(3);
      expect(tokens.join('')).toBe(c.choices[0].delta.content);
    }
    expect(chunks.at(-1).usage.completion_tokens).toBe(countTokens(JSON.stringify(doc)));
    expect(server.streams[0]).toMatchObject({ request: 0, plannedTokens: countTokens(JSON.stringify(doc)), finished: true, closedEarly: false });
    expect(server.streams[0].sentTokens).toBe(server.streams[0].plannedTokens);
  });

  it('goesInvalid streams a document that breaks part-way, and stops sending when the client leaves', async () => {
    const invalid = reply.goesInvalid(doc, { after: 0.3, streamDelayMs: 5 });
    const text = invalid.content as string;
    expect(text.indexOf('@')).toBeGreaterThan(JSON.stringify(doc).length * 0.3);
    expect(text.replace('@', '')).toBe(JSON.stringify(doc));
    expect(() => JSON.parse(text)).toThrow();

    server.enqueue(invalid);
    const ac = new AbortController();
    const res = await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages, stream: true }), signal: ac.signal });
    const reader = res.body!.getReader();
    let received = '';
    while (!received.includes('@')) received += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    await vi.waitFor(() => expect(server.streams[0].closedEarly).toBe(true));
    expect(server.streams[0].sentTokens).toBeLessThan(server.streams[0].plannedTokens / 2);
    expect(server.streams[0].finished).toBe(false);
  });

  it('gives the real OpenAI SDK logprobs on streamed chunks', async () => {
    const client = new OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 });
    server.enqueue(reply.json({ a: 'salsa verde' }));
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: messages as never, stream: true, logprobs: true });
    let tokens = '';
    for await (const chunk of stream) tokens += (chunk.choices[0]?.logprobs?.content ?? []).map((l) => l.token).join('');
    expect(tokens).toBe('{"a":"salsa verde"}');
  });
});
