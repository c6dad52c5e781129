import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileSchema, describeErrors } from '../base/ajv.js';
import { configSchema, type HubgenConfig, type Role, type RoleBinding } from './config-schema.js';
import { ConfigError } from './config-error.js';

export type { HubgenConfig, Role } from './config-schema.js';
export { ROLES } from './config-schema.js';

export const DEFAULT_CONFIG_FILE = 'hubgen.config.json';

/** The phases whose config has an `llmTiers` block (config keys, so singleStep, not single-step). */
export const LLM_TIER_PHASES = ['themes', 'keywords', 'filter', 'singleStep'] as const;

/**
 * Built-in defaults run fully offline: every role the local models can play is bound to them,
 * and the LLM roles point at OpenAI through OPENAI_API_KEY, so they join the cascades only when
 * that key (or OPENAI_BASE_URL for a keyless local server) is in the environment.
 */
export const BUILTIN_DEFAULTS = {
  providers: {
    local: { kind: 'local' },
    openai: { kind: 'openai', apiKeyEnv: 'OPENAI_API_KEY', limits: { concurrency: 4, requestsPerMinute: 500, tokensPerMinute: 200_000 } },
  },
  roles: {
    local: { provider: 'local', model: 'hubgen-local-v1' },
    student: { provider: 'local', model: 'hubgen-student-v1' },
    cross_encoder: { provider: 'local', model: 'hubgen-relevance-v1' },
    embedder: { provider: 'local', model: 'use-lite-512' },
    cheap: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.2 },
    strong: { provider: 'openai', model: 'gpt-4o', temperature: 0.2 },
    teacher: { provider: 'openai', model: 'gpt-4o', temperature: 0 },
    judge: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0 },
  },
  // Dollars per 1M tokens, list prices; override in the config file for your contract or server.
  prices: {
    'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
    'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
    'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
    'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  },
} as const;

type Json = unknown;

function isPlainObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars from `over` replace those in `base`. */
export function deepMerge(base: Json, over: Json): Json {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? structuredClone(base) : structuredClone(over);
  const out: Record<string, Json> = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : structuredClone(v);
  return out;
}

/**
 * Environment overrides, named HUBGEN_* consistently; QDRANT_URL, REDIS_URL and OPENAI_BASE_URL
 * are the ecosystem's own names. A URL alone never switches a store on (HUBGEN_*_STORE does), so a
 * REDIS_URL exported for tests or the queue leaves a local run on its local stores.
 */
function envOverrides(env: NodeJS.ProcessEnv): Json {
  const o: Record<string, Record<string, unknown> | string> = {};
  if (env.HUBGEN_WORK_DIR) o.workDir = env.HUBGEN_WORK_DIR;
  if (env.HUBGEN_DATA_DIR) o.dataDir = env.HUBGEN_DATA_DIR;
  if (env.HUBGEN_VECTOR_STORE || env.QDRANT_URL) {
    o.vectorStore = {
      ...(env.HUBGEN_VECTOR_STORE ? { kind: env.HUBGEN_VECTOR_STORE } : {}),
      ...(env.QDRANT_URL ? { url: env.QDRANT_URL } : {}),
    };
  }
  if (env.HUBGEN_ARTEFACT_STORE || env.REDIS_URL) {
    o.artefactStore = {
      ...(env.HUBGEN_ARTEFACT_STORE ? { kind: env.HUBGEN_ARTEFACT_STORE } : {}),
      ...(env.REDIS_URL ? { url: env.REDIS_URL } : {}),
    };
  }
  if (env.HUBGEN_LIMITER_STORE || env.REDIS_URL) {
    o.limiterStore = {
      ...(env.HUBGEN_LIMITER_STORE ? { kind: env.HUBGEN_LIMITER_STORE } : {}),
      ...(env.REDIS_URL ? { url: env.REDIS_URL } : {}),
    };
  }
  // The queue is only used when a command asks for it (--queue), so the URL alone is safe to take.
  if (env.REDIS_URL) o.queue = { url: env.REDIS_URL };
  if (env.OPENAI_BASE_URL) o.providers = { openai: { baseURL: env.OPENAI_BASE_URL } };
  return o;
}

export interface LoadConfigOptions {
  /** Config file; defaults to ./hubgen.config.json when it exists. */
  readonly file?: string;
  /** Already-parsed overrides, applied last (tests and CLI flags). */
  readonly overrides?: Json;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Reads, merges and validates the configuration once, at the edge. */
export function loadConfig(options: LoadConfigOptions = {}): HubgenConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = options.file ? resolve(cwd, options.file) : resolve(cwd, DEFAULT_CONFIG_FILE);
  let fromFile: Json = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(file, `not valid JSON (${(e as Error).message})`);
    }
  } else if (options.file) {
    throw new ConfigError(file, 'file not found');
  }
  return validateConfig(deepMerge(deepMerge(deepMerge(BUILTIN_DEFAULTS, fromFile), envOverrides(env)), options.overrides ?? {}), file);
}

export function validateConfig(raw: Json, source = '<inline config>'): HubgenConfig {
  const value = structuredClone(raw);
  const validate = compileSchema<HubgenConfig>(configSchema);
  if (!validate(value)) throw new ConfigError(source, describeErrors(validate.errors));
  const cfg = value as HubgenConfig;
  for (const [role, binding] of Object.entries(cfg.roles) as [Role, RoleBinding][]) {
    if (!(binding.provider in cfg.providers)) {
      throw new ConfigError(source, `/roles/${role}/provider names "${binding.provider}", which is not under /providers (have: ${Object.keys(cfg.providers).join(', ')})`);
    }
  }
  for (const phase of LLM_TIER_PHASES) {
    const tiers = cfg.phases[phase].llmTiers;
    if (tiers?.signal === 'deferral' && !tiers.deferral) {
      throw new ConfigError(source, `/phases/${phase}/llmTiers/deferral/weights is required when /phases/${phase}/llmTiers/signal is "deferral" (train one with: hubgen calibrate --phase <phase> --train-deferral --out <file>)`);
    }
  }
  if (cfg.vectorStore.kind === 'qdrant' && !cfg.vectorStore.url) {
    throw new ConfigError(source, '/vectorStore/url is required when /vectorStore/kind is "qdrant" (or set QDRANT_URL)');
  }
  if (cfg.artefactStore.kind === 'redis' && !cfg.artefactStore.url) {
    throw new ConfigError(source, '/artefactStore/url is required when /artefactStore/kind is "redis" (or set REDIS_URL)');
  }
  if (cfg.limiterStore.kind === 'redis' && !cfg.limiterStore.url) {
    throw new ConfigError(source, '/limiterStore/url is required when /limiterStore/kind is "redis" (or set REDIS_URL)');
  }
  return cfg;
}

/** Why a role cannot be used right now, or undefined when it can. */
export function roleUnavailableReason(cfg: HubgenConfig, role: Role, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const binding = cfg.roles[role];
  if (!binding) return `role "${role}" is not bound to any provider in the config`;
  const provider = cfg.providers[binding.provider];
  if (!provider) return `provider "${binding.provider}" is not configured`;
  if (provider.kind === 'local') return undefined;
  if (provider.apiKeyEnv && !env[provider.apiKeyEnv] && !provider.baseURL) {
    return `provider "${binding.provider}" needs ${provider.apiKeyEnv} in the environment (or a baseURL for a keyless OpenAI-compatible server)`;
  }
  return undefined;
}

/** See ModelRegistry.cacheKey: model, non-default endpoint, and "!unavailable" when the role cannot run. */
export function roleCacheKey(cfg: HubgenConfig, role: Role, env: NodeJS.ProcessEnv = process.env): string {
  const binding = cfg.roles[role];
  if (!binding) return `unbound:${role}`;
  const provider = cfg.providers[binding.provider];
  const endpoint = provider && provider.kind !== 'local' && provider.baseURL ? `@${provider.baseURL}` : '';
  return `${binding.model}${endpoint}${roleUnavailableReason(cfg, role, env) ? '!unavailable' : ''}`;
}

/**
 * What kind of model answers a role: a bundled local model (run by the phase that owns it), an LLM
 * behind an OpenAI-compatible API, or a rerank service. undefined when the role is not bound.
 */
export type RoleKind = 'local' | 'llm' | 'rerank';

export function roleKind(cfg: HubgenConfig, role: Role): RoleKind | undefined {
  const binding = cfg.roles[role];
  const provider = binding ? cfg.providers[binding.provider] : undefined;
  if (!provider) return undefined;
  return provider.kind === 'local' ? 'local' : provider.kind === 'http-rerank' ? 'rerank' : 'llm';
}
