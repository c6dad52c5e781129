import type { Role } from '../../../config/config.js';
import { compileSchema, describeErrors } from '../../../base/ajv.js';
import { ZERO_USAGE, type Usage } from '../../../llm/usage.js';
import { renderUserContext } from '../../../catalogue/user-context.js';
import type { UserContext } from '../../../catalogue/user-context-types.js';
import { runCascade, type Attempt, type TierFn, type TierSpec } from '../../../kit/cascade.js';
import type { Ctx } from '../../../kit/context.js';
import { buildJudgeMessages } from '../prompt.js';
import { judgeVerdictSchema, type JudgeVerdict } from '../schema.js';
import { rubricJudge, RUBRIC_MODEL_ID } from './local-judge.js';
import { asJudgeKeyword, type JudgeThemeInput } from './types.js';
import { JUDGE_CRITERIA } from '../schema.js';
import { decideConfidence, generateMeasured, signalPlan, type SignalPlan } from '../../../llm/signals/index.js';

export interface JudgeInput {
  readonly user: UserContext;
  readonly theme: JudgeThemeInput;
}

export interface JudgeOutcome {
  readonly verdict: JudgeVerdict;
  /** Role and model whose verdict was accepted. */
  readonly role: Role;
  readonly model: string;
  readonly confidence: number;
  /** Every tier tried, accepted or not. */
  readonly attempts: readonly Attempt[];
  /** Summed over every attempt: escalated calls were paid for too. */
  readonly usage: Usage;
  readonly escalated: boolean;
}

export interface JudgeOptions {
  /** Tiers to run; defaults to phases.filter.judgeCascade. Evals pass one tier to judge every variant alike. */
  readonly cascade?: readonly TierSpec[];
  /** Name in logs and errors. */
  readonly step?: string;
  readonly signal?: AbortSignal;
  /** What the LLM tiers measure; defaults to phases.filter.llmTiers. */
  readonly plan?: SignalPlan;
}

/** The model id a judge role stands for: the rubric for local providers, the bound model otherwise. */
export function judgeModelId(ctx: Ctx, role: Role): string {
  return judgeKind(ctx, role) === 'rubric' ? RUBRIC_MODEL_ID : ctx.models.modelId(role);
}

function judgeKind(ctx: Ctx, role: Role): 'rubric' | 'llm' | undefined {
  const kind = ctx.models.kindOf(role);
  // Unbound roles go through the registry, which reports why they cannot run.
  if (kind === 'local') return 'rubric';
  if (kind === 'llm' || kind === undefined) return 'llm';
  return undefined;
}

/**
 * What a verdict decides, and so what two verdicts must share to agree: keep the theme, or drop
 * it for the criteria it failed. The reasons are free text and do not count.
 */
export function verdictAnswerKey(verdict: JudgeVerdict): string[] {
  const failed = JUDGE_CRITERIA.filter((c) => !verdict.criteria[c].pass);
  return failed.length ? failed.map((c) => `fail:${c}`) : ['keep'];
}

function llmJudge(ctx: Ctx, role: Role, signal: AbortSignal | undefined, plan: SignalPlan): TierFn<JudgeInput, JudgeVerdict> {
  return async ({ user, theme }) => {
    const messages = buildJudgeMessages({
      userText: renderUserContext(user),
      theme: { ...theme, keywords: theme.keywords.map(asJudgeKeyword) },
      policy: ctx.config.phases.filter.policy,
    });
    const measured = await generateMeasured<JudgeVerdict>({
      models: ctx.models,
      request: { role, schema: judgeVerdictSchema, schemaName: 'judge_verdict', messages, signal },
      plan,
      agreement: { kind: 'majority', items: verdictAnswerKey },
    });
    const { result } = measured;
    // The registry validates too; checking here keeps a broken registry from putting junk in an artefact.
    const validate = compileSchema<JudgeVerdict>(judgeVerdictSchema);
    const verdict = structuredClone(result.object);
    if (!validate(verdict)) throw Object.assign(new Error(`${role} judge returned an invalid verdict: ${describeErrors(validate.errors)}`), { usage: result.usage });
    const decided = decideConfidence(measured, verdict.confidence, plan);
    const notes = [`self-reported confidence ${verdict.confidence}`, ...decided.notes];
    // A verdict that needed a repair or a retry is less trustworthy than its self-report says
    // (a deferral score has weighed both already).
    let confidence = decided.value;
    const callPenalties = decided.signals.used !== 'deferral';
    if (result.repaired && callPenalties) {
      confidence *= 0.8;
      notes.push('output repaired');
    }
    if (result.attempts.length > 1 && callPenalties) {
      confidence *= 0.9;
      notes.push(`${result.attempts.length} calls`);
    }
    return { output: verdict, confidence, usage: result.usage, model: result.model, notes, signals: decided.signals, answerKey: verdictAnswerKey(verdict) };
  };
}

/**
 * Judges one theme on JUDGE_CRITERIA through the judge cascade: the rubric model first, LLM tiers
 * (structured output against judgeVerdictSchema) when it is unsure and they are configured.
 */
export async function judgeTheme(input: JudgeInput, ctx: Ctx, options: JudgeOptions = {}): Promise<JudgeOutcome> {
  const tiers = options.cascade ?? ctx.config.phases.filter.judgeCascade;
  const plan = options.plan ?? signalPlan(ctx.config.phases.filter.llmTiers);
  const implementations: Partial<Record<Role, TierFn<JudgeInput, JudgeVerdict>>> = {};
  for (const { role } of tiers) {
    const kind = judgeKind(ctx, role);
    if (kind === 'rubric') {
      implementations[role] = async (i) => {
        const verdict = await rubricJudge(i, ctx);
        return { output: verdict, confidence: verdict.confidence, usage: ZERO_USAGE, model: RUBRIC_MODEL_ID, notes: ['rubric: distance of measured values from cut-offs'], answerKey: verdictAnswerKey(verdict) };
      };
    } else if (kind === 'llm') {
      implementations[role] = llmJudge(ctx, role, options.signal, plan);
    }
  }
  const result = await runCascade({
    step: options.step ?? 'filter.judge',
    tiers,
    implementations,
    input,
    unavailableReason: (role) => (judgeKind(ctx, role) === 'rubric' ? undefined : ctx.models.unavailableReason(role)),
    logger: ctx.logger,
    clock: ctx.clock,
  });
  return {
    verdict: result.output,
    role: result.role,
    model: result.model,
    confidence: result.confidence,
    attempts: result.attempts,
    usage: result.usage,
    escalated: result.escalated,
  };
}
