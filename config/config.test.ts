import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_DEFAULTS, deepMerge, LLM_TIER_PHASES, loadConfig, roleUnavailableReason, ROLES, validateConfig } from './config.js';
import { ConfigError } from './config-error.js';

/** A directory with no hubgen.config.json, so only defaults, env and overrides apply. */
const emptyDir = () => mkdtempSync(join(tmpdir(), 'hubgen-config-'));

function configFile(content: string): { dir: string; file: string } {
  const dir = emptyDir();
  const file = join(dir, 'hubgen.config.json');
  writeFileSync(file, content);
  return { dir, file };
}

describe('loadConfig defaults', () => {
  it('load offline: local roles usable, LLM roles waiting for a key', () => {
    const cfg = loadConfig({ env: {}, cwd: emptyDir() });
    expect(cfg.providers.local.kind).toBe('local');
    expect(cfg.roles.local).toEqual({ provider: 'local', model: 'hubgen-local-v1' });
    for (const role of ['local', 'student', 'cross_encoder', 'embedder'] as const) expect(roleUnavailableReason(cfg, role, {})).toBeUndefined();
    for (const role of ['cheap', 'strong', 'teacher', 'judge'] as const) expect(roleUnavailableReason(cfg, role, {})).toMatch(/needs OPENAI_API_KEY/);
    expect(cfg.vectorStore.kind).toBe('embedded');
    expect(cfg.phases.themes.cascade.map((t) => t.role)).toEqual(['local', 'cheap', 'strong']);
    expect(cfg.prices['gpt-4o-mini']).toEqual(BUILTIN_DEFAULTS.prices['gpt-4o-mini']);
  });

  it('makes every role callable once the key is in the env', () => {
    const cfg = loadConfig({ env: {}, cwd: emptyDir() });
    for (const role of ROLES) expect(roleUnavailableReason(cfg, role, { OPENAI_API_KEY: 'sk-x' })).toBeUndefined();
  });

  it('reads ./hubgen.config.json and merges it over the defaults', () => {
    const { dir } = configFile(JSON.stringify({ roles: { cheap: { provider: 'openai', model: 'gpt-4.1-mini' } }, phases: { themes: { maxThemes: 6 } } }));
    const cfg = loadConfig({ env: {}, cwd: dir });
    expect(cfg.roles.cheap?.model).toBe('gpt-4.1-mini');
    expect(cfg.roles.strong?.model).toBe('gpt-4o');
    expect(cfg.phases.themes.maxThemes).toBe(6);
    expect(cfg.phases.themes.minThemes).toBe(4);
  });
});

describe('bad config', () => {
  it('names the JSON path and the reason', () => {
    const { dir, file } = configFile(JSON.stringify({ phases: { themes: { cascade: [{ role: 'cheap', threshold: 2 }] } } }));
    const e = (() => {
      try {
        loadConfig({ env: {}, cwd: dir });
      } catch (x) {
        return x;
      }
    })();
    expect(ConfigError.isInstance(e)).toBe(true);
    expect((e as ConfigError).file).toBe(file);
    expect((e as Error).message).toContain('/phases/themes/cascade/0/threshold must be <= 1');
  });

  it('names an unknown property and a bad enum value', () => {
    expect(() => validateConfig(deepMerge(BUILTIN_DEFAULTS, { vectorStore: { kind: 'pinecone' } }))).toThrow(/\/vectorStore\/kind must be equal to one of the allowed values: "embedded", "qdrant"/);
    expect(() => validateConfig(deepMerge(BUILTIN_DEFAULTS, { providers: { openai: { apiKey: 'sk-in-a-file' } } }))).toThrow(/\/providers\/openai has unknown property "apiKey"/);
  });

  it('takes a constrained-decoding dialect and dropped keywords per provider, and names a bad dialect', () => {
    const cfg = loadConfig({ env: {}, cwd: emptyDir(), overrides: { providers: { openai: { constrainedDecoding: { dialect: 'vllm', unsupportedKeywords: ['pattern'] } } } } });
    expect(cfg.providers.openai.constrainedDecoding).toEqual({ dialect: 'vllm', unsupportedKeywords: ['pattern'] });
    // Unset by default: the request stays OpenAI's json_schema, as before.
    expect(loadConfig({ env: {}, cwd: emptyDir() }).providers.openai.constrainedDecoding).toBeUndefined();
    expect(() => validateConfig(deepMerge(BUILTIN_DEFAULTS, { providers: { openai: { constrainedDecoding: { dialect: 'tgi' } } } }))).toThrow(
      /\/providers\/openai\/constrainedDecoding\/dialect must be equal to one of the allowed values: "openai", "vllm", "vllm-guided", "llama.cpp", "ollama"/,
    );
  });

  it('rejects a file that is not JSON, and a named file that does not exist', () => {
    const { dir } = configFile('{ "roles": ');
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ env: {}, cwd: emptyDir(), file: 'missing.json' })).toThrow(/missing\.json: file not found/);
  });

  it('rejects a role bound to an unknown provider, naming both', () => {
    expect(() => loadConfig({ env: {}, cwd: emptyDir(), overrides: { roles: { judge: { provider: 'anthropic', model: 'x' } } } })).toThrow(
      /\/roles\/judge\/provider names "anthropic", which is not under \/providers \(have: local, openai\)/,
    );
  });
});

describe('phases.<phase>.llmTiers', () => {
  it('is absent by default, so tiers keep the self-reported confidence and artefact keys stay as they were', () => {
    const cfg = loadConfig({ env: {}, cwd: emptyDir() });
    for (const phase of LLM_TIER_PHASES) expect(cfg.phases[phase].llmTiers).toBeUndefined();
  });

  it('fills the defaults of a block that is given: quantile 0.1, 3 samples, nothing collected, no stream', () => {
    const cfg = loadConfig({ env: {}, cwd: emptyDir(), overrides: { phases: { themes: { llmTiers: { signal: 'logprob' } } } } });
    expect(cfg.phases.themes.llmTiers).toEqual({ signal: 'logprob', logprob: { aggregate: 'quantile', q: 0.1 }, agreement: { samples: 3 }, collect: [], earlyAbort: { enabled: false } });
  });

  it('requires a weights file for the deferral signal, naming the path and how to make one', () => {
    expect(() => loadConfig({ env: {}, cwd: emptyDir(), overrides: { phases: { filter: { llmTiers: { signal: 'deferral' } } } } })).toThrow(
      /\/phases\/filter\/llmTiers\/deferral\/weights is required when \/phases\/filter\/llmTiers\/signal is "deferral".*hubgen calibrate --phase <phase> --train-deferral --out <file>/,
    );
    const ok = loadConfig({ env: {}, cwd: emptyDir(), overrides: { phases: { filter: { llmTiers: { signal: 'deferral', deferral: { weights: 'deferral.json' } } } } } });
    expect(ok.phases.filter.llmTiers?.deferral).toEqual({ weights: 'deferral.json' });
  });

  it('names an unknown signal, a one-sample agreement and an out-of-range quantile', () => {
    const bad = (llmTiers: unknown) => () => loadConfig({ env: {}, cwd: emptyDir(), overrides: { phases: { keywords: { llmTiers } } } });
    expect(bad({ signal: 'vibes' })).toThrow(/\/phases\/keywords\/llmTiers\/signal must be equal to one of the allowed values: "selfReported", "logprob", "agreement", "deferral"/);
    expect(bad({ agreement: { samples: 1 } })).toThrow(/\/phases\/keywords\/llmTiers\/agreement\/samples must be >= 2/);
    expect(bad({ logprob: { q: 1.5 } })).toThrow(/\/phases\/keywords\/llmTiers\/logprob\/q must be <= 1/);
  });
});

describe('drift', () => {
  it('defaults to a window of 10 earlier runs, 3 needed, and a band of ten rate points', () => {
    expect(loadConfig({ env: {}, cwd: emptyDir() }).drift).toEqual({ window: 10, minHistory: 3, band: { absolute: 0.1, floor: 0.02 } });
    expect(() => loadConfig({ env: {}, cwd: emptyDir(), overrides: { drift: { band: { absolute: 2 } } } })).toThrow(/\/drift\/band\/absolute must be <= 1/);
  });
});

describe('env overrides', () => {
  it('OPENAI_BASE_URL points the openai provider at a keyless compatible server', () => {
    const cfg = loadConfig({ env: { OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' }, cwd: emptyDir() });
    expect(cfg.providers.openai.baseURL).toBe('http://127.0.0.1:8000/v1');
    expect(cfg.providers.openai.limits?.concurrency).toBe(4);
    expect(roleUnavailableReason(cfg, 'cheap', {})).toBeUndefined();
  });

  it('QDRANT_URL and HUBGEN_VECTOR_STORE select Qdrant; Qdrant without a URL is an error', () => {
    const cfg = loadConfig({ env: { QDRANT_URL: 'http://localhost:6333', HUBGEN_VECTOR_STORE: 'qdrant' }, cwd: emptyDir() });
    expect(cfg.vectorStore).toMatchObject({ kind: 'qdrant', url: 'http://localhost:6333' });
    expect(() => loadConfig({ env: { HUBGEN_VECTOR_STORE: 'qdrant' }, cwd: emptyDir() })).toThrow(/\/vectorStore\/url is required/);
  });

  it('HUBGEN_ARTEFACT_STORE=redis and REDIS_URL select the shared store; REDIS_URL alone leaves the local one', () => {
    expect(loadConfig({ env: {}, cwd: emptyDir() }).artefactStore).toEqual({ kind: 'fs', prefix: 'hubgen:', claimLeaseMs: 30000 });
    const shared = loadConfig({ env: { HUBGEN_ARTEFACT_STORE: 'redis', REDIS_URL: 'redis://10.0.0.5:6379/2' }, cwd: emptyDir() });
    expect(shared.artefactStore).toMatchObject({ kind: 'redis', url: 'redis://10.0.0.5:6379/2' });
    expect(loadConfig({ env: { REDIS_URL: 'redis://10.0.0.5:6379' }, cwd: emptyDir() }).artefactStore.kind).toBe('fs');
    expect(() => loadConfig({ env: { HUBGEN_ARTEFACT_STORE: 'redis' }, cwd: emptyDir() })).toThrow(/\/artefactStore\/url is required when \/artefactStore\/kind is "redis" \(or set REDIS_URL\)/);
    expect(() => loadConfig({ env: { HUBGEN_ARTEFACT_STORE: 'postgres' }, cwd: emptyDir() })).toThrow(/\/artefactStore\/kind must be equal to one of the allowed values: "fs", "redis"/);
  });

  it('HUBGEN_LIMITER_STORE=redis and REDIS_URL share rate limits across processes; per process by default', () => {
    expect(loadConfig({ env: { REDIS_URL: 'redis://r:6379' }, cwd: emptyDir() }).limiterStore).toEqual({ kind: 'process', url: 'redis://r:6379', prefix: 'hubgen:' });
    expect(loadConfig({ env: { HUBGEN_LIMITER_STORE: 'redis', REDIS_URL: 'redis://r:6379' }, cwd: emptyDir() }).limiterStore.kind).toBe('redis');
    expect(() => loadConfig({ env: { HUBGEN_LIMITER_STORE: 'redis' }, cwd: emptyDir() })).toThrow(/\/limiterStore\/url is required when \/limiterStore\/kind is "redis" \(or set REDIS_URL\)/);
  });

  it('HUBGEN_WORK_DIR and HUBGEN_DATA_DIR win over the file, and overrides win over env', () => {
    const { dir } = configFile(JSON.stringify({ workDir: 'from-file' }));
    expect(loadConfig({ env: { HUBGEN_WORK_DIR: '/tmp/w', HUBGEN_DATA_DIR: '/tmp/d' }, cwd: dir })).toMatchObject({ workDir: '/tmp/w', dataDir: '/tmp/d' });
    expect(loadConfig({ env: { HUBGEN_WORK_DIR: '/tmp/w' }, cwd: dir, overrides: { workDir: '/tmp/o' } }).workDir).toBe('/tmp/o');
    // No default dataDir: unset, the loader falls through to an imported dataset, then the bundled sample.
    expect(loadConfig({ env: {}, cwd: dir }).dataDir).toBeUndefined();
  });
});

describe('deepMerge', () => {
  it('merges objects key by key and replaces arrays whole', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] }, d: 4 })).toEqual({ a: { b: 1, c: [3] }, d: 4 });
  });
});

describe('roleCacheKey', () => {
  it('distinguishes an unconfigured role, a non-default endpoint and the real model, so their artefacts never stand in for each other', async () => {
    const { roleCacheKey } = await import('./config.js');
    const offline = loadConfig({ env: {}, cwd: '/nonexistent' });
    expect(roleCacheKey(offline, 'cheap', {})).toBe('gpt-4o-mini!unavailable');
    expect(roleCacheKey(offline, 'cheap', { OPENAI_API_KEY: 'k' })).toBe('gpt-4o-mini');
    const simulated = loadConfig({ env: {}, cwd: '/nonexistent', overrides: { providers: { openai: { baseURL: 'http://127.0.0.1:4000/v1' } } } });
    expect(roleCacheKey(simulated, 'cheap', {})).toBe('gpt-4o-mini@http://127.0.0.1:4000/v1');
    expect(roleCacheKey(offline, 'local', {})).toBe(offline.roles.local!.model);
  });
});
