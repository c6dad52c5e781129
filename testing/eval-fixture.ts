/**
 * Test-only fakes for the eval runner: a four-phase pipeline that keys each artefact the way the
 * real phases do (own config slice + upstream hashes) and runs a real cascade per phase with
 * scripted tiers, plus a scripted judge. Never used outside tests.
 */
import { cachedArtefact } from '../kit/artefacts/cache.js';
import { type Artefact } from '../kit/artefacts/artefact.js';
import { runCascade, type TierFn } from '../kit/cascade.js';
import type { Ctx } from '../kit/context.js';
import type { Role } from '../config/config.js';
import type { Usage } from '../llm/usage.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import type { Page } from '../phases/assemble/schema.js';
import type { JudgeVerdict } from '../phases/filter/schema.js';
import type { ThemeJudge, VariantOutput, VariantPipeline } from '../evals/runner.js';
import { canonicalJson, sha256 } from '../base/hash.js';

const paid = (costUsd: number): Usage => ({ inputTokens: 1000, cachedInputTokens: 0, outputTokens: 100, costUsd, calls: 1 });
const free: Usage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 };

/**
 * Local roles answer for free (local 0.5: below the default themes threshold; student 0.6: above
 * keywords'); LLM roles surely, at a price. Each answer's key shares two of three items with the
 * others', so an escalated answer is labelled as agreeing with the one that replaced it.
 */
function tiers(make: (role: Role) => unknown): Partial<Record<Role, TierFn<unknown, unknown>>> {
  const tier = (role: Role, confidence: number, usage: Usage): TierFn<unknown, unknown> => async () => ({ output: make(role), confidence, usage, model: `fake-${role}`, answerKey: ['fresh fruits', 'yogurt', `only ${role}`] });
  return {
    local: tier('local', 0.5, free),
    student: tier('student', 0.6, free),
    cheap: tier('cheap', 0.8, paid(0.001)),
    strong: tier('strong', 0.95, paid(0.01)),
    teacher: tier('teacher', 0.95, paid(0.002)),
  };
}

async function phase<T>(ctx: Ctx, name: string, slice: unknown, inputs: string[], cascade: readonly { role: Role; threshold: number }[], make: (role: Role) => T) {
  return cachedArtefact<T>(ctx, { phase: name, phaseVersion: 'fake-1', config: slice, models: {}, promptVersion: 'fake', inputs }, async () => {
    const r = await runCascade({
      step: name,
      tiers: cascade,
      implementations: tiers(make),
      input: undefined,
      unavailableReason: () => undefined,
      logger: ctx.logger,
      clock: ctx.clock,
    });
    return { data: r.output as T, provenance: { attempts: r.attempts, usage: r.usage, latencyMs: r.latencyMs, role: r.role, model: r.model, confidence: r.confidence } };
  });
}

const productOf = (ctx: Ctx, id: string) => {
  const p = ctx.catalogue.products.get(id);
  if (!p) throw new Error(`fake pipeline: product ${id} not in the test catalogue`);
  return { productId: id, name: p.name, categoryId: p.categoryId, departmentId: p.departmentId, keyword: 'yogurt', score: 1 };
};

/**
 * Themes → keywords → filter → page. When Phase 2 escalates past the student its keywords are
 * "better": the page shows product 4 instead of product 2.
 */
export const fakeCascaded: VariantPipeline = async (user: UserContext, ctx: Ctx): Promise<VariantOutput> => {
  const p = ctx.config.phases;
  const userDigest = sha256(canonicalJson(user));
  const themes = await phase(ctx, 'themes', p.themes, [userDigest], p.themes.cascade, (role) => ({
    pageTitle: 'Your week',
    themes: [
      { id: 'yogurt', kind: 'staples', title: 'Yogurt bar', description: 'Creamy breakfasts for the week', concepts: ['greek yogurt'], categories: ['yogurt'], departments: ['dairy eggs'], confidence: 0.9 },
      { id: 'fruit', kind: 'discovery', title: 'Fresh fruit', description: `Fruit for snacking, picked by ${role}`, concepts: ['banana'], categories: ['fresh fruits'], departments: ['produce'], confidence: 0.8 },
    ],
  }));
  const keywords = await phase(ctx, 'keywords', p.keywords, [themes.artefact.hash], p.keywords.cascade, (role) => ({
    themes: [{ themeId: 'yogurt', candidateCount: 3, role, model: `fake-${role}`, confidence: 0.9, keywords: [{ text: 'greek yogurt', categoryIds: ['a1'], departmentIds: ['d1'], inCorpus: true, score: 1 }] }],
  }));
  const better = keywords.artefact.provenance.role !== 'student';
  // Phase 3's judge passes both themes, and the yogurt theme's keywords only when the teacher wrote them.
  const verdict = (keywordsMatch: boolean): JudgeVerdict => ({
    confidence: 0.9,
    criteria: { relevant_to_user: { pass: true, reason: 'fine' }, coherent_title: { pass: true, reason: 'fine' }, keywords_match_theme: { pass: keywordsMatch, reason: 'fine' }, fit_for_grocery_page: { pass: true, reason: 'fine' } },
  });
  const filtered = await phase(ctx, 'filter', p.filter, [themes.artefact.hash, keywords.artefact.hash], p.filter.judgeCascade, (role) => ({
    pageTitle: 'Your week',
    themes: [],
    removals: [],
    judgements: [
      { themeId: 'yogurt', role, model: `fake-${role}`, verdict: verdict(better) },
      { themeId: 'fruit', role, model: `fake-${role}`, verdict: verdict(true) },
    ],
  }));
  const page = await cachedArtefact<Page>(
    ctx,
    { phase: 'assemble', phaseVersion: 'fake-1', config: p.assemble, models: {}, promptVersion: 'none', inputs: [filtered.artefact.hash, keywords.artefact.hash, userDigest] },
    async () => ({
      data: {
        userId: user.userId,
        pageTitle: 'Your week',
        themes: [
          { id: 'yogurt', title: 'Yogurt bar', description: 'Creamy breakfasts for the week', keywords: ['greek yogurt', 'made up words'], products: [productOf(ctx, '1'), productOf(ctx, better ? '4' : '2')] },
          { id: 'fruit', title: 'Snack fruit', description: 'Fruit for snacking', keywords: ['banana'], products: [productOf(ctx, '2')] },
        ],
        dropped: [],
      },
      provenance: { attempts: [], usage: free, latencyMs: 2, role: 'local', model: 'fake-assemble', confidence: undefined },
    }),
  );
  return {
    page,
    artefacts: [
      { kind: 'themes', artefact: themes.artefact as Artefact, cached: themes.cached },
      { kind: 'keywords', artefact: keywords.artefact as Artefact, cached: keywords.cached },
      { kind: 'filter', artefact: filtered.artefact as Artefact, cached: filtered.cached },
      { kind: 'assemble', artefact: page.artefact as Artefact, cached: page.cached },
    ],
  };
};

/** Like fakeCascaded but fails for one user, to show a failure is recorded and the eval goes on. */
export const failingFor = (userId: string, inner: VariantPipeline): VariantPipeline => async (user, ctx) => {
  if (user.userId === userId) throw new Error(`scripted failure for user ${userId}`);
  return inner(user, ctx);
};

/** Passes everything except a coherent title for themes whose title mentions "Snack". */
export const fakeJudge: ThemeJudge = async ({ theme }) => {
  const pass = (ok: boolean) => ({ pass: ok, reason: ok ? 'fine' : 'scripted fail' });
  const verdict: JudgeVerdict = {
    confidence: 0.9,
    criteria: { relevant_to_user: pass(true), coherent_title: pass(!theme.title.includes('Snack')), keywords_match_theme: pass(true), fit_for_grocery_page: pass(true) },
  };
  return { verdict, usage: paid(0.0001), role: 'judge', model: 'fake-judge' };
};
