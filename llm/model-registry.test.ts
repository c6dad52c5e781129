import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { themesSchema, type Themes } from '../phases/themes/schema.js';
import { reply, startScriptedServer, type ScriptedServer } from './simulator/scripted-server.js';
import { compileSchema } from '../base/ajv.js';
import { loadConfig, type HubgenConfig } from '../config/config.js';
import { RoleNotCallableError } from './errors/role-not-callable-error.js';
import { StructuredOutputError } from './errors/structured-output-error.js';
import { createModelRegistry, type ModelRegistryOptions } from './model-registry.js';
import type { GenerateStructuredOptions } from './registry.js';

const logger = pino({ level: process.env.HUBGEN_TEST_LOG ?? 'silent' });
const NO_CONFIG_DIR = '/nonexistent-so-no-config-file-is-read';

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

function configFor(limits: Record<string, number> = {}, extra: object = {}): HubgenConfig {
  return loadConfig({
    env: {},
    cwd: NO_CONFIG_DIR,
    overrides: { providers: { openai: { baseURL: server.baseURL, limits: { timeoutMs: 2000, maxRetries: 3, ...limits } } }, ...extra },
  });
}

function registry(config = configFor(), options: Partial<ModelRegistryOptions> = {}) {
  return createModelRegistry(config, { env: {}, logger, retryPolicy: { initialDelayMs: 5, maxDelayMs: 20, jitter: 0 }, ...options });
}

const messages = [
  { role: 'system', content: 'You plan grocery shopping hub pages.' },
  { role: 'user', content: 'User buys spaghetti, basil, parmesan and sourdough bread every week. Propose themes.' },
] as const;
const request = { role: 'cheap', schema: themesSchema, schemaName: 'hubgen.themes.v1', messages } satisfies GenerateStructuredOptions<typeof themesSchema>;
const validThemes: Themes = {
  pageTitle: 'Your week in groceries',
  themes: [{ id: 'pasta-night', kind: 'discovery', title: 'Pasta night', description: 'Spaghetti, basil and parmesan for a quick dinner.', concepts: ['spaghetti', 'basil'], categories: ['dry pasta'], departments: ['pantry'], confidence: 0.8 }],
};

describe('createModelRegistry', () => {
  it('resolves model ids and availability from the config and env', () => {
    const offline = loadConfig({ env: {}, cwd: NO_CONFIG_DIR });
    const r = createModelRegistry(offline, { env: {}, logger });
    expect(r.modelId('cheap')).toBe('gpt-4o-mini');
    expect(r.unavailableReason('cheap')).toMatch(/OPENAI_API_KEY/);
    expect(r.unavailableReason('local')).toBeUndefined();
    expect(createModelRegistry(offline, { env: { OPENAI_API_KEY: 'sk-test' }, logger }).unavailableReason('cheap')).toBeUndefined();
  });

  it('refuses unavailable and local roles with a clear error', async () => {
    const offline = loadConfig({ env: {}, cwd: NO_CONFIG_DIR });
    const r = createModelRegistry(offline, { env: {}, logger });
    const e = await r.generateStructured({ ...request, role: 'cheap' }).catch((x) => x);
    expect(RoleNotCallableError.isInstance(e)).toBe(true);
    expect(e.message).toMatch(/OPENAI_API_KEY/);
    await expect(r.generateStructured({ ...request, role: 'local' })).rejects.toThrow(/kind "local".*phases/);
  });

  it('sends a strict json_schema request through ChatOpenAI and returns the validated object with usage', async () => {
    server.enqueue(reply.json(validThemes));
    const r = registry();
    const result = await r.generateStructured(request);
    expect(result.object).toEqual(validThemes);
    expect(result.model).toBe('gpt-4o-mini');
    expect(result.finishReason).toBe('stop');
    expect(result.repaired).toBe(false);
    expect(result.attempts).toHaveLength(1);
    const body = server.requests[0];
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.stream).toBe(false);
    expect(body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'hubgen_themes_v1', strict: true } });
    expect(JSON.stringify(body.response_format)).not.toContain('$id');
    expect(body.messages.map((m) => m.content)).toEqual(messages.map((m) => m.content));
    expect(result.usage.inputTokens).toBeGreaterThan(20);
    expect(result.usage.costUsd).toBeGreaterThan(0);
  });

  it('sends the API key from the env var the provider names', async () => {
    let auth: string | undefined;
    const spyFetch: typeof fetch = async (input, init) => {
      auth = new Headers(init?.headers).get('authorization') ?? undefined;
      return fetch(input, init);
    };
    server.enqueue(reply.json(validThemes));
    const cfg = configFor({}, { providers: { openai: { baseURL: server.baseURL, apiKeyEnv: 'MY_LLM_KEY' } } });
    await registry(cfg, { env: { MY_LLM_KEY: 'sk-secret-123' }, fetch: spyFetch }).generateStructured(request);
    expect(auth).toBe('Bearer sk-secret-123');
  });

  it('simulation mode answers every request with a schema-valid object', async () => {
    const result = await registry().generateStructured(request);
    // The result's type comes from the schema, with no type argument at the call.
    expectTypeOf(result.object).toEqualTypeOf<Themes>();
    expect(compileSchema(themesSchema)(result.object)).toBe(true);
  });

  it('throws a typed error when the output never validates', async () => {
    server.enqueue(reply.json({ pageTitle: 'x' }), reply.json({ pageTitle: 'y' }));
    const e = await registry().generateStructured(request).catch((x) => x);
    expect(StructuredOutputError.isInstance(e)).toBe(true);
    expect(e.stage).toBe('schema');
  });
});
