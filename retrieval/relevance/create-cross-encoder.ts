import type { Logger } from 'pino';
import type { HubgenConfig } from '../../config/config.js';
import type { Embedder } from '../embeddings/embedder.js';
import { httpRerankScorer } from './http-rerank.js';
import { localRelevanceScorer } from './local-relevance.js';
import type { RelevanceScorer } from './scorer.js';

export interface CreateCrossEncoderOptions {
  /** The local model scores with the same embedder the rest of the run uses. */
  readonly embedder: Embedder;
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  readonly fetch?: typeof fetch;
}

/**
 * The scorer `roles.cross_encoder` is bound to, built once per run beside the embedder: a provider
 * of kind 'local' runs the bundled learned relevance model; kind 'http-rerank' calls a rerank
 * service (text-embeddings-inference, Cohere, Jina, vLLM) at the provider's baseURL.
 */
export function createCrossEncoder(config: HubgenConfig, { embedder, logger, env = process.env, fetch }: CreateCrossEncoderOptions): RelevanceScorer {
  const binding = config.roles.cross_encoder;
  if (!binding) throw new Error('config: /roles/cross_encoder is not set; bind it to a provider, e.g. { "provider": "local", "model": "hubgen-relevance-v1" }');
  const provider = config.providers[binding.provider];
  if (!provider) throw new Error(`config: /roles/cross_encoder/provider names "${binding.provider}", which is not under /providers`);
  switch (provider.kind) {
    case 'local':
      return localRelevanceScorer({ model: binding.model, embedder, logger });
    case 'http-rerank': {
      if (!provider.baseURL) throw new Error(`config: provider "${binding.provider}" (kind http-rerank) needs a baseURL, the rerank service's URL`);
      const apiKey = provider.apiKeyEnv ? env[provider.apiKeyEnv] : undefined;
      if (provider.apiKeyEnv && !apiKey) throw new Error(`cross_encoder provider "${binding.provider}" needs ${provider.apiKeyEnv} in the environment`);
      return httpRerankScorer({
        url: provider.baseURL,
        model: binding.model,
        apiKey,
        timeoutMs: provider.limits?.timeoutMs,
        maxRetries: provider.limits?.maxRetries,
        concurrency: provider.limits?.concurrency,
        logger,
        fetch,
      });
    }
    default:
      throw new Error(`config: /roles/cross_encoder uses provider "${binding.provider}" of kind "${provider.kind}"; a cross-encoder needs kind "local" or "http-rerank"`);
  }
}
