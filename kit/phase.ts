import type { CachedResult } from './artefacts/cache.js';

/** Every phase's `run(input, ctx)` resolves to its artefact and whether it came from the cache. */
export type PhaseResult<T> = CachedResult<T>;
