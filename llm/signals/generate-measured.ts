import { majorityAgreement, setAgreement } from '../confidence/agreement.js';
import { logprobConfidence, type LogprobConfidence } from '../confidence/logprobs.js';
import { SamplesFailedError } from '../errors/samples-failed-error.js';
import type { GenerateStructuredOptions, ModelRegistry, StructuredResult } from '../registry.js';
import { addUsage } from '../usage.js';
import type { SignalPlan } from './plan.js';

/** How answers of one phase compare across samples. */
export interface AgreementSpec<T> {
  /** The answer as items that matter (theme categories, keyword texts, a verdict). */
  readonly items: (answer: T) => Iterable<string>;
  /** set: Jaccard to the medoid (lists); majority: share giving the same item list exactly (verdicts). */
  readonly kind: 'set' | 'majority';
}

/** T is the schema's value type, named by the caller (inferring it here is too deep for tsc). */
export interface MeasuredCallOptions<T> {
  readonly models: Pick<ModelRegistry, 'generateStructured'>;
  readonly request: GenerateStructuredOptions<object>;
  readonly plan: SignalPlan;
  /** Needed when the plan samples more than once. */
  readonly agreement?: AgreementSpec<T>;
}

export interface MeasuredCall<T> {
  /** The answer used (the majority's, or the medoid); its usage covers every sample, failed ones too. */
  readonly result: StructuredResult<T>;
  /** Output tokens of the reply that produced the answer (the usage sums every sample). */
  readonly answerOutputTokens: number;
  readonly logprob?: LogprobConfidence;
  readonly agreement?: { readonly share: number; readonly samples: number; readonly failed: number };
  /** Signals asked for but not obtained, with why. */
  readonly missing: readonly string[];
  /** Streamed replies stopped early, over every sample. */
  readonly earlyAborts: number;
}

/**
 * One structured generation with the signals its plan asks for: logprobs on the request, n calls
 * for agreement (run together; the provider's limiter paces them), streaming with early abort.
 * The attempts of the result are the used sample's own, so its retries and repairs stay its own.
 */
export async function generateMeasured<T>(options: MeasuredCallOptions<T>): Promise<MeasuredCall<T>> {
  const { models, request, plan } = options;
  if (plan.samples > 1 && !options.agreement) throw new TypeError(`generateMeasured: ${plan.samples} samples need an agreement spec to compare them`);
  const wire: GenerateStructuredOptions<object> = { ...request, ...(plan.logprobs ? { logprobs: true } : {}), ...(plan.earlyAbort ? { earlyAbort: plan.earlyAbort } : {}) };
  const call = (_: unknown, sample: number) => models.generateStructured(sample === 0 ? wire : { ...wire, sample }) as Promise<StructuredResult<T>>;
  const settled = await Promise.allSettled(Array.from({ length: plan.samples }, call));
  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
  const usage = addUsage(...ok.map((r) => r.usage), ...errors.map((e) => (e as { usage?: StructuredResult<unknown>['usage'] }).usage).filter((u) => u !== undefined));
  const earlyAborts =
    ok.reduce((n, r) => n + r.attempts.filter((a) => a.earlyAbort).length, 0) +
    errors.reduce((n, e) => n + (((e as { attempts?: readonly { earlyAbort?: unknown }[] }).attempts ?? []).filter((a) => a.earlyAbort).length), 0);
  if (ok.length === 0) {
    if (plan.samples === 1) throw errors[0];
    throw new SamplesFailedError(plan.samples, usage, errors);
  }

  let chosen = ok[0];
  let agreement: MeasuredCall<unknown>['agreement'];
  const missing: string[] = [];
  if (plan.samples > 1) {
    const spec = options.agreement!;
    if (ok.length >= 2) {
      const answers = ok.map((r) => r.object);
      const measured = spec.kind === 'set' ? setAgreement(answers, spec.items) : majorityAgreement(answers, (a) => JSON.stringify([...spec.items(a)]));
      const index = 'medoid' in measured ? measured.medoid : measured.representative;
      const among = 'meanJaccard' in measured ? measured.meanJaccard : measured.share;
      chosen = ok[index];
      // A failed sample gave no answer: it does not agree with the one used.
      agreement = { share: (among * ok.length) / plan.samples, samples: plan.samples, failed: errors.length };
    } else {
      agreement = { share: 1 / plan.samples, samples: plan.samples, failed: errors.length };
    }
  }

  let logprob: LogprobConfidence | undefined;
  if (plan.logprobs) {
    if (!chosen.logprobs) missing.push('logprob: the server sent no logprobs');
    else {
      const r = logprobConfidence(chosen.logprobs.tokens, chosen.logprobs.text, plan.logprobs);
      if (r.ok) logprob = r;
      else missing.push(`logprob: ${r.reason}`);
    }
  }
  const last = chosen.attempts.at(-1);
  return {
    result: { ...chosen, usage },
    answerOutputTokens: last?.usage.outputTokens ?? 0,
    ...(logprob ? { logprob } : {}),
    ...(agreement ? { agreement } : {}),
    missing,
    earlyAborts,
  };
}
