/**
 * Reproducible training of the local relevance model on the real catalogue:
 *
 *   npx tsx phases/filter/relevance/train-cli.ts [--out weights.json] [--seed 7] [--config hubgen.config.json]
 *
 * Writes the bundled weights file unless --out is given, and prints the held-out report. Uses the
 * configured embedder (USE lite by default) through the persistent embedding cache.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../../../config/config.js';
import { loadCatalogue } from '../../../datasets/instacart/load.js';
import { buildKeywordCorpus } from '../../../retrieval/corpus.js';
import { createEmbedder } from '../../../retrieval/embeddings/create-embedder.js';
import { trainAndWriteRelevance } from './train.js';

const { values } = parseArgs({
  options: { out: { type: 'string' }, seed: { type: 'string' }, config: { type: 'string' } },
});
const seed = values.seed === undefined ? undefined : Number(values.seed);
if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);

const logger = pino({ level: process.env.HUBGEN_LOG ?? 'info' }, pino.destination(2));
const config = loadConfig({ file: values.config });
const { catalogue } = await loadCatalogue(resolve(config.dataDir), { logger });
const corpus = buildKeywordCorpus(catalogue);
const embedder = await createEmbedder(config, { logger });
try {
  const report = await trainAndWriteRelevance({ catalogue, corpus, embedder, seed, out: values.out, logger });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await embedder.close();
}
