import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { HubgenConfig } from '../../config/config.js';
import type { VectorStore } from './store.js';
import { openEmbeddedStore } from './embedded-store.js';
import { openQdrantStore, QdrantUnavailableError } from './qdrant-store.js';

export interface CreateVectorStoreOptions {
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/** The store `config.vectorStore` names: embedded under `<workDir>/vectors` (default) or Qdrant. */
export async function createVectorStore(config: HubgenConfig, { logger, env = process.env }: CreateVectorStoreOptions): Promise<VectorStore> {
  const vs = config.vectorStore;
  if (vs.kind === 'qdrant') {
    if (!vs.url) throw new QdrantUnavailableError('(no URL)', '/vectorStore/url is not set');
    const apiKey = vs.apiKeyEnv ? env[vs.apiKeyEnv] : undefined;
    if (vs.apiKeyEnv && !apiKey) logger.warn({ apiKeyEnv: vs.apiKeyEnv }, 'vectorStore.apiKeyEnv is set but that variable is empty; connecting to Qdrant without a key');
    return openQdrantStore({ url: vs.url, apiKey, logger });
  }
  return openEmbeddedStore({ dir: resolve(config.workDir, 'vectors'), logger });
}
