import pino from 'pino';
import { loadConfig, roleCacheKey, roleKind, roleUnavailableReason, type HubgenConfig } from '../config/config.js';
import type { ModelRegistry } from '../llm/registry.js';
import { systemClock } from '../base/clock.js';
import type { Ctx } from '../kit/context.js';
import { MemoryArtefactStore } from './memory-artefact-store.js';
import { hashingEmbedder } from './hashing-embedder.js';
import { createCrossEncoder } from '../retrieval/relevance/create-cross-encoder.js';
import type { RelevanceScorer } from '../retrieval/relevance/scorer.js';
import { memoryVectorStore } from './memory-vector-store.js';
import type { CatalogueStats } from '../catalogue/stats-types.js';
import { emptyStats } from '../catalogue/stats.js';

function lazyScorer(make: () => RelevanceScorer): RelevanceScorer {
  let scorer: RelevanceScorer | undefined;
  const get = () => (scorer ??= make());
  return {
    get id() {
      return get().id;
    },
    score: (pairs) => get().score(pairs),
  };
}

/** A registry for a machine with no LLM configured: only local roles are available. */
export function offlineModels(config: HubgenConfig): ModelRegistry {
  return {
    unavailableReason: (role) => roleUnavailableReason(config, role, {}),
    kindOf: (role) => roleKind(config, role),
    modelId: (role) => config.roles[role]?.model ?? `unbound:${role}`,
    cacheKey: (role) => roleCacheKey(config, role, {}),
    generateStructured: async () => {
      throw new Error('offlineModels: no LLM is configured in this test context');
    },
  };
}


/**
 * A Ctx for unit tests: offline config, silent logger, hashing embedder, exact in-memory vectors,
 * in-memory artefacts, empty catalogue. Pass any part to replace it.
 */
export function makeTestCtx(overrides: Partial<Ctx> = {}): Ctx {
  const config = overrides.config ?? loadConfig({ env: {}, cwd: '/nonexistent-so-no-config-file-is-read' });
  const logger = overrides.logger ?? pino({ level: process.env.HUBGEN_TEST_LOG ?? 'silent' });
  const embedder = overrides.embedder ?? hashingEmbedder();
  return {
    config,
    logger,
    clock: systemClock,
    models: offlineModels(config),
    embedder,
    // Built on first use, as the runtime builds it from the config, so a test can give a config alone.
    crossEncoder: lazyScorer(() => createCrossEncoder(config, { embedder, logger, env: {} })),
    vectors: memoryVectorStore(),
    artefacts: new MemoryArtefactStore(),
    catalogue: { products: new Map(), categories: new Map(), departments: new Map() },
    corpus: { terms: [], byText: new Map(), digest: 'empty' },
    stats: emptyStats(),
    ...overrides,
  };
}

/** The same context under another config, with what is built from the config (models, cross-encoder) rebuilt. */
export function withConfig(ctx: Ctx, config: HubgenConfig): Ctx {
  return { ...ctx, config, models: offlineModels(config), crossEncoder: lazyScorer(() => createCrossEncoder(config, { embedder: ctx.embedder, logger: ctx.logger, env: {} })) };
}
