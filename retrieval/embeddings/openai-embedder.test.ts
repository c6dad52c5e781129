import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAIEmbedder } from './openai-embedder.js';

interface Seen {
  readonly auth: string | undefined;
  readonly body: { model: string; input: string[]; encoding_format?: string };
}

/** Deterministic, deliberately non-unit 3-d vector from a text, like a server that doesn't normalise. */
const fakeVector = (t: string) => [t.length, 2, (t.charCodeAt(0) || 0) % 7];

async function readJson(req: IncomingMessage): Promise<unknown> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return JSON.parse(raw);
}

describe('openAIEmbedder against a local OpenAI-compatible server', () => {
  let server: Server;
  let baseURL: string;
  const seen: Seen[] = [];
  let failNext = false;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
        res.writeHead(404).end();
        return;
      }
      const body = (await readJson(req)) as Seen['body'];
      seen.push({ auth: req.headers.authorization, body });
      if (failNext) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'boom' } }));
        return;
      }
      const data = body.input.map((t, index) => ({ object: 'embedding', index, embedding: fakeVector(t) }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    seen.length = 0;
    failNext = false;
  });

  it('learns the dimensions with one probe, batches requests, sends the key and normalises', async () => {
    const e = await openAIEmbedder({ model: 'local-embed', baseURL, apiKey: 'sk-test', batchSize: 2, maxRetries: 0 });
    expect(e.dimensions).toBe(3);
    expect(e.id).toBe('openai:local-embed');
    expect(seen).toHaveLength(1);
    seen.length = 0;

    const texts = ['a', 'bb', 'ccc', 'dddd', ''];
    const vecs = await e.embed(texts);
    expect(seen.map((s) => s.body.input.length)).toEqual([2, 2, 1]);
    expect(seen.every((s) => s.auth === 'Bearer sk-test' && s.body.model === 'local-embed' && s.body.encoding_format === 'float')).toBe(true);
    // The empty text is sent as a space, which the API accepts.
    expect(seen[2].body.input).toEqual([' ']);
    vecs.forEach((v, i) => {
      const raw = fakeVector(texts[i] || ' ');
      const n = Math.hypot(...raw);
      expect(Array.from(v).map((x) => +x.toFixed(5))).toEqual(raw.map((x) => +(x / n).toFixed(5)));
    });
    await e.close();
  });

  it('knows OpenAI model sizes without a probe request', async () => {
    const e = await openAIEmbedder({ model: 'text-embedding-3-small', baseURL, apiKey: 'k' });
    expect(e.dimensions).toBe(1536);
    expect(seen).toHaveLength(0);
  });

  it('fails with an error naming the server and model', async () => {
    const e = await openAIEmbedder({ model: 'local-embed', baseURL, apiKey: 'k', maxRetries: 0 });
    failNext = true;
    await expect(e.embed(['x'])).rejects.toThrow(new RegExp(`${baseURL.replace(/[.]/g, '\\.')} \\(model local-embed\\) failed`));
  });
});
