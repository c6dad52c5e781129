import { canonicalJson, sha256 } from '../../base/hash.js';
import type { Attempt } from '../cascade.js';
import type { Usage } from '../../llm/usage.js';


/** Everything that determines an artefact's content. Its canonical hash is the artefact's address. */
export interface ArtefactKey {
  readonly phase: string;
  /** Bumped when the phase's code changes what it produces. */
  readonly phaseVersion: string;
  /** The slice of config this phase reads; nothing else, so unrelated config edits keep the cache. */
  readonly config: unknown;
  /** Model id per role the phase may use. */
  readonly models: Readonly<Record<string, string>>;
  readonly promptVersion: string;
  /** Hashes of upstream artefacts, or digests of raw inputs (e.g. the user context). */
  readonly inputs: readonly string[];
}

/** How the data was produced: the cascade attempts, cost and timing. */
export interface Provenance {
  readonly attempts: readonly Attempt[];
  readonly usage: Usage;
  readonly latencyMs: number;
  /** Role and model whose output was accepted ("mixed" when a phase ran several cascades). */
  readonly role: string;
  readonly model: string;
  readonly confidence: number | undefined;
  /** Per-sub-step records (e.g. one cascade per theme in Phase 2). */
  readonly steps?: readonly ProvenanceStep[];
}

/** One sub-step's cascade, with optional phase-specific detail (e.g. the candidates a teacher saw, for distillation). */
export interface ProvenanceStep {
  readonly name: string;
  readonly attempts: readonly Attempt[];
  readonly detail?: unknown;
}

export interface Artefact<T = unknown> {
  /** sha256 of the canonical key. */
  readonly hash: string;
  readonly key: ArtefactKey;
  readonly createdAt: string;
  readonly data: T;
  readonly provenance: Provenance;
  /** sha256 of the canonical (data, provenance): lets a read detect a corrupted or hand-edited file. */
  readonly checksum: string;
}


/** Versioned so a change to how keys hash can never collide with old entries. */
export const artefactHash = (key: ArtefactKey): string => sha256(`artefact:v1:${canonicalJson(key)}`);

export const artefactChecksum = (data: unknown, provenance: Provenance): string => sha256(canonicalJson({ data, provenance }));

export function makeArtefact<T>(key: ArtefactKey, data: T, provenance: Provenance, createdAt: string): Artefact<T> {
  return { hash: artefactHash(key), key, createdAt, data, provenance, checksum: artefactChecksum(data, provenance) };
}

/** Why a stored artefact cannot be trusted, or undefined when it is intact. */
export function integrityProblem(a: Artefact, expectedHash: string): string | undefined {
  if (a.hash !== expectedHash) return `stored hash ${a.hash} does not match its address ${expectedHash}`;
  if (artefactHash(a.key) !== expectedHash) return 'key does not hash to its address';
  if (artefactChecksum(a.data, a.provenance) !== a.checksum) return 'checksum mismatch: data or provenance changed after writing';
  return undefined;
}
