import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import type { RedisArtefactStore } from '../kit/artefacts/redis-store.js';
import { EXAMPLE_DATA_DIR } from '../testing/synthetic-users.js';
import { createRuntime } from './runtime.js';

const REDIS_URL = process.env.REDIS_URL;
const logger = pino({ level: 'silent' });

/** The example store, and an embedder that needs no model load (it is never called here). */
async function config(overrides: Record<string, unknown> = {}) {
  return loadConfig({
    env: {},
    cwd: '/nonexistent-so-no-config-file-is-read',
    overrides: {
      workDir: await mkdtemp(join(tmpdir(), 'hubgen-runtime-')),
      dataDir: EXAMPLE_DATA_DIR,
      providers: { openai: { baseURL: 'http://127.0.0.1:9/v1' } },
      roles: { embedder: { provider: 'openai', model: 'text-embedding-3-small' } },
      ...overrides,
    },
  });
}

describe('createRuntime', () => {
  it('keeps artefacts in files under the work dir by default', async () => {
    const rt = await createRuntime({ config: await config(), logger, env: {} });
    try {
      expect(rt.ctx.artefacts.kind).toBe('fs');
    } finally {
      await rt.close();
    }
  });

  it.skipIf(!REDIS_URL)(REDIS_URL ? 'builds the Redis artefact store and shared rate limits the config names, and closes both' : 'Redis stores (skipped: REDIS_URL not set; .ci/run starts redis-server)', async () => {
    const prefix = `hubgen-rt-${randomUUID().slice(0, 8)}:`;
    const cfg = await config({ artefactStore: { kind: 'redis', url: REDIS_URL, prefix }, limiterStore: { kind: 'redis', url: REDIS_URL, prefix } });
    // The registry refuses a redis limiterStore without shared limits, so getting this far means they were passed.
    const rt = await createRuntime({ config: cfg, logger, env: {} });
    const store = rt.ctx.artefacts as RedisArtefactStore;
    expect(store.kind).toBe('redis');
    expect(store.prefix).toBe(prefix);
    expect(await store.redis.ping()).toBe('PONG');
    await rt.close();
    // quit() resolves on the server's OK; the socket closes just after.
    for (let i = 0; i < 50 && store.redis.status !== 'end'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(store.redis.status).toBe('end');
  });

  it('fails at start, naming the URL, when the Redis the config names cannot be reached', async () => {
    const cfg = await config({ artefactStore: { kind: 'redis', url: 'redis://127.0.0.1:1' } });
    await expect(createRuntime({ config: cfg, logger, env: {} })).rejects.toThrow(/redis:\/\/127\.0\.0\.1:1 \(for the artefact store\)/);
  });
});
