import type { Logger } from 'pino';
import type { HubgenConfig } from '../config/config.js';
import type { ModelRegistry } from '../llm/registry.js';
import type { Embedder } from '../retrieval/embeddings/embedder.js';
import type { RelevanceScorer } from '../retrieval/relevance/scorer.js';
import type { VectorStore } from '../retrieval/vectors/store.js';
import type { KeywordCorpus } from '../retrieval/corpus-types.js';
import type { Catalogue } from '../catalogue/types.js';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import type { ArtefactStore } from './artefacts/store.js';
import type { Clock } from '../base/clock.js';

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
  /** The cross-encoder role's scorer (local learned model or rerank service), built beside the embedder. */
  readonly crossEncoder: RelevanceScorer;
  readonly vectors: VectorStore;
  readonly artefacts: ArtefactStore;
  readonly catalogue: Catalogue;
  readonly corpus: KeywordCorpus;
  readonly stats: CatalogueStats;
}
