import type { Attempt, CascadeResult } from './cascade.js';
import type { Artefact, Provenance } from './artefacts/artefact.js';

/** A phase that ran several cascades records each under `steps`; otherwise `attempts` is its one cascade. */
export function cascadesOf(artefact: Artefact): (readonly Attempt[])[] {
  const { steps, attempts } = artefact.provenance;
  return steps && steps.length > 0 ? steps.map((s) => s.attempts) : attempts.length > 0 ? [attempts] : [];
}

/** True when a tier was tried and rejected (low confidence or an error) before the accepted one. Skipped tiers were never tried. */
export function cascadeEscalated(attempts: readonly Attempt[]): boolean {
  const accepted = attempts.findIndex((a) => a.accepted);
  const before = accepted === -1 ? attempts : attempts.slice(0, accepted);
  return before.some((a) => a.outcome === 'escalated' || a.outcome === 'failed');
}

/** The accepted attempt did not clear its threshold: accepted only because no later tier could run. */
export function acceptedBelowThreshold(attempts: readonly Attempt[]): boolean {
  const a = attempts.find((x) => x.accepted);
  return a !== undefined && a.confidence !== undefined && a.confidence < a.threshold;
}

/** A single cascade's result as an artefact's provenance. */
export function provenanceOf(result: CascadeResult<unknown>): Provenance {
  return { attempts: result.attempts, usage: result.usage, latencyMs: result.latencyMs, role: result.role, model: result.model, confidence: result.confidence };
}
