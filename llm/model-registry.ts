import type { Logger } from 'pino';
import { systemClock, type Clock } from '../base/clock.js';
import { createChatCall, type ChatCall } from './chat.js';
import { requestSchema, type DecodingRequest } from './constrained-decoding.js';
import { roleKind, roleUnavailableReason, roleCacheKey, type HubgenConfig, type Role } from '../config/config.js';
import type { ProviderConfig } from '../config/config-schema.js';
import { RoleNotCallableError } from './errors/role-not-callable-error.js';
import { ProviderLimiter } from './limits.js';
import type { SharedRateLimits } from './shared-limits.js';
import type { GenerateStructuredOptions, ModelRegistry } from './registry.js';
import { isRetryableError, policyDelay, resolveRetryPolicy, retryWithBackoff, type RetryPolicy } from './retry.js';
import { generateStructuredWith, type StructuredCall } from './structured.js';
import { countChatTokens, countTokens } from './tokens.js';

export interface ModelRegistryOptions {
  /** Where API keys are read from (by each provider's apiKeyEnv). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** The fetch the OpenAI client uses (tests, benchmarks, proxies). */
  readonly fetch?: typeof fetch;
  /** Backoff shape; maxRetries comes from each provider's limits unless set here. */
  readonly retryPolicy?: Partial<RetryPolicy>;
  /** Calls after the first that carry the validator's errors back to the model. @default 1 */
  readonly maxValidationRetries?: number;
  /**
   * Per-minute allowances shared by every worker (openSharedRateLimits(config)); required when
   * config.limiterStore.kind is "redis", so a run that asked for shared limits never silently
   * paces per process. The caller closes it.
   */
  readonly rateLimits?: SharedRateLimits;
}

/** Defaults for a provider without a `limits` block (mirrors the config schema's defaults). */
const DEFAULT_LIMITS = { concurrency: 4, timeoutMs: 60_000, maxRetries: 3 } as const;
/** Output tokens reserved against tokens-per-minute when a role sets no maxOutputTokens. */
const DEFAULT_OUTPUT_ESTIMATE = 512;
/** OpenAI's client insists on a key; a keyless local server ignores it. */
const PLACEHOLDER_API_KEY = 'hubgen-no-key';

const schemaTokenCache = new WeakMap<object, number>();

/** Providers bill a schema as prompt tokens; count it once per schema for the tokens-per-minute estimate. */
function schemaTokens(request: DecodingRequest): number {
  const schema = requestSchema(request);
  if (!schema) return 0;
  let n = schemaTokenCache.get(schema);
  if (n === undefined) {
    n = countTokens(JSON.stringify(schema));
    schemaTokenCache.set(schema, n);
  }
  return n;
}

/**
 * The only way phases reach an LLM. Roles bound to the same provider share that provider's
 * limiter, so concurrency and per-minute limits hold across roles.
 */
export function createModelRegistry(config: HubgenConfig, options: ModelRegistryOptions): ModelRegistry {
  const { logger, clock = systemClock, fetch } = options;
  const env = options.env ?? process.env;
  const limiters = new Map<string, ProviderLimiter>();
  const calls = new Map<Role, StructuredCall>();
  const roleLoggers = new Map<Role, Logger>();
  const loggedWarnings = new Set<string>();
  // Results carry their warnings every time; the log says each one once per registry.
  const onWarning = (warning: string) => {
    if (loggedWarnings.has(warning)) return;
    loggedWarnings.add(warning);
    log.warn({ warning }, 'model layer warning');
  };
  const log = logger.child({ component: 'model-registry' });
  if (config.limiterStore?.kind === 'redis' && !options.rateLimits) {
    throw new TypeError('config.limiterStore.kind is "redis" but no shared rate limits were given: pass { rateLimits: await openSharedRateLimits(config) } to createModelRegistry');
  }

  function providerOf(role: Role): { name: string; provider: ProviderConfig } {
    const binding = config.roles[role];
    if (!binding) throw new RoleNotCallableError(role, 'it is not bound to a provider under /roles');
    return { name: binding.provider, provider: config.providers[binding.provider] };
  }

  function limiterFor(name: string, provider: ProviderConfig): ProviderLimiter {
    let limiter = limiters.get(name);
    if (!limiter) {
      const l = provider.limits;
      const limits = { concurrency: l?.concurrency ?? DEFAULT_LIMITS.concurrency, requestsPerMinute: l?.requestsPerMinute, tokensPerMinute: l?.tokensPerMinute };
      const perMinute = limits.requestsPerMinute !== undefined || limits.tokensPerMinute !== undefined;
      limiter = new ProviderLimiter(limits, {
        now: () => clock.monotonic(),
        ...(perMinute && options.rateLimits ? { allowance: options.rateLimits.allowanceFor(name, limits) } : {}),
        onError: (e) => log.warn({ provider: name, err: (e as Error).message }, 'could not record a token correction in the shared rate limits'),
      });
      limiters.set(name, limiter);
    }
    return limiter;
  }

  function callFor(role: Role): StructuredCall {
    const existing = calls.get(role);
    if (existing) return existing;
    const binding = config.roles[role]!;
    const { name, provider } = providerOf(role);
    const limiter = limiterFor(name, provider);
    const timeoutMs = provider.limits?.timeoutMs ?? DEFAULT_LIMITS.timeoutMs;
    const policy = resolveRetryPolicy({ maxRetries: provider.limits?.maxRetries ?? DEFAULT_LIMITS.maxRetries, ...options.retryPolicy });
    const delayMs = policyDelay(policy);
    const apiKey = (provider.apiKeyEnv ? env[provider.apiKeyEnv] : undefined) || PLACEHOLDER_API_KEY;
    const chat: ChatCall = createChatCall({ model: binding.model, apiKey, baseURL: provider.baseURL, temperature: binding.temperature, maxOutputTokens: binding.maxOutputTokens, fetch });
    const outputEstimate = binding.maxOutputTokens ?? DEFAULT_OUTPUT_ESTIMATE;
    // Counting prompt tokens costs a tokenizer pass; only pay it when a token limit needs it.
    const needsEstimate = provider.limits?.tokensPerMinute !== undefined;

    const call: StructuredCall = async ({ messages, responseFormat, extraBody, logprobs, stream, signal, onRequestFailure }) => {
      const estimate = needsEstimate ? countChatTokens(messages) + schemaTokens({ responseFormat, extraBody }) + outputEstimate : 0;
      return retryWithBackoff(
        async (attempt) => {
          const t0 = clock.monotonic();
          try {
            return await limiter.schedule(estimate, () => chat({ messages, responseFormat, extraBody, logprobs, stream, signal, timeoutMs }), {
              signal,
              actualTokens: (r) => (r.tokens && needsEstimate ? (r.tokens.inputTokens ?? 0) + (r.tokens.outputTokens ?? 0) : undefined),
            });
          } catch (error) {
            if (!signal?.aborted) {
              const willRetry = isRetryableError(error) && attempt < policy.maxRetries;
              onRequestFailure({ error, latencyMs: clock.monotonic() - t0, willRetry });
            }
            throw error;
          }
        },
        {
          shouldRetry: isRetryableError,
          delayMs,
          maxRetries: policy.maxRetries,
          signal,
          onRetry: (error, attempt, wait) => log.warn({ role, model: binding.model, attempt, waitMs: wait, err: (error as Error).message }, 'model call failed; retrying'),
        },
      );
    };
    calls.set(role, call);
    return call;
  }

  return {
    unavailableReason: (role) => roleUnavailableReason(config, role, env),
    kindOf: (role) => roleKind(config, role),
    cacheKey: (role) => roleCacheKey(config, role, env),
    modelId(role) {
      const binding = config.roles[role];
      if (!binding) throw new RoleNotCallableError(role, 'it is not bound to a provider under /roles');
      return binding.model;
    },
    // Typed by the interface: the schema's value type is inferred at the call site, not computed here.
    generateStructured: (async (request: GenerateStructuredOptions) => {
      const { role } = request;
      const why = roleUnavailableReason(config, role, env);
      if (why) throw new RoleNotCallableError(role, why);
      const { name, provider } = providerOf(role);
      if (provider.kind !== 'openai') {
        throw new RoleNotCallableError(role, `it is bound to provider "${name}" of kind "${provider.kind}"; local tiers are run by the phases themselves, not through the registry`);
      }
      return generateStructuredWith<unknown>(request, {
        model: config.roles[role]!.model,
        call: callFor(role),
        prices: config.prices,
        structuredOutputs: provider.structuredOutputs ?? true,
        maxValidationRetries: options.maxValidationRetries,
        logger: roleLoggers.get(role) ?? roleLoggers.set(role, log.child({ role })).get(role)!,
        monotonic: () => clock.monotonic(),
        onWarning,
        decoding: { dialect: provider.constrainedDecoding?.dialect ?? 'openai', unsupportedKeywords: provider.constrainedDecoding?.unsupportedKeywords, provider: `provider "${name}"` },
      });
    }) as ModelRegistry['generateStructured'],
  };
}
