import type { Role } from '../config/config.js';
import { addUsage, ZERO_USAGE, type Usage } from '../llm/usage.js';
import type { Clock } from '../base/clock.js';
import type { Logger } from 'pino';
import { HubgenError } from '../base/errors.js';
import { PendingBatchError } from '../llm/errors/pending-batch-error.js';
import type { TierSignals } from '../llm/confidence/signals.js';

export type { TierSignals } from '../llm/confidence/signals.js';

/** What one tier answers: its output, how sure it is (0..1), and what it cost. */
export interface TierOutcome<O> {
  readonly output: O;
  readonly confidence: number;
  readonly usage: Usage;
  readonly model: string;
  /** Why the confidence is what it is (e.g. "schema repaired", "3/3 samples agree"). */
  readonly notes?: readonly string[];
  /** An LLM tier's measured signals (logprob, agreement, self-reported, deferral) and which one decided. */
  readonly signals?: TierSignals;
  /**
   * The answer as the items that matter (theme categories, keyword texts, a verdict), so a later
   * tier's answer can be compared with it: the label `hubgen calibrate` gives an escalated answer.
   */
  readonly answerKey?: readonly string[];
}

export type TierFn<I, O> = (input: I) => Promise<TierOutcome<O>>;

/** One configured step of a cascade: which role, and the confidence it must clear. */
export interface TierSpec {
  readonly role: Role;
  readonly threshold: number;
}

/** One recorded attempt. Every tier tried appears here, accepted or not. */
export interface Attempt {
  readonly role: Role;
  readonly model: string | undefined;
  readonly threshold: number;
  readonly confidence: number | undefined;
  readonly accepted: boolean;
  readonly usage: Usage;
  readonly latencyMs: number;
  /** Why it was accepted, escalated, skipped or failed. */
  readonly reason: string;
  readonly outcome: 'accepted' | 'escalated' | 'skipped' | 'failed';
  readonly notes?: readonly string[];
  /** Every signal the tier measured (TierOutcome.signals). */
  readonly signals?: TierSignals;
  /** The answer's comparable items (TierOutcome.answerKey). */
  readonly answerKey?: readonly string[];
}

export interface CascadeResult<O> {
  readonly output: O;
  readonly role: Role;
  readonly model: string;
  readonly confidence: number;
  readonly attempts: readonly Attempt[];
  /** Sum over every attempt, including the escalated ones: they were paid for. */
  readonly usage: Usage;
  readonly latencyMs: number;
  /** True when any tier before the accepted one was tried and rejected. */
  readonly escalated: boolean;
}

/** Every tier failed or was unavailable. Keeps each attempt and the last error. */
export class CascadeError extends HubgenError {
  static override readonly kind: string = 'cascade';
  constructor(
    readonly step: string,
    readonly attempts: readonly Attempt[],
    readonly errors: readonly unknown[],
  ) {
    const tried = attempts.map((a) => `${a.role}: ${a.reason}`).join('; ');
    super(`${step}: no tier produced an answer (${tried || 'no tiers configured'})`, { cause: errors.at(-1) });
  }
  get lastError(): unknown {
    return this.errors.at(-1);
  }
}

export interface RunCascadeOptions<I, O> {
  /** Name for logs and errors, e.g. "themes" or "filter.judge". */
  readonly step: string;
  readonly tiers: readonly TierSpec[];
  /** The implementation of each role this step knows how to run. */
  readonly implementations: Partial<Record<Role, TierFn<I, O>>>;
  readonly input: I;
  /** Why a role cannot run now (no key, no endpoint), or undefined when it can. */
  readonly unavailableReason: (role: Role) => string | undefined;
  readonly logger: Logger;
  readonly clock: Clock;
}

// One log line per (step, role) per process: an offline nightly run should not print the
// same "no API key" line for every user.
const skipLogged = new Set<string>();

/**
 * The cascade primitive every phase shares: tiers run cheapest first; the first whose confidence
 * clears its threshold wins, otherwise the step escalates. The last tier that can run is accepted
 * whatever its confidence, because an answer beats none. Every attempt is recorded.
 */
export async function runCascade<I, O>(options: RunCascadeOptions<I, O>): Promise<CascadeResult<O>> {
  const { step, tiers, implementations, input, unavailableReason, logger, clock } = options;
  const started = clock.monotonic();
  const runnable = tiers.filter((t) => implementations[t.role] && !unavailableReason(t.role));
  const lastRunnable = runnable.at(-1);
  const attempts: Attempt[] = [];
  const errors: unknown[] = [];
  let best: { outcome: TierOutcome<O>; spec: TierSpec } | undefined;

  const skipReason = (spec: TierSpec): string | undefined =>
    implementations[spec.role] ? unavailableReason(spec.role) : `step ${step} has no ${spec.role} implementation`;
  const recordSkip = (spec: TierSpec, why: string) => {
    const key = `${step}:${spec.role}`;
    if (!skipLogged.has(key)) {
      skipLogged.add(key);
      logger.info({ step, role: spec.role, reason: why }, 'cascade tier skipped');
    }
    attempts.push({ role: spec.role, model: undefined, threshold: spec.threshold, confidence: undefined, accepted: false, usage: ZERO_USAGE, latencyMs: 0, reason: why, outcome: 'skipped' });
  };

  for (const [index, spec] of tiers.entries()) {
    const impl = implementations[spec.role];
    const why = skipReason(spec);
    if (why) {
      recordSkip(spec, why);
      continue;
    }
    const t0 = clock.monotonic();
    let outcome: TierOutcome<O>;
    try {
      outcome = await impl!(input);
    } catch (error) {
      // A batch answer still to come is not this tier failing: the phase waits for it, it does not escalate.
      if (PendingBatchError.isInstance(error)) throw error;
      errors.push(error);
      const usage = (error as { usage?: Usage }).usage ?? ZERO_USAGE;
      attempts.push({ role: spec.role, model: undefined, threshold: spec.threshold, confidence: undefined, accepted: false, usage, latencyMs: clock.monotonic() - t0, reason: `failed: ${(error as Error).message}`, outcome: 'failed' });
      logger.warn({ step, role: spec.role, err: (error as Error).message }, 'cascade tier failed; escalating');
      continue;
    }
    const latencyMs = clock.monotonic() - t0;
    const isLast = spec === lastRunnable;
    const clears = outcome.confidence >= spec.threshold;
    const accepted = clears || isLast;
    const reason = clears
      ? `confidence ${outcome.confidence.toFixed(3)} >= threshold ${spec.threshold}`
      : isLast
        ? `confidence ${outcome.confidence.toFixed(3)} < threshold ${spec.threshold}, accepted as the last available tier`
        : `confidence ${outcome.confidence.toFixed(3)} < threshold ${spec.threshold}; escalating`;
    attempts.push({
      role: spec.role,
      model: outcome.model,
      threshold: spec.threshold,
      confidence: outcome.confidence,
      accepted,
      usage: outcome.usage,
      latencyMs,
      reason,
      outcome: accepted ? 'accepted' : 'escalated',
      notes: outcome.notes,
      ...(outcome.signals ? { signals: outcome.signals } : {}),
      ...(outcome.answerKey ? { answerKey: outcome.answerKey } : {}),
    });
    if (!best || outcome.confidence > best.outcome.confidence) best = { outcome, spec };
    if (accepted) {
      // Record the tiers an escalation would have reached, so "accepted because nothing better
      // was configured" is visible in provenance.
      if (!clears) for (const later of tiers.slice(index + 1)) recordSkip(later, skipReason(later) ?? 'not reached');
      return finish(outcome, spec.role);
    }
  }

  // The last runnable tier failed outright: fall back to the most confident answer already paid for.
  if (best) {
    const i = attempts.findIndex((a) => a.role === best!.spec.role && a.outcome === 'escalated');
    attempts[i] = { ...attempts[i], accepted: true, outcome: 'accepted', reason: `${attempts[i].reason}; accepted as the best answer after later tiers failed` };
    return finish(best.outcome, best.spec.role);
  }
  throw new CascadeError(step, attempts, errors);

  function finish(outcome: TierOutcome<O>, role: Role): CascadeResult<O> {
    const acceptedIndex = attempts.findIndex((a) => a.accepted);
    return {
      output: outcome.output,
      role,
      model: outcome.model,
      confidence: outcome.confidence,
      attempts,
      usage: addUsage(...attempts.map((a) => a.usage)),
      latencyMs: clock.monotonic() - started,
      escalated: attempts.slice(0, acceptedIndex).some((a) => a.outcome === 'escalated' || a.outcome === 'failed'),
    };
  }
}
