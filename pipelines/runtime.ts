import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { HubgenConfig } from '../config/config.js';
import { createModelRegistry } from '../llm/model-registry.js';
import { createEmbedder } from '../retrieval/embeddings/create-embedder.js';
import { createCrossEncoder } from '../retrieval/relevance/create-cross-encoder.js';
import { createVectorStore } from '../retrieval/vectors/create-store.js';
import { buildKeywordCorpus } from '../retrieval/corpus.js';
import { loadDataset, resolveDataSource, type DataSource, type LoadReport } from '../datasets/load.js';
import type { Dataset } from '../catalogue/types.js';
import { catalogueStatsOf } from '../catalogue/stats.js';
import { createArtefactStore } from '../kit/artefacts/create-store.js';
import { openSharedRateLimits } from '../llm/shared-limits.js';
import { systemClock, type Clock } from '../base/clock.js';
import type { Ctx } from '../kit/context.js';
import { checkDeferralWeights } from '../llm/signals/plan.js';

/** A production context plus what the CLI needs beyond phases: the dataset and a way to shut down. */
export interface Runtime {
  readonly ctx: Ctx;
  readonly dataset: Dataset;
  /** Which data directory, what it holds, and why it was chosen. */
  readonly dataSource: DataSource;
  readonly loadReport: LoadReport;
  close(): Promise<void>;
}

export interface CreateRuntimeOptions {
  readonly config: HubgenConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly env?: NodeJS.ProcessEnv;
  /** Skip bad data rows (reported) instead of failing on the first one. */
  readonly lenient?: boolean;
}

export const workPath = (config: HubgenConfig, ...parts: string[]): string => resolve(config.workDir, ...parts);

/** Wires the configured models, stores and data into one context. Everything expensive is cached on disk. */
export async function createRuntime({ config, logger, clock = systemClock, env = process.env, lenient = false }: CreateRuntimeOptions): Promise<Runtime> {
  const t0 = clock.monotonic();
  checkDeferralWeights(config);
  const { dataset, report, source } = await loadDataset(resolveDataSource(config), { lenient });
  // Shared with every user context built from this dataset (contextOfUser), so computed once.
  const stats = catalogueStatsOf(dataset);
  const corpus = buildKeywordCorpus(dataset.catalogue);
  logger.info({ ms: Math.round(clock.monotonic() - t0), dataset: dataset.name, source, products: dataset.catalogue.products.size, terms: corpus.terms.length }, 'data loaded');
  // The networked stores first: a Redis that cannot be reached fails here, before an embedder starts.
  const artefacts = await createArtefactStore(config);
  const rateLimits = await openSharedRateLimits(config).catch(async (e: unknown) => {
    await artefacts.close?.();
    throw e;
  });
  const embedder = await createEmbedder(config, { logger });
  const vectors = await createVectorStore(config, { logger });
  const crossEncoder = createCrossEncoder(config, { embedder, logger, env });
  const models = createModelRegistry(config, { env, logger, clock, rateLimits });
  const ctx: Ctx = { config, logger, clock, models, embedder, crossEncoder, vectors, artefacts, catalogue: dataset.catalogue, corpus, stats };
  return {
    ctx,
    dataset,
    dataSource: source,
    loadReport: report,
    async close() {
      await Promise.allSettled([embedder.close(), vectors.close(), artefacts.close?.(), rateLimits?.close()]);
    },
  };
}
