import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSchema } from '../base/ajv.js';
import { createHubgen, pageExportSchema, type Hubgen, type PageExportRecord } from './index.js';

const EXAMPLE = fileURLToPath(new URL('../data/example/', import.meta.url));

/**
 * The library API, with no CLI in sight: the synthetic example catalogue (not Instacart's shape),
 * the real default embedder, a fresh work dir. Checks what a service embedding hubgen relies on.
 */
describe('createHubgen on the synthetic example catalogue', () => {
  let hubgen: Hubgen;
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'hubgen-api-'));
    hubgen = await createHubgen({ config: { dataDir: EXAMPLE, workDir }, env: {}, cwd: workDir });
  }, 120_000);

  afterAll(async () => {
    await hubgen?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('generates one user’s page, then serves it again from the cache for free', async () => {
    const [userId] = hubgen.selectUsers('sample:1').users;
    const first = await hubgen.generatePage(userId);
    expect(first.page.userId).toBe(userId);
    expect(first.page.themes.length).toBeGreaterThan(0);
    expect(Object.values(first.cached)).toEqual([false, false, false, false]);
    // Every product on the page is in the example catalogue, and the record carries the same products.
    for (const t of first.page.themes) for (const p of t.products) expect(hubgen.dataset.catalogue.products.has(p.productId)).toBe(true);
    expect(first.record.themes.flatMap((t) => t.products.map((p) => p.productId))).toEqual(first.page.themes.flatMap((t) => t.products.map((p) => p.productId)));

    const again = await hubgen.generatePage(userId);
    expect(Object.values(again.cached)).toEqual([true, true, true, true]);
    expect(again.usage.calls).toBe(0);
    expect(again.page).toEqual(first.page);
  }, 180_000);

  it('runs a batch with a manifest, records an unknown user as failed, and exports one valid record per user', async () => {
    const users = [...hubgen.selectUsers('sample:3').users, 'no-such-user'];
    const { manifest, summary } = await hubgen.runBatch(users, { concurrency: 2 });
    expect(summary.ok).toBe(3);
    expect(summary.failed).toBe(1);
    expect(manifest.users['no-such-user'].error).toMatch(/unknown user "no-such-user"/);

    const records: PageExportRecord[] = [];
    for await (const r of hubgen.exportRun('latest')) records.push(r);
    const validate = compileSchema(pageExportSchema);
    expect(records.map((r) => r.userId).sort()).toEqual([...users].sort());
    for (const r of records) expect(validate(r)).toBe(true);
    expect(records.filter((r) => r.status === 'ok').every((r) => r.themes.length > 0)).toBe(true);
  }, 180_000);

  it('evaluates cascaded against single-step on the same users, scored against their held-out orders', async () => {
    const result = await hubgen.evaluate({ users: 'sample:2', variants: ['cascaded', 'single-step-local'], judge: false });
    expect(result.variants.map((v) => v.name)).toEqual(['cascaded', 'single-step-local']);
    for (const v of result.variants) {
      expect(v.pages).toHaveLength(2);
      for (const p of v.pages) expect(p.targetRecall).toBeGreaterThanOrEqual(0);
    }
  }, 180_000);
});
