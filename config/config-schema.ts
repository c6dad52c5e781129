import type { FromSchema } from 'json-schema-to-ts';

/** Where a server takes the schema to constrain decoding to (see llm/constrained-decoding.ts). */
export const DECODING_DIALECTS = ['openai', 'vllm', 'vllm-guided', 'llama.cpp', 'ollama'] as const;
export type DecodingDialect = (typeof DECODING_DIALECTS)[number];

export const ROLES = ['local', 'cheap', 'strong', 'student', 'teacher', 'judge', 'embedder', 'cross_encoder'] as const;
export type Role = (typeof ROLES)[number];

const limits = {
  type: 'object',
  additionalProperties: false,
  properties: {
    concurrency: { type: 'integer', minimum: 1, default: 4 },
    requestsPerMinute: { type: 'integer', minimum: 1 },
    tokensPerMinute: { type: 'integer', minimum: 1 },
    timeoutMs: { type: 'integer', minimum: 1, default: 60000 },
    maxRetries: { type: 'integer', minimum: 0, default: 3 },
  },
} as const;

const provider = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    /** `openai` covers OpenAI and any OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio). */
    kind: { enum: ['openai', 'local', 'http-rerank'] },
    baseURL: { type: 'string', minLength: 1 },
    /** Name of the environment variable holding the API key; the key itself never lives in a file. */
    apiKeyEnv: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' },
    /** Whether the server accepts `response_format: json_schema` (strict). */
    structuredOutputs: { type: 'boolean', default: true },
    /**
     * How the server constrains decoding to the schema, when structuredOutputs is on. Unset: OpenAI's
     * response_format json_schema, as always. vllm: structured_outputs; vllm-guided: guided_json
     * (older vLLM); llama.cpp: json_schema; ollama: response_format through its /v1 endpoint.
     */
    constrainedDecoding: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dialect: { enum: DECODING_DIALECTS },
        /** Schema keywords the server's decoder drops: removed from the schema sent and warned about; ajv still validates them. */
        unsupportedKeywords: { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1 } },
      },
    },
    limits,
  },
} as const;

const roleBinding = {
  type: 'object',
  additionalProperties: false,
  required: ['provider', 'model'],
  properties: {
    provider: { type: 'string', minLength: 1 },
    model: { type: 'string', minLength: 1 },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    maxOutputTokens: { type: 'integer', minimum: 1 },
  },
} as const;

const tokenPrices = {
  /** Dollars per 1M tokens. */
  input: { type: 'number', minimum: 0 },
  cachedInput: { type: 'number', minimum: 0 },
  output: { type: 'number', minimum: 0 },
} as const;

const price = {
  type: 'object',
  additionalProperties: false,
  required: ['input', 'output'],
  properties: {
    ...tokenPrices,
    /** Prices through the Batch API, when they are not list price less /batch/discount. */
    batch: { type: 'object', additionalProperties: false, required: ['input', 'output'], properties: tokenPrices },
  },
} as const;

const cascadeTier = {
  type: 'object',
  additionalProperties: false,
  required: ['role'],
  properties: {
    role: { enum: ROLES },
    /** Accept this tier's answer when its confidence is at least this; the last configured tier is always accepted. */
    threshold: { type: 'number', minimum: 0, maximum: 1, default: 0 },
  },
} as const;

const cascade = { type: 'array', minItems: 1, items: cascadeTier } as const;

/** Where an LLM tier's confidence comes from (llm/confidence/). */
export const CONFIDENCE_SIGNALS = ['selfReported', 'logprob', 'agreement', 'deferral'] as const;
export type ConfidenceSignal = (typeof CONFIDENCE_SIGNALS)[number];

/**
 * How a phase's LLM tiers measure their confidence, and whether they stream. No default block: a
 * phase without one keeps the self-reported confidence, and its artefact keys stay as they were.
 */
const llmTiers = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /**
     * The signal that becomes the tier's confidence. selfReported: the model's own confidence field
     * (with the phase's penalties for retries, repairs, dropped names); logprob: token
     * log-probabilities of the value tokens; agreement: share of n samples agreeing with the
     * majority; deferral: a logistic model over the signals (see `deferral.weights`).
     */
    signal: { enum: CONFIDENCE_SIGNALS, default: 'selfReported' },
    /** min: the weakest value token decides; quantile: a low quantile of them (less noisy). Never sum or mean: both follow length. */
    logprob: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        aggregate: { enum: ['min', 'quantile'], default: 'quantile' },
        q: { type: 'number', minimum: 0, maximum: 1, default: 0.1 },
      },
    },
    /** n calls of the same prompt; the answer used is the majority's (or the medoid's for lists). */
    agreement: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { samples: { type: 'integer', minimum: 2, maximum: 10, default: 3 } },
    },
    /** The weights file `hubgen calibrate --train-deferral --out` writes; required when signal is "deferral". */
    deferral: {
      type: 'object',
      additionalProperties: false,
      required: ['weights'],
      properties: { weights: { type: 'string', minLength: 1 } },
    },
    /**
     * Signals to measure and record as well, without deciding anything: for `hubgen calibrate` and
     * deferral training. The self-reported confidence is always recorded (it costs nothing);
     * logprob costs nothing either; agreement costs n calls.
     */
    collect: { type: 'array', uniqueItems: true, items: { enum: ['logprob', 'agreement'] }, default: [] },
    /**
     * Stream the reply and stop it at the first character no schema-valid reply could have; the
     * call is retried with the reason, then the tier fails and the cascade escalates. The output
     * tokens not generated are estimated against expectedOutputTokens (else the role's
     * maxOutputTokens) and counted in usage.savedOutputTokens.
     */
    earlyAbort: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: false },
        expectedOutputTokens: { type: 'integer', minimum: 1 },
      },
    },
  },
} as const;

export const configSchema = {
  $id: 'hubgen.config',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    /**
     * The dataset directory. Unset: a dataset `hubgen import` wrote to <workDir>/dataset, else the
     * bundled Instacart sample (datasets/load.ts resolveDataSource).
     */
    dataDir: { type: 'string', minLength: 1 },
    /** Artefacts, embedding cache and the embedded vector index live here. */
    workDir: { type: 'string', default: '.hubgen' },
    providers: { type: 'object', additionalProperties: provider, default: {} },
    roles: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(ROLES.map((r) => [r, roleBinding])) as Record<Role, typeof roleBinding>,
      default: {},
    },
    prices: { type: 'object', additionalProperties: price, default: {} },
    vectorStore: {
      type: 'object',
      additionalProperties: false,
      properties: {
        kind: { enum: ['embedded', 'qdrant'], default: 'embedded' },
        url: { type: 'string', minLength: 1 },
        apiKeyEnv: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' },
      },
      default: {},
    },
    /** Where phase artefacts live. Workers on several machines share one Redis store and never pay twice for a hash. */
    artefactStore: {
      type: 'object',
      additionalProperties: false,
      properties: {
        /** `fs`: JSON files under <workDir>/artefacts, one machine. `redis`: shared by every process pointing at `url`. */
        kind: { enum: ['fs', 'redis'], default: 'fs' },
        /** redis://host:port[/db]; REDIS_URL sets it. */
        url: { type: 'string', minLength: 1 },
        /** Prepended to every key, so several deployments can share one Redis. */
        prefix: { type: 'string', minLength: 1, default: 'hubgen:' },
        /** How long a worker's claim to compute an artefact lives without renewal; a crashed worker's claim lapses after this. */
        claimLeaseMs: { type: 'integer', minimum: 100, default: 30000 },
      },
      default: {},
    },
    /** Where providers' requests/tokens-per-minute allowances live: per process, or in Redis so they hold across every worker. */
    limiterStore: {
      type: 'object',
      additionalProperties: false,
      properties: {
        /** `process`: each process paces itself (one worker). `redis`: every process pointing at `url` shares one allowance per provider. */
        kind: { enum: ['process', 'redis'], default: 'process' },
        /** redis://host:port[/db]; REDIS_URL sets it. */
        url: { type: 'string', minLength: 1 },
        prefix: { type: 'string', minLength: 1, default: 'hubgen:' },
      },
      default: {},
    },
    embedding: {
      type: 'object',
      additionalProperties: false,
      properties: {
        workers: { type: 'integer', minimum: 1, maximum: 64, default: 2 },
        batchSize: { type: 'integer', minimum: 1, maximum: 4096, default: 128 },
      },
      default: {},
    },
    phases: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        themes: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            cascade: { ...cascade, default: [{ role: 'local', threshold: 0.6 }, { role: 'cheap', threshold: 0.7 }, { role: 'strong', threshold: 0 }] },
            minThemes: { type: 'integer', minimum: 1, default: 4 },
            maxThemes: { type: 'integer', minimum: 1, default: 8 },
            /**
             * The page's mix (phases/themes/plan.ts): up to `staplesThemes` "buy it again" themes
             * holding the user's products likeliest to be reordered (assemble.productsPerTheme each), then
             * `discoveryThemes` themes of products new to them, plus one more for every staples theme a
             * user has too few products to fill; never more than maxThemes in all.
             */
            plan: {
              type: 'object',
              additionalProperties: false,
              default: {},
              properties: {
                staplesThemes: { type: 'integer', minimum: 0, default: 6 },
                discoveryThemes: { type: 'integer', minimum: 0, default: 2 },
              },
            },
            llmTiers,
          },
        },
        keywords: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            cascade: { ...cascade, default: [{ role: 'student', threshold: 0.55 }, { role: 'teacher', threshold: 0 }] },
            candidates: { type: 'integer', minimum: 5, maximum: 1000, default: 100 },
            minKeywords: { type: 'integer', minimum: 1, default: 5 },
            maxKeywords: { type: 'integer', minimum: 1, default: 12 },
            llmTiers,
          },
        },
        filter: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            themeDedupThreshold: { type: 'number', minimum: 0, maximum: 1, default: 0.86 },
            keywordDedupThreshold: { type: 'number', minimum: 0, maximum: 1, default: 0.9 },
            relevanceThreshold: { type: 'number', minimum: 0, maximum: 1, default: 0.35 },
            judgeCascade: { ...cascade, default: [{ role: 'local', threshold: 0.7 }, { role: 'cheap', threshold: 0.7 }, { role: 'strong', threshold: 0 }] },
            /** How the judge's LLM tiers measure their confidence and whether they stream. */
            llmTiers,
            policy: {
              type: 'object',
              additionalProperties: false,
              default: {},
              properties: {
                allowAlcohol: { type: 'boolean', default: false },
                allowTobacco: { type: 'boolean', default: false },
                bannedTerms: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
              },
            },
          },
        },
        assemble: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            productsPerTheme: { type: 'integer', minimum: 1, default: 12 },
            minProductsPerTheme: { type: 'integer', minimum: 0, default: 4 },
            perKeyword: { type: 'integer', minimum: 1, default: 20 },
            /** How Phase 4 ranks (phases/assemble/rank.ts RankingWeights); sweepable as assemble.ranking.<name>. */
            ranking: {
              type: 'object',
              additionalProperties: false,
              default: {},
              properties: {
                hitWeight: { type: 'number', minimum: 0, maximum: 1, default: 0.5 },
                relevanceExponent: { type: 'number', minimum: 0, maximum: 4, default: 0.5 },
                discoverySeeds: { type: 'integer', minimum: 0, default: 36 },
                seedOwnProducts: { type: 'boolean', default: true },
                seedMinRelevance: { type: 'number', minimum: 0, maximum: 1, default: 0.5 },
                maxOwnShare: { type: 'number', minimum: 0, maximum: 1, default: 0.75 },
              },
            },
          },
        },
        /** The single-step baseline for offline evals: one call writes the whole page. */
        singleStep: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            role: { enum: ROLES, default: 'strong' },
            /** How many keyword-corpus terms go into the prompt (the whole corpus does not fit). */
            corpusSlice: { type: 'integer', minimum: 10, maximum: 5000, default: 400 },
            llmTiers,
          },
        },
      },
    },
    /** The OpenAI Batch API path for nightly runs. */
    batch: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** Share of list price the Batch API takes off (OpenAI: half), for models without their own /prices/<model>/batch. */
        discount: { type: 'number', minimum: 0, maximum: 1, default: 0.5 },
        /** How often a batch's status is asked for. */
        pollIntervalMs: { type: 'integer', minimum: 10, default: 30000 },
        /** Requests per batch; more are split over several (the API takes at most 50,000 and 200 MB per batch). */
        maxRequestsPerBatch: { type: 'integer', minimum: 1, maximum: 50000, default: 50000 },
      },
    },
    /**
     * The escalation drift alarm (`hubgen runs --drift`, the end-of-run summary, --fail-on-drift):
     * each phase's escalation and below-threshold rates in the latest run against the runs before it.
     */
    drift: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** How many earlier runs (of the same pipeline) form the baseline. */
        window: { type: 'integer', minimum: 1, default: 10 },
        /** With fewer earlier runs than this, a rate is reported but not judged. */
        minHistory: { type: 'integer', minimum: 1, default: 3 },
        /** Allowed distance from the window's mean: the widest of `absolute` and k standard deviations (never under `floor`). */
        band: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            /** In rate points: 0.1 is ten percentage points. */
            absolute: { type: 'number', minimum: 0, maximum: 1, default: 0.1 },
            k: { type: 'number', exclusiveMinimum: 0 },
            floor: { type: 'number', minimum: 0, maximum: 1, default: 0.02 },
          },
        },
      },
    },
    run: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        concurrency: { type: 'integer', minimum: 1, default: 2 },
        /** Stop starting new users once a run has spent this many dollars. */
        budgetUsd: { type: 'number', minimum: 0 },
        /**
         * `live`: LLM tiers are called as the pipeline reaches them. `batch`: their requests go
         * through the Batch API in rounds (half price, answers within the batch window); `hubgen run --batch` sets it.
         */
        mode: { enum: ['live', 'batch'], default: 'live' },
        /** Batch mode: most rounds of batches before users still waiting for answers are recorded as failed. */
        maxBatchRounds: { type: 'integer', minimum: 1, default: 8 },
      },
    },
    /** Distributed runs (`hubgen run --queue`, `hubgen worker`): one BullMQ job per user on a Redis every worker reaches. */
    queue: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** redis://host:port[/db]; `--queue <url>` and REDIS_URL set it. */
        url: { type: 'string', minLength: 1 },
        /** BullMQ key prefix, so several deployments can share one Redis. */
        prefix: { type: 'string', minLength: 1, pattern: '^[^:]+$', default: 'hubgen' },
        /** Users one worker process runs at once (`hubgen worker --concurrency`). */
        concurrency: { type: 'integer', minimum: 1, default: 4 },
        /** Tries per user for transient failures (provider 429/5xx/timeouts, a lost connection); a deterministic failure is tried once. */
        attempts: { type: 'integer', minimum: 1, default: 5 },
        /** First wait before retrying a transient failure; doubles each time (with jitter), or the provider's Retry-After. */
        backoffMs: { type: 'integer', minimum: 0, default: 5000 },
        /** How long a worker's hold on a job lasts without renewal: a killed worker's jobs go back to the queue after this. */
        lockDurationMs: { type: 'integer', minimum: 100, default: 30000 },
        /** How often workers look for jobs whose holder died. */
        stalledIntervalMs: { type: 'integer', minimum: 100, default: 30000 },
        /** Times a job may be taken back from a dead worker before it is recorded as failed. */
        maxStalledCount: { type: 'integer', minimum: 0, default: 2 },
        /**
         * In queue mode, keep artefacts and provider rate limits in the queue's Redis when the config
         * keeps them local (artefactStore "fs", limiterStore "process"): workers then never pay twice for one
         * artefact and the rpm/tpm limits hold across all of them.
         */
        shareStores: { type: 'boolean', default: true },
        /** How long a run's per-user records stay in Redis after it was enqueued (the manifest on disk is the lasting record). */
        keepRunDays: { type: 'number', exclusiveMinimum: 0, default: 14 },
      },
    },
  },
} as const;

export type HubgenConfig = FromSchema<typeof configSchema, { keepDefaultedPropertiesOptional: false }>;
export type CascadeTierConfig = FromSchema<typeof cascadeTier, { keepDefaultedPropertiesOptional: false }>;
/** A phase's `llmTiers` block after defaults: what its LLM tiers measure and whether they stream. */
export type LlmTiersConfig = FromSchema<typeof llmTiers, { keepDefaultedPropertiesOptional: false }>;
export type DriftConfig = HubgenConfig['drift'];
export type ProviderConfig = FromSchema<typeof provider>;
export type RoleBinding = FromSchema<typeof roleBinding>;
export type Price = FromSchema<typeof price>;
