import type { FromSchema } from 'json-schema-to-ts';
import type { Artefact } from '../kit/artefacts/artefact.js';
import type { ArtefactStore } from '../kit/artefacts/store.js';
import type { Page } from '../phases/assemble/schema.js';
import type { RunManifest, UserRecord } from './manifest.js';
import { compareIds } from '../catalogue/types.js';

/**
 * One user's page as hubgen hands it to a ranking or serving stack (Phase 4's output, flattened to
 * what a consumer needs): themes in page order with their keywords and products (ids, rank and
 * score), a provenance summary (what it cost, which tiers answered, whether any phase escalated),
 * and the artefact hashes behind it so any record can be traced back with `hubgen inspect`.
 */
export const pageExportSchema = {
  $id: 'hubgen.page-export.v1',
  type: 'object',
  additionalProperties: false,
  required: ['format', 'runId', 'userId', 'status', 'themes', 'provenance', 'artefacts'],
  properties: {
    format: { const: 'hubgen.page-export.v1' },
    runId: { type: 'string' },
    userId: { type: 'string' },
    /** ok: a page was made (it may still have no themes); failed: see `error`. */
    status: { enum: ['ok', 'failed'] },
    error: { type: 'string' },
    pageTitle: { type: 'string' },
    themes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['position', 'id', 'title', 'description', 'keywords', 'products'],
        properties: {
          /** 1-based, page order: the first theme is the most important for this user. */
          position: { type: 'integer', minimum: 1 },
          id: { type: 'string' },
          title: { type: 'string' },
          description: { type: 'string' },
          keywords: { type: 'array', items: { type: 'string' } },
          products: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['productId', 'rank', 'score', 'keyword'],
              properties: {
                productId: { type: 'string' },
                /** 1-based within the theme. */
                rank: { type: 'integer', minimum: 1 },
                /** hubgen's ranking score within the theme: relevance^exponent × the user's probability of buying it next; in a staples theme that probability alone. */
                score: { type: 'number' },
                /** The keyword that retrieved it. */
                keyword: { type: 'string' },
              },
            },
          },
        },
      },
    },
    provenance: {
      type: 'object',
      additionalProperties: false,
      required: ['costUsd', 'inputTokens', 'outputTokens', 'calls', 'phases'],
      properties: {
        /** Paid for this page in this run (cache hits cost nothing again). */
        costUsd: { type: 'number', minimum: 0 },
        inputTokens: { type: 'integer', minimum: 0 },
        outputTokens: { type: 'integer', minimum: 0 },
        calls: { type: 'integer', minimum: 0 },
        phases: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['role', 'model', 'cached', 'escalated'],
            properties: {
              role: { type: 'string' },
              model: { type: 'string' },
              confidence: { type: 'number' },
              cached: { type: 'boolean' },
              /** Any of the phase's cascades tried a tier and rejected it before the accepted one. */
              escalated: { type: 'boolean' },
            },
          },
        },
      },
    },
    /** Phase name → artefact hash. */
    artefacts: { type: 'object', additionalProperties: { type: 'string' } },
    finishedAt: { type: 'string' },
  },
} as const;

export type PageExportRecord = FromSchema<typeof pageExportSchema>;

/** One user's record from their manifest entry and, for a page that was made, its Phase 4 artefact. */
export function pageExportRecord(runId: string, rec: UserRecord, page: Page | undefined): PageExportRecord {
  const phases = rec.phases ?? {};
  const paid = Object.values(phases).filter((p) => !p.cached);
  const sum = (f: (p: (typeof paid)[number]) => number | undefined) => paid.reduce((s, p) => s + (f(p) ?? 0), 0);
  return {
    format: 'hubgen.page-export.v1',
    runId,
    userId: String(rec.userId),
    status: rec.status,
    ...(rec.error ? { error: rec.error } : {}),
    ...(page ? { pageTitle: page.pageTitle } : {}),
    themes: (page?.themes ?? []).map((t, i) => ({
      position: i + 1,
      id: t.id,
      title: t.title,
      description: t.description,
      keywords: [...t.keywords],
      products: t.products.map((p, j) => ({ productId: p.productId, rank: j + 1, score: Math.round(p.score * 1e6) / 1e6, keyword: p.keyword })),
    })),
    provenance: {
      costUsd: Math.round(sum((p) => p.usage.costUsd) * 1e8) / 1e8,
      inputTokens: sum((p) => p.usage.inputTokens),
      outputTokens: sum((p) => p.usage.outputTokens),
      calls: sum((p) => p.usage.calls),
      phases: Object.fromEntries(
        Object.entries(phases).map(([name, p]) => [
          name,
          { role: p.role, model: p.model, ...(p.confidence !== undefined ? { confidence: Math.round(p.confidence * 1e4) / 1e4 } : {}), cached: p.cached, escalated: p.escalations > 0 },
        ]),
      ),
    },
    artefacts: Object.fromEntries(Object.entries(phases).map(([name, p]) => [name, p.hash])),
    finishedAt: rec.finishedAt,
  };
}

/**
 * Every user of a run, in id order, as export records. Reads one page artefact at a time, so a run
 * of any size exports in bounded memory. A page artefact that is missing or corrupt is an error
 * naming it: an export must not silently hand on fewer products than the run made.
 */
export async function* exportRun(manifest: RunManifest, artefacts: ArtefactStore): AsyncGenerator<PageExportRecord> {
  for (const userId of Object.keys(manifest.users).sort(compareIds)) {
    const rec = manifest.users[userId];
    let page: Page | undefined;
    const hash = rec.status === 'ok' ? rec.phases?.assemble?.hash : undefined;
    if (hash) {
      const found = await artefacts.read<Page>(hash);
      if (found.status !== 'hit') {
        throw new Error(`run ${manifest.runId}, user ${userId}: page artefact ${hash} is ${found.status === 'miss' ? 'missing from the store' : `corrupt (${found.problem})`}; re-run the user (hubgen run --run-id ${manifest.runId} --users ${userId})`);
      }
      page = (found.artefact as Artefact<Page>).data;
    }
    yield pageExportRecord(manifest.runId, rec, page);
  }
}

/** The CSV columns, one row per user: lists are `|`-separated, in page order; `themes_json` holds the full nesting. */
export const PAGE_EXPORT_CSV_COLUMNS = [
  'run_id',
  'user_id',
  'status',
  'error',
  'page_title',
  'theme_ids',
  'product_ids',
  'product_scores',
  'product_theme_ids',
  'cost_usd',
  'input_tokens',
  'output_tokens',
  'calls',
  'escalated_phases',
  'artefact_hashes',
  'themes_json',
] as const;

/** A record as a CSV row (the values, in PAGE_EXPORT_CSV_COLUMNS order). */
export function pageExportCsvRow(r: PageExportRecord): string[] {
  const products = r.themes.flatMap((t) => t.products.map((p) => ({ ...p, themeId: t.id })));
  const phases = Object.entries(r.provenance.phases);
  return [
    r.runId,
    r.userId,
    r.status,
    r.error ?? '',
    r.pageTitle ?? '',
    r.themes.map((t) => t.id).join('|'),
    products.map((p) => p.productId).join('|'),
    products.map((p) => String(p.score)).join('|'),
    products.map((p) => p.themeId).join('|'),
    String(r.provenance.costUsd),
    String(r.provenance.inputTokens),
    String(r.provenance.outputTokens),
    String(r.provenance.calls),
    phases.filter(([, p]) => p.escalated).map(([n]) => n).join('|'),
    Object.entries(r.artefacts).map(([n, h]) => `${n}:${h}`).join('|'),
    JSON.stringify(r.themes),
  ];
}
