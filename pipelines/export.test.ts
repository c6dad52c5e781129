import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { compileSchema, describeErrors } from '../base/ajv.js';
import { makeArtefact } from '../kit/artefacts/artefact.js';
import { ZERO_USAGE } from '../llm/usage.js';
import type { Page } from '../phases/assemble/schema.js';
import { MemoryArtefactStore } from '../testing/memory-artefact-store.js';
import { exportRun, pageExportCsvRow, pageExportSchema, PAGE_EXPORT_CSV_COLUMNS, type PageExportRecord } from './export.js';
import type { PhaseRecord, RunManifest } from './manifest.js';

const page: Page = {
  userId: '10',
  pageTitle: 'Your week',
  themes: [
    {
      id: 'yogurt',
      title: 'Yogurt, your way',
      description: 'Greek and skyr',
      keywords: ['greek yogurt', 'skyr'],
      products: [
        { productId: '9', name: 'Greek Yogurt', categoryId: 'a120', departmentId: 'd16', keyword: 'greek yogurt', score: 1.2345678 },
        { productId: '264', name: 'Skyr', categoryId: 'a120', departmentId: 'd16', keyword: 'skyr', score: 0.9 },
      ],
    },
    { id: 'fruit', title: 'Fruit', description: 'Fresh fruit', keywords: ['banana'], products: [{ productId: '24852', name: 'Banana', categoryId: 'a24', departmentId: 'd4', keyword: 'banana', score: 0.5 }] },
  ],
  dropped: [],
};

const phase = (hash: string, cached: boolean, costUsd: number, escalations = 0): PhaseRecord => ({
  hash,
  cached,
  role: costUsd ? 'cheap' : 'local',
  model: costUsd ? 'gpt-4o-mini' : 'hubgen-local-v1',
  confidence: 0.71234,
  cascades: 1,
  escalations,
  latencyMs: 5,
  usage: { ...ZERO_USAGE, costUsd, inputTokens: costUsd ? 1000 : 0, outputTokens: costUsd ? 100 : 0, calls: costUsd ? 1 : 0 },
});

async function fixture() {
  const store = new MemoryArtefactStore();
  const art = makeArtefact({ phase: 'assemble', phaseVersion: '3', config: {}, models: {}, promptVersion: 'none', inputs: ['x'] }, page, { attempts: [], usage: ZERO_USAGE, latencyMs: 1, role: 'local', model: 'm', confidence: undefined }, '2026-01-01T00:00:00.000Z');
  await store.write(art);
  const manifest: RunManifest = {
    runId: 'r1',
    pipeline: 'cascaded',
    createdAt: '',
    updatedAt: '',
    status: 'complete',
    requestedUsers: ['10', '9', 'x'],
    users: {
      // Out of order on purpose: the export is in id order, 9 before 10.
      '10': { userId: '10', status: 'ok', phases: { themes: phase('t1', false, 0.002, 1), keywords: phase('k1', true, 0.5), assemble: phase(art.hash, false, 0) }, wallMs: 3, finishedAt: '2026-01-01T00:00:01.000Z' },
      '9': { userId: '9', status: 'failed', error: 'themes: model refused', wallMs: 1, finishedAt: '2026-01-01T00:00:02.000Z' },
    },
  };
  return { store, manifest, hash: art.hash };
}

const records = async (m: RunManifest, s: MemoryArtefactStore) => {
  const out: PageExportRecord[] = [];
  for await (const r of exportRun(m, s)) out.push(r);
  return out;
};

describe('exportRun', () => {
  it('writes one schema-valid record per user, in id order, with themes and products in page order', async () => {
    const { store, manifest, hash } = await fixture();
    const [failed, ok] = await records(manifest, store);
    const validate = compileSchema(pageExportSchema);
    for (const r of [failed, ok]) expect(validate(r), describeErrors(validate.errors)).toBe(true);
    expect(failed).toMatchObject({ userId: '9', status: 'failed', error: 'themes: model refused', themes: [] });
    expect(ok.themes.map((t) => [t.position, t.id, t.products.map((p) => `${p.rank}:${p.productId}`)])).toEqual([
      [1, 'yogurt', ['1:9', '2:264']],
      [2, 'fruit', ['1:24852']],
    ]);
    expect(ok.themes[0].products[0].score).toBe(1.234568);
    expect(ok.artefacts).toEqual({ themes: 't1', keywords: 'k1', assemble: hash });
  });

  it('counts what this run paid (cache hits are free) and which phases escalated', async () => {
    const { store, manifest } = await fixture();
    const [, ok] = await records(manifest, store);
    expect(ok.provenance).toMatchObject({ costUsd: 0.002, inputTokens: 1000, outputTokens: 100, calls: 1 });
    expect(ok.provenance.phases.themes).toEqual({ role: 'cheap', model: 'gpt-4o-mini', confidence: 0.7123, cached: false, escalated: true });
    expect(ok.provenance.phases.keywords.cached).toBe(true);
  });

  it('refuses to hand on a page whose artefact is missing, naming the run, user and how to redo it', async () => {
    const { manifest } = await fixture();
    await expect(records(manifest, new MemoryArtefactStore())).rejects.toThrow(/run r1, user 10: page artefact \w+ is missing from the store; re-run the user \(hubgen run --run-id r1 --users 10\)/);
  });
});

describe('pageExportCsvRow', () => {
  it('is one row per user whose lists line up, and whose themes_json round-trips the nesting', async () => {
    const { store, manifest } = await fixture();
    const [, ok] = await records(manifest, store);
    const text = stringify([pageExportCsvRow(ok)], { header: true, columns: [...PAGE_EXPORT_CSV_COLUMNS] });
    const [row] = parse(text, { columns: true }) as Record<string, string>[];
    expect(row.product_ids.split('|')).toEqual(['9', '264', '24852']);
    expect(row.product_theme_ids.split('|')).toEqual(['yogurt', 'yogurt', 'fruit']);
    expect(row.product_scores.split('|').map(Number)).toEqual([1.234568, 0.9, 0.5]);
    expect(row.escalated_phases).toBe('themes');
    expect(JSON.parse(row.themes_json)).toEqual(ok.themes);
  });
});
