import { join, resolve } from 'node:path';
import type { HubgenConfig } from '../../config/config.js';
import { FsArtefactStore } from './fs-store.js';
import { openRedisArtefactStore } from './redis-store.js';
import type { ArtefactStore } from './store.js';

/**
 * The store `config.artefactStore` names: files under `<workDir>/artefacts` (default), or Redis
 * shared by every worker. A Redis that cannot be reached fails here, at start, with the URL in
 * the message. Call `close()` on the result when done.
 */
export async function createArtefactStore(config: HubgenConfig): Promise<ArtefactStore> {
  const s = config.artefactStore;
  if (s.kind === 'redis') return openRedisArtefactStore(s.url!, { prefix: s.prefix, claimLeaseMs: s.claimLeaseMs });
  return new FsArtefactStore(join(resolve(config.workDir), 'artefacts'));
}
