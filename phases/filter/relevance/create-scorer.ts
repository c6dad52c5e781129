import type { Ctx } from '../../../kit/context.js';
import { httpRerankScorer } from './http-rerank.js';
import { localRelevanceScorer } from './local-relevance.js';
import type { RelevanceScorer } from './scorer.js';

// One scorer per context: the local model's weights load once, the HTTP client keeps one limiter.
const scorers = new WeakMap<Ctx, RelevanceScorer>();

/**
 * The scorer `roles.cross_encoder` is bound to: a provider of kind 'local' runs the bundled learned
 * relevance model; kind 'http-rerank' calls a rerank service at the provider's baseURL.
 */
export function createRelevanceScorer(ctx: Ctx, env: NodeJS.ProcessEnv = process.env): RelevanceScorer {
  const existing = scorers.get(ctx);
  if (existing) return existing;
  const binding = ctx.config.roles.cross_encoder;
  if (!binding) throw new Error('config: /roles/cross_encoder is not set; bind it to a provider, e.g. { "provider": "local", "model": "hubgen-relevance-v1" }');
  const provider = ctx.config.providers[binding.provider];
  if (!provider) throw new Error(`config: /roles/cross_encoder/provider names "${binding.provider}", which is not under /providers`);
  let scorer: RelevanceScorer;
  switch (provider.kind) {
    case 'local':
      scorer = localRelevanceScorer({ model: binding.model, embedder: ctx.embedder, logger: ctx.logger });
      break;
    case 'http-rerank': {
      if (!provider.baseURL) throw new Error(`config: provider "${binding.provider}" (kind http-rerank) needs a baseURL, the rerank service's URL`);
      const apiKey = provider.apiKeyEnv ? env[provider.apiKeyEnv] : undefined;
      if (provider.apiKeyEnv && !apiKey) throw new Error(`cross_encoder provider "${binding.provider}" needs ${provider.apiKeyEnv} in the environment`);
      scorer = httpRerankScorer({
        url: provider.baseURL,
        model: binding.model,
        apiKey,
        timeoutMs: provider.limits?.timeoutMs,
        maxRetries: provider.limits?.maxRetries,
        concurrency: provider.limits?.concurrency,
        logger: ctx.logger,
      });
      break;
    }
    default:
      throw new Error(`config: /roles/cross_encoder uses provider "${binding.provider}" of kind "${provider.kind}"; a cross-encoder needs kind "local" or "http-rerank"`);
  }
  scorers.set(ctx, scorer);
  return scorer;
}

/** Relevance in [0,1] of each product name to a theme text, for Phase 4's ranking. */
export async function scoreThemeProducts(ctx: Ctx, themeText: string, productNames: readonly string[]): Promise<number[]> {
  if (productNames.length === 0) return [];
  return createRelevanceScorer(ctx).score(productNames.map((text) => ({ query: themeText, text })));
}
