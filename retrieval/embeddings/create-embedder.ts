import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { HubgenConfig } from '../../config/config.js';
import type { Embedder } from './embedder.js';
import { cachedEmbedder, type CachedEmbedder } from './cached-embedder.js';
import { openAIEmbedder } from './openai-embedder.js';
import { USE_MODEL_ID, useEmbedder } from './use-embedder.js';

export interface CreateEmbedderOptions {
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/** The uncached embedder for `config.roles.embedder`. */
export async function createRawEmbedder(config: HubgenConfig, { logger, env = process.env }: CreateEmbedderOptions): Promise<Embedder> {
  const binding = config.roles.embedder;
  if (!binding) throw new Error('config: /roles/embedder is not set; bind it to a provider, e.g. { "provider": "local", "model": "use-lite-512" }');
  const provider = config.providers[binding.provider];
  if (!provider) throw new Error(`config: /roles/embedder/provider names "${binding.provider}", which is not under /providers`);
  switch (provider.kind) {
    case 'local':
      if (binding.model !== USE_MODEL_ID) {
        throw new Error(`config: /roles/embedder/model "${binding.model}" is not a local embedding model (the only one is "${USE_MODEL_ID}")`);
      }
      return useEmbedder({ workers: config.embedding.workers, batchSize: config.embedding.batchSize, logger });
    case 'openai': {
      const apiKey = provider.apiKeyEnv ? env[provider.apiKeyEnv] : undefined;
      if (!apiKey && !provider.baseURL) {
        throw new Error(`embedder provider "${binding.provider}" needs ${provider.apiKeyEnv ?? 'an apiKeyEnv'} in the environment, or a baseURL for a keyless OpenAI-compatible server`);
      }
      return openAIEmbedder({
        model: binding.model,
        baseURL: provider.baseURL,
        apiKey,
        batchSize: config.embedding.batchSize,
        concurrency: provider.limits?.concurrency,
        timeoutMs: provider.limits?.timeoutMs,
        maxRetries: provider.limits?.maxRetries,
        logger,
      });
    }
    default:
      throw new Error(`config: /roles/embedder uses provider "${binding.provider}" of kind "${provider.kind}", which cannot embed text (use kind "local" or "openai")`);
  }
}

/** The embedder for `config.roles.embedder`, behind the persistent cache under `<workDir>/embeddings`. */
export async function createEmbedder(config: HubgenConfig, options: CreateEmbedderOptions): Promise<CachedEmbedder> {
  const inner = await createRawEmbedder(config, options);
  const dir = resolve(config.workDir, 'embeddings');
  try {
    return cachedEmbedder(inner, { dir, logger: options.logger });
  } catch (e) {
    await inner.close();
    throw new Error(`embedding cache at ${dir} could not be opened: ${(e as Error).message}`, { cause: e });
  }
}
