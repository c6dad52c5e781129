import type { Logger } from 'pino';
import type { Clock } from '../../base/clock.js';
import { makeArtefact, artefactHash, type Artefact, type ArtefactKey, type Provenance } from './artefact.js';
import type { ArtefactStore } from './store.js';

export interface Computed<T> {
  readonly data: T;
  readonly provenance: Provenance;
}

export interface CachedResult<T> {
  readonly artefact: Artefact<T>;
  /** True when the artefact came from the store and nothing was recomputed. */
  readonly cached: boolean;
}

// Concurrent requests for the same hash share one computation, so two workers never pay twice.
const inFlight = new Map<string, Promise<CachedResult<unknown>>>();

/**
 * Returns the stored artefact for `key`, or computes, stores and returns it. A corrupted entry is
 * logged and recomputed. Failures are never stored.
 */
export function cachedArtefact<T>(
  deps: { readonly artefacts: ArtefactStore; readonly logger: Logger; readonly clock: Clock },
  key: ArtefactKey,
  compute: () => Promise<Computed<T>>,
): Promise<CachedResult<T>> {
  const hash = artefactHash(key);
  const flightKey = `${deps.artefacts.kind}:${hash}`;
  const running = inFlight.get(flightKey);
  if (running) return running as Promise<CachedResult<T>>;
  const p = (async (): Promise<CachedResult<T>> => {
    const found = await deps.artefacts.read<T>(hash);
    if (found.status === 'hit') return { artefact: found.artefact, cached: true };
    if (found.status === 'corrupt') {
      deps.logger.warn({ phase: key.phase, hash, problem: found.problem }, 'corrupted artefact; recomputing');
    }
    const { data, provenance } = await compute();
    const artefact = makeArtefact(key, data, provenance, new Date(deps.clock.now()).toISOString());
    await deps.artefacts.write(artefact);
    return { artefact, cached: false };
  })().finally(() => inFlight.delete(flightKey));
  inFlight.set(flightKey, p as Promise<CachedResult<unknown>>);
  return p;
}
