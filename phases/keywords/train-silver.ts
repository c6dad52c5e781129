/**
 * Rebuilds the v1 keyword-student weights from silver labels on the real catalogue:
 *
 *   npx tsx phases/keywords/train-silver.ts [--out phases/keywords/weights/student-v1.json] [--seed 2017]
 *
 * Deterministic for a seed and catalogue (the embedder is deterministic too). Embeddings go through
 * the persistent cache in <workDir>/embeddings, so a second run only re-trains. See weights/README.md.
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../config/config.js';
import { loadDataset } from '../../datasets/instacart/load.js';
import { buildKeywordCorpus } from '../../retrieval/corpus.js';
import { createEmbedder } from '../../retrieval/embeddings/create-embedder.js';
import { indexKeywords } from '../../retrieval/index-catalogue.js';
// Exact brute-force search: labels for training should not depend on an approximate index.
import { memoryVectorStore } from '../../testing/memory-vector-store.js';
import { distillStudent, heldOutThemes, writeLabelledFile } from './distill.js';
import { aislePairs, silverRows, silverThemes } from './silver.js';
import { loadStudentWeights, WEIGHTS_DIR, type StudentWeights } from './student.js';
import { writeFile } from 'node:fs/promises';

export interface TrainSilverOptions {
  readonly out: string;
  readonly heldOutOut: string;
  readonly seed: number;
  /** Rows are also written here for inspection. */
  readonly rowsOut: string;
  /** How many held-out themes to ship as a test fixture (all their candidates). */
  readonly heldOutThemesToShip: number;
}

const SILVER_DESCRIPTION = (themes: number, singles: number, pairs: number, hidden: number, candidates: number, embedder: string) =>
  `silver labels on the Instacart 2017 catalogue: ${themes} themes (${singles} single-aisle, ${pairs} co-bought aisle pairs; ${hidden} with aisles hidden from the student), ` +
  `top-${candidates} candidates each from the keyword corpus by ${embedder} cosine; a candidate is positive when >= 50% of the products whose names contain it (whole words) ` +
  `are in the theme's target aisles (aisle terms: their aisle is a target; department terms: >= 50% of the department's products are). phases/keywords/train-silver.ts`;

export async function trainSilver(options: TrainSilverOptions): Promise<void> {
  const logger = pino({ level: process.env.HUBGEN_LOG ?? 'info' });
  const config = loadConfig({});
  const { dataset } = await loadDataset(resolve(config.dataDir));
  const catalogue = dataset.catalogue;
  const corpus = buildKeywordCorpus(catalogue);
  const embedder = await createEmbedder(config, { logger });
  try {
    const vectors = memoryVectorStore();
    logger.info({ terms: corpus.terms.length, embedder: embedder.id }, 'indexing the keyword corpus (cached embeddings are reused)');
    await indexKeywords(corpus, embedder, vectors, { batchSize: 2048 });
    const pairs = aislePairs(dataset);
    const themes = silverThemes(catalogue, pairs, { seed: options.seed });
    const k = config.phases.keywords.candidates;
    const rows = await silverRows({ embedder, vectors, catalogue }, themes, { candidates: k });
    await writeLabelledFile(options.rowsOut, rows);

    const previous: StudentWeights | undefined = existsSync(options.out) ? loadStudentWeights(options.out).weights : undefined;
    const singles = themes.filter((t) => t.targetAisleIds.length === 1).length;
    const hidden = themes.filter((t) => t.scope.aisleIds.length === 0).length;
    const { weights, report } = distillStudent({
      rows,
      previousWeights: previous,
      holdoutShare: 0.2,
      seed: options.seed,
      embedderId: embedder.id,
      model: 'hubgen-student-v1',
      trainedOn: SILVER_DESCRIPTION(themes.length, singles, themes.length - singles, hidden, k, embedder.id),
    });
    await writeFile(options.out, JSON.stringify(weights, null, 2) + '\n');

    // A slice of the held-out themes ships with the repo, so a test can check the weights on rows they never saw.
    const held = heldOutThemes(rows, 0.2, options.seed);
    const shipped = new Set([...held].sort().slice(0, options.heldOutThemesToShip));
    await writeLabelledFile(options.heldOutOut, rows.filter((r) => shipped.has(r.theme.id)));
    await embedder.flush();
    logger.info({ out: options.out, heldOut: options.heldOutOut, rows: rows.length, themes: themes.length }, 'silver student trained');
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    await embedder.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('train-silver.ts')) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(WEIGHTS_DIR, 'student-v1.json') },
      'held-out-out': { type: 'string', default: join(WEIGHTS_DIR, 'silver-heldout.jsonl') },
      'rows-out': { type: 'string', default: '.hubgen/silver/rows.jsonl' },
      seed: { type: 'string', default: '2017' },
      'ship-themes': { type: 'string', default: '12' },
    },
  });
  trainSilver({
    out: resolve(values.out!),
    heldOutOut: resolve(values['held-out-out']!),
    rowsOut: resolve(values['rows-out']!),
    seed: Number.parseInt(values.seed!, 10),
    heldOutThemesToShip: Number.parseInt(values['ship-themes']!, 10),
  }).catch((e: unknown) => {
    process.stderr.write(`train-silver: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
