import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { buildCatalogueStats } from '../catalogue/stats.js';
import { userContextFor } from '../catalogue/user-context.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import type { Dataset } from '../catalogue/types.js';
import { loadConfig, type HubgenConfig } from '../config/config.js';
import { withAnswerCache } from '../kit/answer-cache.js';
import { openRedisArtefactStore } from '../kit/artefacts/redis-store.js';
import { FsArtefactStore } from '../kit/artefacts/fs-store.js';
import type { ArtefactStore } from '../kit/artefacts/store.js';
import type { Ctx } from '../kit/context.js';
import { createModelRegistry } from '../llm/model-registry.js';
import { openSharedRateLimits } from '../llm/shared-limits.js';
import { buildKeywordCorpus } from '../retrieval/corpus.js';
import { indexKeywords, indexProducts } from '../retrieval/index-catalogue.js';
import { hashingEmbedder } from './hashing-embedder.js';
import { MemoryArtefactStore } from './memory-artefact-store.js';
import { memoryVectorStore } from './memory-vector-store.js';
import { syntheticDataset } from './synthetic-users.js';
import { makeTestCtx } from './test-context.js';

/** Everything a test process and the worker processes it spawns must agree on; JSON, so it can be passed on a command line. */
export interface PageFixtureOptions {
  /** Synthetic users over the example store (s0, s1, …). */
  readonly users: number;
  /** The scripted server's baseURL (…/v1): every LLM tier is answered there. */
  readonly llmBaseURL: string;
  /** Queue, artefacts and rate limits in this Redis (omit for in-process stores and no queue). */
  readonly redisUrl?: string;
  /** Key prefix for the queue (BullMQ), artefacts and rate limits: one per test keeps them apart. */
  readonly prefix?: string;
  /** Which tiers call the LLM: themes only (one call per user) or themes and the judge (one per theme too). @default "themes+judge" */
  readonly llmPhases?: 'themes' | 'themes+judge';
  readonly requestsPerMinute?: number;
  /** Per-process cap on concurrent LLM calls. @default 64 */
  readonly llmConcurrency?: number;
  readonly queue?: Partial<HubgenConfig['queue']>;
  readonly claimLeaseMs?: number;
  /** Wrap the models in the answer cache (what workers run with). @default true */
  readonly answerCache?: boolean;
  readonly workDir?: string;
  readonly run?: Partial<HubgenConfig['run']>;
  readonly batch?: Partial<HubgenConfig['batch']>;
  /** The themes cascade's roles, all LLM (cheap = gpt-4o-mini, strong = gpt-4o on the scripted server). @default ["cheap"] */
  readonly themesCascade?: readonly ('cheap' | 'strong')[];
  /** Where artefacts live without Redis: in memory, or files under workDir (they outlive a killed process). @default "memory" */
  readonly artefacts?: 'memory' | 'fs';
  /** Keyword candidates per theme (the student scores each): fewer makes a page cheaper on the CPU. @default 100 */
  readonly keywordCandidates?: number;
}

/** The config every process of a fixture builds: LLM roles on the scripted server, stores in Redis when given. */
export function fixtureConfig(o: PageFixtureOptions): HubgenConfig {
  const prefix = o.prefix ?? 'hubgen-test';
  const judge = o.llmPhases === 'themes' ? [{ role: 'local', threshold: 0 }] : [{ role: 'cheap', threshold: 0 }];
  return loadConfig({
    env: {},
    cwd: '/nonexistent-so-no-config-file-is-read',
    overrides: {
      workDir: o.workDir ?? mkdtempSync(join(tmpdir(), 'hubgen-fixture-work-')),
      providers: {
        // Its own provider, not the built-in "openai": that one's 500 rpm and 200k tpm would pace a bench of
        // thousands of users, and a tpm limit makes every call count its prompt's tokens first.
        scripted: {
          kind: 'openai',
          baseURL: o.llmBaseURL,
          limits: { concurrency: o.llmConcurrency ?? 64, timeoutMs: 20_000, maxRetries: 1, ...(o.requestsPerMinute ? { requestsPerMinute: o.requestsPerMinute } : {}) },
        },
      },
      roles: { cheap: { provider: 'scripted', model: 'gpt-4o-mini', temperature: 0.2 }, strong: { provider: 'scripted', model: 'gpt-4o', temperature: 0.2 } },
      phases: {
        themes: { cascade: (o.themesCascade ?? ['cheap']).map((role) => ({ role, threshold: 0 })) },
        keywords: { cascade: [{ role: 'student', threshold: 0 }], ...(o.keywordCandidates ? { candidates: o.keywordCandidates } : {}) },
        filter: { judgeCascade: judge },
      },
      ...(o.redisUrl
        ? {
            artefactStore: { kind: 'redis', url: o.redisUrl, prefix: `${prefix}:`, claimLeaseMs: o.claimLeaseMs ?? 2000 },
            limiterStore: { kind: 'redis', url: o.redisUrl, prefix: `${prefix}:` },
            queue: { url: o.redisUrl, prefix, ...o.queue },
          }
        : {}),
      ...(o.run ? { run: o.run } : {}),
      ...(o.batch ? { batch: o.batch } : {}),
    },
  });
}

export interface PageFixture {
  readonly config: HubgenConfig;
  readonly ctx: Ctx;
  readonly dataset: Dataset;
  readonly contextFor: (userId: string) => UserContext;
  close(): Promise<void>;
}

/**
 * The real cascaded pipeline made cheap enough for many users on two shared cores: the example
 * store's catalogue (281 products), synthetic users, the hashing embedder and exact in-memory
 * vectors; the LLM tiers are real calls through the model registry to the scripted server.
 */
export async function pageFixture(o: PageFixtureOptions, logger: Logger = pino({ level: process.env.HUBGEN_TEST_LOG ?? 'silent' })): Promise<PageFixture> {
  const config = fixtureConfig(o);
  const dataset = await syntheticDataset(o.users);
  const stats = buildCatalogueStats(dataset);
  const corpus = buildKeywordCorpus(dataset.catalogue);
  const embedder = hashingEmbedder();
  const vectors = memoryVectorStore();
  await indexKeywords(corpus, embedder, vectors, { batchSize: 4096 });
  await indexProducts(dataset.catalogue, stats, embedder, vectors, { batchSize: 4096 });
  const artefacts: ArtefactStore =
    config.artefactStore.kind === 'redis'
      ? await openRedisArtefactStore(config.artefactStore.url!, { prefix: config.artefactStore.prefix, claimLeaseMs: config.artefactStore.claimLeaseMs })
      : o.artefacts === 'fs'
        ? new FsArtefactStore(join(config.workDir, 'artefacts'))
        : new MemoryArtefactStore();
  const rateLimits = await openSharedRateLimits(config);
  const base = makeTestCtx({ config, logger, catalogue: dataset.catalogue, stats, corpus, embedder, vectors, artefacts });
  const live = createModelRegistry(config, { env: {}, logger, rateLimits });
  const models = o.answerCache === false ? live : withAnswerCache(live, base);
  return {
    config,
    ctx: { ...base, models },
    dataset,
    contextFor: (id) => userContextFor(dataset, id),
    async close() {
      await Promise.allSettled([artefacts.close?.(), rateLimits?.close()]);
    },
  };
}
