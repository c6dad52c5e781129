import pino from 'pino';
import { loadConfig, roleCacheKey, roleUnavailableReason, type HubgenConfig } from '../config/config.js';
import type { ModelRegistry } from '../llm/registry.js';
import { systemClock } from '../base/clock.js';
import type { Ctx } from '../kit/context.js';
import { MemoryArtefactStore } from './memory-artefact-store.js';
import { hashingEmbedder } from './hashing-embedder.js';
import { memoryVectorStore } from './memory-vector-store.js';
import type { CatalogueStats } from '../catalogue/stats-types.js';

/** A registry for a machine with no LLM configured: only local roles are available. */
export function offlineModels(config: HubgenConfig): ModelRegistry {
  return {
    unavailableReason: (role) => roleUnavailableReason(config, role, {}),
    modelId: (role) => config.roles[role]?.model ?? `unbound:${role}`,
    cacheKey: (role) => roleCacheKey(config, role, {}),
    generateStructured: async () => {
      throw new Error('offlineModels: no LLM is configured in this test context');
    },
  };
}

const emptyStats: CatalogueStats = { productOrders: new Map(), categoryLines: new Map(), totalOrders: 0, popularity: () => 0 };

/**
 * A Ctx for unit tests: offline config, silent logger, hashing embedder, exact in-memory vectors,
 * in-memory artefacts, empty catalogue. Pass any part to replace it.
 */
export function makeTestCtx(overrides: Partial<Ctx> = {}): Ctx {
  const config = overrides.config ?? loadConfig({ env: {}, cwd: '/nonexistent-so-no-config-file-is-read' });
  return {
    config,
    logger: pino({ level: process.env.HUBGEN_TEST_LOG ?? 'silent' }),
    clock: systemClock,
    models: offlineModels(config),
    embedder: hashingEmbedder(),
    vectors: memoryVectorStore(),
    artefacts: new MemoryArtefactStore(),
    catalogue: { products: new Map(), categories: new Map(), departments: new Map() },
    corpus: { terms: [], byText: new Map(), digest: 'empty' },
    stats: emptyStats,
    ...overrides,
  };
}
