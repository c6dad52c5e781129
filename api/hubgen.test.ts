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

/**
 * A first start builds the products collection in the background (retrieval/index-catalogue.ts,
 * startIndexing's `progressive`): what the API promises about it, with the real default embedder.
 */
describe('createHubgen, first start: the products collection building behind the first pages', () => {
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'hubgen-api-index-'));
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });
  const open = () => createHubgen({ config: { dataDir: EXAMPLE, workDir }, env: {}, cwd: workDir });

  it('stops a build still running on close, and the next instance rebuilds it rather than trusting half of it', async () => {
    const first = await open();
    const { building, done } = await first.startIndex();
    expect(building).toEqual(['hubgen_products']);
    await first.close();
    await expect(done).rejects.toThrow(/closed while the index was still building/);

    const second = await open();
    try {
      const summaries = await second.index();
      expect(summaries.find((s) => s.collection === 'hubgen_products')).toMatchObject({ reused: false, points: second.dataset.catalogue.products.size });
      expect(summaries.find((s) => s.collection === 'hubgen_keywords')?.reused).toBe(true);
    } finally {
      await second.close();
    }
  }, 180_000);

  it('makes a page before the build is done, the same page a finished index gives, and reuses the whole index next time', async () => {
    await rm(workDir, { recursive: true, force: true });
    const first = await open();
    const [userId] = first.selectUsers('sample:1').users;
    let early: Awaited<ReturnType<Hubgen['generatePage']>>;
    try {
      const { done } = await first.startIndex({ force: true });
      early = await first.generatePage(userId);
      await done;
    } finally {
      await first.close();
    }
    // Without the first page's artefacts, the second instance makes the page again on the whole index.
    await rm(join(workDir, 'artefacts'), { recursive: true, force: true });
    const second = await open();
    try {
      const { building, done } = await second.startIndex();
      expect(building).toEqual([]);
      expect((await done).every((s) => s.reused)).toBe(true);
      const again = await second.generatePage(userId);
      expect(Object.values(again.cached)).toEqual([false, false, false, false]);
      // Scores may differ in the 7th decimal (USE's floats depend on which texts share a batch).
      const products = (p: typeof early.page) => p.themes.map((t) => [t.title, t.products.map((x) => x.productId)]);
      expect(products(again.page)).toEqual(products(early!.page));
    } finally {
      await second.close();
    }
  }, 180_000);
});
