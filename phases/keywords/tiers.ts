import type { Ctx } from '../../kit/context.js';
import type { TierFn, TierOutcome } from '../../kit/cascade.js';
import type { Role } from '../../config/config.js';
import { ZERO_USAGE } from '../../llm/usage.js';
import type { Theme } from '../themes/schema.js';
import { keywordSelectionSchema, type KeywordSelection } from './schema.js';
import type { Candidate, ThemeScope } from './features.js';
import { categoryIdsFor, departmentIdsFor, normaliseName } from './candidates.js';
import { buildKeywordMessages, type SelectionMode } from './prompt.js';
import { loadStudentWeights, pickDiverse, scoreCandidates, studentConfidence, weightsPathFor, type StudentWeights } from './student.js';
import { checkRetrieval } from './verify.js';
import { decideConfidence, generateMeasured, SELF_REPORTED_PLAN, type SignalPlan } from '../../llm/signals/index.js';

/** What every tier of one theme's cascade gets: the theme, its resolved scope and its candidates. */
export interface ThemeTask {
  readonly theme: Theme;
  readonly scope: ThemeScope;
  readonly candidates: readonly Candidate[];
}

export interface SelectedKeyword {
  readonly text: string;
  readonly categoryIds: string[];
  readonly departmentIds: string[];
  readonly inCorpus: boolean;
  readonly retrievedProducts?: number;
  readonly score: number;
}

export interface ThemeSelection {
  readonly keywords: readonly SelectedKeyword[];
  readonly dropped: readonly { readonly text: string; readonly reason: string }[];
}

export interface KeywordSettings {
  readonly minKeywords: number;
  readonly maxKeywords: number;
}

export type KeywordTier = TierFn<ThemeTask, ThemeSelection>;

const intersect = (xs: readonly string[], ys: readonly string[]): string[] => xs.filter((x) => ys.includes(x));

/**
 * Retrieval filters for a picked corpus term: its own category/department for category/department terms;
 * for phrases, the categories it shares with the theme (so "vanilla" in a yogurt theme stays in yogurt).
 */
export function filtersForCandidate(c: Candidate, scope: ThemeScope): { categoryIds: string[]; departmentIds: string[] } {
  if (c.kind === 'category') return { categoryIds: c.categories.slice(0, 1), departmentIds: [] };
  if (c.kind === 'department') return { categoryIds: [], departmentIds: c.departments.slice(0, 1) };
  const categoryIds = intersect(c.categories, scope.categoryIds).slice(0, 4);
  return { categoryIds, departmentIds: categoryIds.length ? [] : intersect(c.departments, scope.departmentIds).slice(0, 2) };
}

/** The learned local student: scores every candidate, picks a diverse set above its cutoff. */
export function localStudentTier(weights: StudentWeights, model: string, settings: KeywordSettings): KeywordTier {
  return async ({ scope, candidates }): Promise<TierOutcome<ThemeSelection>> => {
    const probabilities = scoreCandidates(weights, scope, candidates);
    const picks = pickDiverse(
      candidates.map((candidate, i) => ({ candidate, probability: probabilities[i] })),
      { minKeywords: settings.minKeywords, maxKeywords: settings.maxKeywords, cutoff: weights.cutoff },
    );
    const above = picks.filter((p) => p.probability >= weights.cutoff).length;
    const confidence = studentConfidence(picks, weights.cutoff);
    return {
      output: {
        keywords: picks.map((p) => ({ text: p.candidate.text, ...filtersForCandidate(p.candidate, scope), inCorpus: true, score: round(p.probability) })),
        dropped: [],
      },
      confidence,
      usage: ZERO_USAGE,
      model,
      notes: [`${candidates.length} candidates, ${above} above cutoff ${weights.cutoff}, picked ${picks.length}`],
      answerKey: keywordsAnswerKey(picks.map((p) => p.candidate.text)),
    };
  };
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

/** A keyword answer as its normalised keyword texts: compared across samples (agreement) and tiers (calibration labels). */
export function keywordsAnswerKey(texts: Iterable<string>): string[] {
  return [...new Set([...texts].map(normaliseName).filter(Boolean))].sort();
}

/** Multipliers on an LLM's self-assessed confidence; each applied one is noted in provenance. */
export const LLM_CONFIDENCE_PENALTIES = { repaired: 0.8, perRetry: 0.85 } as const;

/**
 * An LLM tier: student LLMs pick from the candidates, teachers may also write keywords. A keyword
 * that is not a corpus term is kept only if it retrieves products.
 */
export function llmTier(ctx: Ctx, role: Role, mode: SelectionMode, settings: KeywordSettings, plan: SignalPlan = SELF_REPORTED_PLAN): KeywordTier {
  return async ({ theme, scope, candidates }): Promise<TierOutcome<ThemeSelection>> => {
    const messages = buildKeywordMessages({
      theme: { ...scope, categoryNames: theme.categories, departmentNames: theme.departments },
      candidates,
      minKeywords: settings.minKeywords,
      maxKeywords: settings.maxKeywords,
      mode,
      catalogue: ctx.catalogue,
    });
    const measured = await generateMeasured<KeywordSelection>({
      models: ctx.models,
      request: { role, schema: keywordSelectionSchema, schemaName: 'keyword_selection', messages },
      plan,
      agreement: { kind: 'set', items: (a) => keywordsAnswerKey(a.keywords.map((k) => k.text)) },
    });
    const { result } = measured;
    const notes: string[] = [];
    const byText = new Map(candidates.map((c) => [normaliseName(c.text), c]));
    const seen = new Set<string>();
    const proposed: { text: string; categoryIds: string[]; departmentIds: string[]; inCorpus: boolean; order: number }[] = [];
    const unknownNames: string[] = [];
    for (const k of result.object.keywords) {
      const text = normaliseName(k.text);
      if (!text || seen.has(text)) continue;
      seen.add(text);
      const categories = categoryIdsFor(ctx.catalogue, k.categories);
      const departments = departmentIdsFor(ctx.catalogue, k.departments);
      unknownNames.push(...categories.unknown, ...departments.unknown);
      const inCorpus = byText.has(text) || ctx.corpus.byText.has(text);
      proposed.push({ text, categoryIds: categories.ids, departmentIds: departments.ids, inCorpus, order: proposed.length });
    }
    if (unknownNames.length) notes.push(`ignored filter names not in the catalogue: ${unknownNames.join(', ')}`);
    const capped = proposed.slice(0, settings.maxKeywords);
    if (proposed.length > capped.length) notes.push(`kept the first ${settings.maxKeywords} of ${proposed.length} keywords`);

    const written = capped.filter((k) => !k.inCorpus);
    if (mode === 'pick' && written.length) notes.push(`${written.length} keyword(s) not among the candidates despite the pick-only prompt`);
    const checks = await checkRetrieval(ctx, written);
    const checkOf = new Map(written.map((k, i) => [k, checks[i]]));
    const keywords: SelectedKeyword[] = [];
    const dropped: { text: string; reason: string }[] = [];
    for (const k of capped) {
      const check = checkOf.get(k);
      if (check && !check.kept) {
        dropped.push({ text: k.text, reason: check.reason });
        continue;
      }
      keywords.push({
        text: k.text,
        categoryIds: k.categoryIds,
        departmentIds: k.departmentIds,
        inCorpus: k.inCorpus,
        ...(check ? { retrievedProducts: check.retrievedProducts } : {}),
        // The model lists the most useful first; its order is the only score it gives.
        score: round(1 - k.order / Math.max(1, capped.length)),
      });
    }

    const selfAssessed = Math.min(1, Math.max(0, result.object.confidence));
    notes.push(`self-assessed confidence ${selfAssessed.toFixed(2)}`);
    const decided = decideConfidence(measured, selfAssessed, plan);
    notes.push(...decided.notes);
    let confidence = decided.value;
    // A deferral score weighs repairs and retries already (they are its features).
    const callPenalties = decided.signals.used !== 'deferral';
    if (result.repaired && callPenalties) {
      confidence *= LLM_CONFIDENCE_PENALTIES.repaired;
      notes.push(`output needed mechanical repair (x${LLM_CONFIDENCE_PENALTIES.repaired})`);
    }
    const retries = Math.max(0, result.attempts.length - 1);
    if (retries > 0 && callPenalties) {
      confidence *= LLM_CONFIDENCE_PENALTIES.perRetry ** retries;
      notes.push(`${retries} retr${retries === 1 ? 'y' : 'ies'} with validator errors (x${LLM_CONFIDENCE_PENALTIES.perRetry} each)`);
    }
    if (dropped.length) {
      const share = dropped.length / capped.length;
      confidence *= 1 - share / 2;
      notes.push(`${dropped.length}/${capped.length} written keyword(s) retrieved no products and were dropped`);
    }
    if (keywords.length < settings.minKeywords) {
      confidence *= keywords.length / settings.minKeywords;
      notes.push(`only ${keywords.length} usable keywords, fewer than ${settings.minKeywords}`);
    }
    return { output: { keywords, dropped }, confidence, usage: result.usage, model: result.model, notes, signals: decided.signals, answerKey: keywordsAnswerKey(keywords.map((k) => k.text)) };
  };
}

export interface TierSetup {
  readonly implementations: Partial<Record<Role, KeywordTier>>;
  /** Digest of the local student's weights, when the cascade uses them (part of the artefact key). */
  readonly studentWeightsDigest?: string;
  /** What the LLM tiers measure (phases.keywords.llmTiers); its deferral weights' digest keys the artefact. */
  readonly plan: SignalPlan;
}

// One warning per (weights, embedder) per process, not one per user.
const mismatchLogged = new Set<string>();

/** Which role plays which kind of tier: the roles that write new keywords; every other LLM role picks. */
const WRITING_ROLES: readonly Role[] = ['teacher', 'strong'];

/**
 * Implementations for the roles in the keywords cascade. The student is the local learned scorer
 * when its provider is local, otherwise a (cheaper) chat model given the same candidates.
 */
export function keywordTiers(ctx: Ctx, roles: readonly Role[], settings: KeywordSettings, plan: SignalPlan = SELF_REPORTED_PLAN): TierSetup {
  const implementations: Partial<Record<Role, KeywordTier>> = {};
  let studentWeightsDigest: string | undefined;
  for (const role of roles) {
    const kind = ctx.models.kindOf(role);
    if (kind === undefined) continue; // runCascade records it as unavailable
    if (kind === 'local') {
      if (role !== 'student') continue; // no other local model picks keywords
      const model = ctx.models.modelId(role);
      const { weights, digest } = loadStudentWeights(weightsPathFor(model));
      const mismatch = `${model}:${ctx.embedder.id}`;
      if (weights.embedderId !== ctx.embedder.id && !mismatchLogged.has(mismatch)) {
        mismatchLogged.add(mismatch);
        ctx.logger.warn({ weights: model, trainedWith: weights.embedderId, embedder: ctx.embedder.id }, 'keyword student weights were fitted on another embedder; its similarity features will be off');
      }
      studentWeightsDigest = digest;
      implementations[role] = localStudentTier(weights, model, settings);
    } else if (kind === 'llm') {
      implementations[role] = llmTier(ctx, role, WRITING_ROLES.includes(role) ? 'write' : 'pick', settings, plan);
    }
  }
  return { implementations, studentWeightsDigest, plan };
}
