import type { Logger } from 'pino';
import type { HubgenConfig } from '../llm/config.js';
import type { ModelRegistry } from '../llm/registry.js';
import type { Embedder } from '../retrieval/embeddings/embedder.js';
import type { VectorStore } from '../retrieval/vectors/store.js';
import type { KeywordCorpus } from '../retrieval/corpus-types.js';
import type { Catalogue } from '../instacart/types.js';
import type { CatalogueStats } from '../instacart/stats-types.js';
import type { ArtefactStore } from './artefacts/store.js';
import type { Clock } from './clock.js';

/** Collection names shared by indexing, phases and evals. */
export const COLLECTIONS = { keywords: 'hubgen_keywords', products: 'hubgen_products' } as const;

/**
 * Everything a phase may touch, in one object so tests can swap any part: models, stores,
 * the catalogue and its keyword corpus, logger and clock.
 */
export interface Ctx {
  readonly config: HubgenConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly models: ModelRegistry;
  readonly embedder: Embedder;
  readonly vectors: VectorStore;
  readonly artefacts: ArtefactStore;
  readonly catalogue: Catalogue;
  readonly corpus: KeywordCorpus;
  readonly stats: CatalogueStats;
}
