import type { Logger } from 'pino';
import type { Clock } from '../../base/clock.js';
import { makeArtefact, artefactHash, type Artefact, type ArtefactKey, type Provenance } from './artefact.js';
import type { ArtefactStore, ComputeClaim } from './store.js';

export interface Computed<T> {
  readonly data: T;
  readonly provenance: Provenance;
}

export interface CachedResult<T> {
  readonly artefact: Artefact<T>;
  /** True when the artefact came from the store and nothing was recomputed here. */
  readonly cached: boolean;
}

export interface CachedArtefactOptions {
  /** First and longest wait between looks while another process computes. @default [50, 1000] */
  readonly pollMs?: readonly [first: number, max: number];
}

interface Deps {
  readonly artefacts: ArtefactStore;
  readonly logger: Logger;
  readonly clock: Clock;
}

const DEFAULT_POLL_MS = [50, 1000] as const;

// Concurrent requests for the same hash in one process share one computation. Keyed by the store
// object, not its kind: two stores of one kind (two directories, two Redis prefixes) hold
// different artefacts, and each must get its own copy written.
const inFlight = new WeakMap<ArtefactStore, Map<string, Promise<CachedResult<unknown>>>>();

/**
 * Returns the stored artefact for `key`, or computes, stores and returns it. A corrupted entry is
 * logged and recomputed. Failures are never stored. Concurrent requests share one computation:
 * within a process always, and across processes when the store can hand out claims.
 */
export function cachedArtefact<T>(deps: Deps, key: ArtefactKey, compute: () => Promise<Computed<T>>, options: CachedArtefactOptions = {}): Promise<CachedResult<T>> {
  const hash = artefactHash(key);
  let flights = inFlight.get(deps.artefacts);
  if (!flights) inFlight.set(deps.artefacts, (flights = new Map()));
  const running = flights.get(hash);
  if (running) return running as Promise<CachedResult<T>>;
  const p = readOrCompute(deps, key, hash, compute, options).finally(() => flights.delete(hash));
  flights.set(hash, p as Promise<CachedResult<unknown>>);
  return p;
}

async function readOrCompute<T>(deps: Deps, key: ArtefactKey, hash: string, compute: () => Promise<Computed<T>>, options: CachedArtefactOptions): Promise<CachedResult<T>> {
  const found = await deps.artefacts.read<T>(hash);
  if (found.status === 'hit') return { artefact: found.artefact, cached: true };
  if (found.status === 'corrupt') deps.logger.warn({ phase: key.phase, hash, problem: found.problem }, 'corrupted artefact; recomputing');
  if (!deps.artefacts.claim) return computeAndStore(deps, key, compute);
  return claimOrWait(deps, key, hash, compute, options);
}

async function computeAndStore<T>(deps: Deps, key: ArtefactKey, compute: () => Promise<Computed<T>>): Promise<CachedResult<T>> {
  const { data, provenance } = await compute();
  const artefact = makeArtefact(key, data, provenance, new Date(deps.clock.now()).toISOString());
  await deps.artefacts.write(artefact);
  return { artefact, cached: false };
}

/**
 * Across processes: take the claim and compute, or wait for the holder's artefact. A holder that
 * fails releases its claim and a holder that dies lets it lapse; either way a waiter then takes
 * the claim itself, so nobody waits forever and nobody stores a failure.
 */
async function claimOrWait<T>(deps: Deps, key: ArtefactKey, hash: string, compute: () => Promise<Computed<T>>, options: CachedArtefactOptions): Promise<CachedResult<T>> {
  const [firstPoll, maxPoll] = options.pollMs ?? DEFAULT_POLL_MS;
  let pause = firstPoll;
  let waited = false;
  for (;;) {
    const claim = await deps.artefacts.claim!(hash);
    if (claim) return computeUnderClaim(deps, key, hash, compute, claim);
    if (!waited) deps.logger.debug({ phase: key.phase, hash }, 'another process is computing this artefact; waiting for it');
    waited = true;
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(maxPoll, pause * 2);
    const found = await deps.artefacts.read<T>(hash);
    if (found.status === 'hit') return { artefact: found.artefact, cached: true };
  }
}

async function computeUnderClaim<T>(deps: Deps, key: ArtefactKey, hash: string, compute: () => Promise<Computed<T>>, claim: ComputeClaim): Promise<CachedResult<T>> {
  const log = deps.logger;
  const { leaseMs } = claim;
  let lost = false;
  // Every third of the lease: two renewals can fail (a slow round trip, a GC pause) before it lapses.
  const renewer = setInterval(() => {
    claim.renew().then(
      (held) => {
        if (!held && !lost) log.warn({ phase: key.phase, hash, leaseMs }, 'claim on an artefact lapsed while computing it; another process may compute it too');
        lost ||= !held;
      },
      (e: unknown) => log.warn({ phase: key.phase, hash, err: (e as Error).message }, 'could not renew the claim on an artefact'),
    );
  }, Math.max(1, Math.floor(leaseMs / 3)));
  renewer.unref();
  try {
    // The holder before us may have written it between our read and our claim.
    const found = await deps.artefacts.read<T>(hash);
    if (found.status === 'hit') return { artefact: found.artefact, cached: true };
    return await computeAndStore(deps, key, compute);
  } finally {
    clearInterval(renewer);
    // A release that fails only delays waiters until the lease lapses; the result still stands.
    await claim.release().catch((e: unknown) => log.warn({ phase: key.phase, hash, err: (e as Error).message }, 'could not release the claim on an artefact; it lapses on its own'));
  }
}
