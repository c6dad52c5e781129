/**
 * Rebuilds the v1 keyword-student weights from silver labels on a catalogue (`hubgen train-student`).
 * Deterministic for a seed and catalogue (the embedder is deterministic too); embeddings go through
 * the embedder's persistent cache, so a second run only re-trains. See weights/README.md.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Dataset } from '../../catalogue/types.js';
import type { KeywordCorpus } from '../../retrieval/corpus-types.js';
import type { Embedder } from '../../retrieval/embeddings/embedder.js';
import { indexKeywords } from '../../retrieval/index-catalogue.js';
import type { VectorStore } from '../../retrieval/vectors/store.js';
import { distillStudent, heldOutThemes, writeLabelledFile } from './distill.js';
import { categoryPairs, silverRows, silverThemes } from './silver.js';
import { loadStudentWeights, type StudentWeights } from './student.js';

export interface TrainSilverOptions {
  readonly dataset: Dataset;
  readonly corpus: KeywordCorpus;
  readonly embedder: Embedder;
  /** An exact (brute-force) store: labels for training should not depend on an approximate index. */
  readonly vectors: VectorStore;
  /** Keyword candidates per theme, as Phase 2 prunes at run time (config phases.keywords.candidates). */
  readonly candidates: number;
  readonly logger: Logger;
  readonly out: string;
  readonly heldOutOut: string;
  readonly seed: number;
  /** Rows are also written here for inspection. */
  readonly rowsOut: string;
  /** How many held-out themes to ship as a test fixture (all their candidates). */
  readonly heldOutThemesToShip: number;
}

const SILVER_DESCRIPTION = (themes: number, singles: number, pairs: number, hidden: number, candidates: number, embedder: string) =>
  `silver labels on the Instacart 2017 catalogue: ${themes} themes (${singles} single-category, ${pairs} co-bought category pairs; ${hidden} with categories hidden from the student), ` +
  `top-${candidates} candidates each from the keyword corpus by ${embedder} cosine; a candidate is positive when >= 50% of the products whose names contain it (whole words) ` +
  `are in the theme's target categories (category terms: their category is a target; department terms: >= 50% of the department's products are). hubgen train-student`;

export async function trainSilver(options: TrainSilverOptions): Promise<unknown> {
  const { dataset, corpus, embedder, vectors, logger } = options;
  const catalogue = dataset.catalogue;
  logger.info({ terms: corpus.terms.length, embedder: embedder.id }, 'indexing the keyword corpus (cached embeddings are reused)');
  await indexKeywords(corpus, embedder, vectors, { batchSize: 2048 });
  const pairs = categoryPairs(dataset);
  const themes = silverThemes(catalogue, pairs, { seed: options.seed });
  const k = options.candidates;
  const rows = await silverRows({ embedder, vectors, catalogue }, themes, { candidates: k });
  await writeLabelledFile(options.rowsOut, rows);

  const previous: StudentWeights | undefined = existsSync(options.out) ? loadStudentWeights(options.out).weights : undefined;
  const singles = themes.filter((t) => t.targetCategoryIds.length === 1).length;
  const hidden = themes.filter((t) => t.scope.categoryIds.length === 0).length;
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
  logger.info({ out: options.out, heldOut: options.heldOutOut, rows: rows.length, themes: themes.length }, 'silver student trained');
  return report;
}
