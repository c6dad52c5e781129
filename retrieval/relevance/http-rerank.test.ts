import pino from 'pino';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { makeTestCtx } from '../../testing/test-context.js';
import { hashingEmbedder } from '../../testing/hashing-embedder.js';
import { createCrossEncoder } from './create-cross-encoder.js';
import { HttpRerankError, httpRerankScorer, parseRerankResponse, rerankEndpoint } from './http-rerank.js';

interface Received {
  readonly path: string;
  readonly auth: string | undefined;
  readonly body: { model: string; query: string; documents: string[]; texts: string[]; top_n: number };
}

/** A tiny rerank server: scores a document by the share of its words found in the query. */
async function startRerankServer(
  shape: 'tei' | 'cohere',
  fault?: (n: number, res: ServerResponse) => boolean,
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'];
      received.push({ path: req.url ?? '', auth: req.headers.authorization, body });
      if (fault?.(received.length, res)) return;
      const q = new Set(body.query.toLowerCase().split(/\W+/));
      const scored = body.documents.map((d, index) => {
        const w = d.toLowerCase().split(/\W+/).filter(Boolean);
        return { index, s: w.filter((x) => q.has(x)).length / w.length };
      });
      // Both APIs return results sorted by score, not by index.
      scored.sort((a, b) => b.s - a.s);
      const payload = shape === 'tei' ? scored.map(({ index, s }) => ({ index, score: s })) : { id: 'x', results: scored.map(({ index, s }) => ({ index, relevance_score: s })), meta: {} };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      const closed = new Promise((r) => s.close(r));
      // Keep-alive sockets would otherwise hold close() open for seconds.
      s.closeAllConnections();
      return closed;
    }),
  );
});

const pairs = [
  { query: 'greek yogurt breakfast', text: 'greek yogurt' },
  { query: 'greek yogurt breakfast', text: 'cat litter' },
  { query: 'pasta night', text: 'pasta sauce' },
];

describe('httpRerankScorer', () => {
  it('scores pairs against a text-embeddings-inference-shaped server, in input order', async () => {
    const { url, received } = await startRerankServer('tei');
    const scorer = httpRerankScorer({ url, model: 'bge-reranker-base', apiKey: 'sekret' });
    expect(await scorer.score(pairs)).toEqual([1, 0, 0.5]);
    // One request per distinct query, documents under both field names, the key as a bearer token.
    expect(received.map((r) => [r.path, r.body.query, r.body.documents, r.body.texts, r.body.model, r.body.top_n, r.auth])).toEqual([
      ['/rerank', 'greek yogurt breakfast', ['greek yogurt', 'cat litter'], ['greek yogurt', 'cat litter'], 'bge-reranker-base', 2, 'Bearer sekret'],
      ['/rerank', 'pasta night', ['pasta sauce'], ['pasta sauce'], 'bge-reranker-base', 1, 'Bearer sekret'],
    ]);
    expect(scorer.id).toBe('http-rerank:bge-reranker-base');
  });

  it('scores pairs against a Cohere/Jina-shaped server', async () => {
    const { url, received } = await startRerankServer('cohere');
    const scorer = httpRerankScorer({ url: `${url}/v1/rerank`, model: 'rerank-english-v3.0' });
    expect(await scorer.score(pairs)).toEqual([1, 0, 0.5]);
    expect(received.every((r) => r.path === '/v1/rerank' && r.auth === undefined)).toBe(true);
  });

  it('splits a long document list into batches', async () => {
    const { url, received } = await startRerankServer('tei');
    const many = Array.from({ length: 5 }, (_, i) => ({ query: 'greek yogurt', text: i % 2 ? 'greek yogurt' : 'cat litter' }));
    expect(await httpRerankScorer({ url, model: 'm', batchSize: 2 }).score(many)).toEqual([0, 1, 0, 1, 0]);
    expect(received.map((r) => r.body.documents.length)).toEqual([2, 2, 1]);
  });

  it('fails with an error naming the URL and status when the server errors, after retrying', async () => {
    const { url, received } = await startRerankServer('tei', (_n, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":"model loading"}');
      return true;
    });
    const scorer = httpRerankScorer({ url, model: 'm', maxRetries: 1 });
    const error = await scorer.score(pairs.slice(0, 1)).catch((e: unknown) => e);
    expect(HttpRerankError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`rerank POST ${url}/rerank returned HTTP 503: {"error":"model loading"}`);
    expect(received).toHaveLength(2);
  });

  it('retries a transient failure and then succeeds', async () => {
    const { url, received } = await startRerankServer('cohere', (n, res) => {
      if (n > 1) return false;
      res.writeHead(429);
      res.end();
      return true;
    });
    expect(await httpRerankScorer({ url, model: 'm', maxRetries: 2 }).score(pairs.slice(0, 2))).toEqual([1, 0]);
    expect(received).toHaveLength(2);
  });

  it('does not retry a client error', async () => {
    const { url, received } = await startRerankServer('tei', (_n, res) => {
      res.writeHead(400);
      res.end('bad model');
      return true;
    });
    await expect(httpRerankScorer({ url, model: 'm', maxRetries: 3 }).score(pairs.slice(0, 2))).rejects.toThrow(`rerank POST ${url}/rerank returned HTTP 400: bad model`);
    expect(received).toHaveLength(1);
  });

  it('times out with an error naming the URL', async () => {
    const { url } = await startRerankServer('tei', () => true /* never answers */);
    await expect(httpRerankScorer({ url, model: 'm', timeoutMs: 150, maxRetries: 0 }).score(pairs.slice(0, 1))).rejects.toThrow(`rerank POST ${url}/rerank timed out after 150 ms`);
  });

  it('names the URL when nothing listens there', async () => {
    const { url, server } = await startRerankServer('tei');
    await new Promise((r) => server.close(r));
    await expect(httpRerankScorer({ url, model: 'm', maxRetries: 0 }).score(pairs.slice(0, 1))).rejects.toThrow(`rerank POST ${url}/rerank failed:`);
  });
});

describe('parseRerankResponse', () => {
  it('rejects unknown shapes, out-of-range indices and missing documents', () => {
    expect(() => parseRerankResponse({ data: [] }, 1, 'u')).toThrow(/neither \[\{ index, score \}\] nor \{ results/);
    expect(() => parseRerankResponse([{ index: 3, score: 0.5 }], 2, 'u')).toThrow(/invalid item/);
    expect(() => parseRerankResponse([{ index: 0, score: 0.5 }], 2, 'u')).toThrow('rerank response from u has no score for document(s) 1 of 2');
  });

  it('squashes logits (raw scores outside [0,1]) with a sigmoid, keeping their order', () => {
    const scores = parseRerankResponse([{ index: 0, score: -3 }, { index: 1, score: 4 }, { index: 2, score: 0 }], 3, 'u');
    expect(scores[0]).toBeCloseTo(1 / (1 + Math.exp(3)), 6);
    expect(scores[1]).toBeCloseTo(1 / (1 + Math.exp(-4)), 6);
    expect(scores[2]).toBe(0.5);
  });

  it('appends /rerank to a base URL only when missing', () => {
    expect(rerankEndpoint('http://h:8080')).toBe('http://h:8080/rerank');
    expect(rerankEndpoint('https://api.jina.ai/v1/')).toBe('https://api.jina.ai/v1/rerank');
    expect(rerankEndpoint('https://api.cohere.com/v2/rerank')).toBe('https://api.cohere.com/v2/rerank');
  });
});

describe('createCrossEncoder', () => {
  const configWith = (cross: unknown, providers: unknown = {}) =>
    loadConfig({ env: {}, cwd: '/nonexistent', overrides: { providers, roles: { cross_encoder: cross } } });
  const deps = (env: NodeJS.ProcessEnv = {}) => ({ embedder: hashingEmbedder(), logger: pino({ level: 'silent' }), env });

  it('uses the local learned model for a provider of kind local', () => {
    const scorer = createCrossEncoder(configWith({ provider: 'local', model: 'hubgen-relevance-v1' }), deps());
    expect(scorer.id).toMatch(/^hubgen-relevance-v1@[0-9a-f]{12}$/);
  });

  it('uses the rerank service for a provider of kind http-rerank, with the key from the named env var', async () => {
    const { url, received } = await startRerankServer('cohere');
    const config = configWith({ provider: 'rerank', model: 'jina-reranker-v2' }, { rerank: { kind: 'http-rerank', baseURL: url, apiKeyEnv: 'RERANK_KEY' } });
    expect(() => createCrossEncoder(config, deps())).toThrow('cross_encoder provider "rerank" needs RERANK_KEY in the environment');
    const scorer = createCrossEncoder(config, deps({ RERANK_KEY: 'k1' }));
    expect(scorer.id).toBe('http-rerank:jina-reranker-v2');
    expect(await scorer.score([{ query: 'greek yogurt breakfast', text: 'Greek Yogurt' }, { query: 'greek yogurt breakfast', text: 'Cat Litter' }])).toEqual([1, 0]);
    expect(received[0].auth).toBe('Bearer k1');
  });

  it('refuses a chat provider and an unknown local model with clear errors', () => {
    expect(() => createCrossEncoder(configWith({ provider: 'openai', model: 'gpt-4o-mini' }), deps())).toThrow(
      'config: /roles/cross_encoder uses provider "openai" of kind "openai"; a cross-encoder needs kind "local" or "http-rerank"',
    );
    expect(() => createCrossEncoder(configWith({ provider: 'local', model: 'bge-reranker' }), deps())).toThrow(
      'unknown local relevance model "bge-reranker" (known: hubgen-relevance-v1)',
    );
  });
});
