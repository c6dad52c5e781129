import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { createEmbedder } from './create-embedder.js';

const logger = pino({ level: 'silent' });
const workDir = mkdtempSync(join(tmpdir(), 'hubgen-create-embedder-'));
const config = (overrides: object) => loadConfig({ cwd: workDir, env: {}, overrides: { workDir, ...overrides } });

describe('createEmbedder', () => {
  let server: Server;
  let baseURL: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const { input } = JSON.parse(raw) as { input: string[] };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: input.map((_, index) => ({ index, embedding: [1, 1, 0, 0] })) }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(workDir, { recursive: true, force: true });
  });

  it('builds the cached local USE embedder by default, caching under <workDir>/embeddings', async () => {
    const e = await createEmbedder(config({ embedding: { workers: 1 } }), { logger });
    try {
      expect(e.id).toBe('use-lite-512');
      expect(e.dimensions).toBe(512);
      await e.embed(['frozen peas']);
      await e.embed(['frozen peas']);
      expect(e.stats()).toMatchObject({ misses: 1, hits: 1 });
      await e.flush();
      expect(existsSync(join(workDir, 'embeddings', 'use-lite-512'))).toBe(true);
    } finally {
      await e.close();
    }
  });

  it('builds an OpenAI-compatible embedder from a provider with a baseURL', async () => {
    const cfg = config({ providers: { vllm: { kind: 'openai', baseURL } }, roles: { embedder: { provider: 'vllm', model: 'bge-small' } } });
    const e = await createEmbedder(cfg, { logger });
    expect(e.id).toBe('openai:bge-small');
    expect(e.dimensions).toBe(4);
    const [v] = await e.embed(['x']);
    expect(v[0]).toBeCloseTo(Math.SQRT1_2, 6);
    await e.close();
  });

  it('names the missing API key env var', async () => {
    const cfg = config({ roles: { embedder: { provider: 'openai', model: 'text-embedding-3-small' } } });
    await expect(createEmbedder(cfg, { logger, env: {} })).rejects.toThrow(/OPENAI_API_KEY/);
  });

  it('rejects an unknown local model and a provider kind that cannot embed', async () => {
    await expect(createEmbedder(config({ roles: { embedder: { provider: 'local', model: 'minilm' } } }), { logger })).rejects.toThrow(/"minilm" is not a local embedding model/);
    const cfg = config({ providers: { rr: { kind: 'http-rerank', baseURL } }, roles: { embedder: { provider: 'rr', model: 'x' } } });
    await expect(createEmbedder(cfg, { logger })).rejects.toThrow(/kind "http-rerank", which cannot embed/);
  });
});
