import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { createVectorStore } from './create-store.js';

const logger = pino({ level: 'silent' });
const workDir = mkdtempSync(join(tmpdir(), 'hubgen-create-store-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('createVectorStore', () => {
  it('opens the embedded store under <workDir>/vectors by default, persisting there', async () => {
    const store = await createVectorStore(loadConfig({ cwd: workDir, env: {}, overrides: { workDir } }), { logger });
    expect(store.kind).toBe('embedded-usearch');
    await store.ensureCollection('things', 2);
    await store.upsert('things', [{ id: 'a', vector: new Float32Array([1, 0]), payload: {} }]);
    await store.close();
    expect(existsSync(join(workDir, 'vectors', 'things', 'meta.json'))).toBe(true);
    const again = await createVectorStore(loadConfig({ cwd: workDir, env: {}, overrides: { workDir } }), { logger });
    expect(await again.count('things')).toBe(1);
    await again.close();
  });

  it('gives the clear Qdrant error when QDRANT_URL points nowhere', async () => {
    const cfg = loadConfig({ cwd: workDir, env: { QDRANT_URL: 'http://127.0.0.1:1', HUBGEN_VECTOR_STORE: 'qdrant' }, overrides: { workDir } });
    await expect(createVectorStore(cfg, { logger })).rejects.toThrow(/Qdrant at http:\/\/127\.0\.0\.1:1 is not usable: .*docker compose up -d qdrant/);
  });
});
