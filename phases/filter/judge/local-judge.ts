import type { UserContext } from '../../../catalogue/user-context-types.js';
import type { Ctx } from '../../../kit/context.js';
import { isGroceryCategory, resolveThemePlacement } from '../catalogue.js';
import { checkCataloguePolicy, checkPolicy, checkThemeText, describeViolations, type PolicyViolation } from '../policy.js';
import type { JudgeCriterion, JudgeVerdict } from '../schema.js';

import { asJudgeKeyword, type JudgeThemeInput } from './types.js';
import { words } from '../../../base/text.js';
import { contentTokens } from '../../../base/text.js';
import { themeConceptText } from '../../themes/text.js';

/** The rubric judge's model id: bump when the rubric or its cut-offs change. */
export const RUBRIC_MODEL_ID = 'hubgen-judge-rubric-v1';

/**
 * Cut-offs and scales of the rubric. A criterion passes when its measured value reaches the cut-off;
 * its confidence grows from 0.5 at the cut-off to 1 at `scale` away from it, so a theme that sits near
 * a cut-off gets a low confidence and escalates to an LLM judge when one is configured.
 */
export const RUBRIC = {
  /** Share of the shopper's history lines in the theme's categories, plus a bonus per regular product it names. */
  relevantToUser: { cutoff: 0.05, scale: 0.08, perProduct: 0.03, maxProducts: 5 },
  /** max(share of title words found in concepts/categories/keywords, relevance of title to concepts). */
  coherentTitle: { cutoff: 0.35, scale: 0.3, maxWords: 9 },
  /** Mean keyword relevance, and a minimum keyword count. */
  keywordsMatch: { cutoff: 0.45, scale: 0.25, minKeywords: 3 },
  /** Half for a real grocery category, half for the share of keywords placed in grocery categories. */
  groceryFit: { cutoff: 0.5, scale: 0.4 },
} as const;

/** Words that say nothing about what a theme is. */
const GENERIC = new Set(
  ['product', 'item', 'stuff', 'thing', 'grocery', 'groceries', 'essential', 'favorite', 'favourite', 'pick', 'misc', 'miscellaneous', 'various', 'other', 'theme', 'category', 'shop', 'shopping', 'buy', 'deal', 'more', 'new', 'top', 'best', 'great', 'good', 'selection', 'assortment', 'recommendation', 'recommended', 'untitled', 'page', 'everything', 'need', 'food', 'foods'].map(
    (w) => contentTokens(w)[0] ?? w,
  ),
);

interface Check {
  readonly pass: boolean;
  readonly confidence: number;
  readonly reason: string;
}

function measure(value: number, cutoff: number, scale: number, reason: string): Check {
  return { pass: value >= cutoff, confidence: 0.5 + 0.5 * Math.min(1, Math.abs(value - cutoff) / scale), reason };
}

/** Both checks must pass; confidence is that of the weakest pass, or of the surest failure. */
function both(a: Check, b: Check): Check {
  const failing = [a, b].filter((c) => !c.pass);
  if (failing.length) return { pass: false, confidence: Math.max(...failing.map((c) => c.confidence)), reason: failing.map((c) => c.reason).join('; ') };
  return { pass: true, confidence: Math.min(a.confidence, b.confidence), reason: `${a.reason}; ${b.reason}` };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const clip = (s: string) => (s.length <= 200 ? s : `${s.slice(0, 197)}...`);

function relevantToUser(user: UserContext, categoryIds: readonly string[], phrases: readonly string[]): Check {
  const r = RUBRIC.relevantToUser;
  // A shopper with no history has nothing a theme could be relevant to: popular themes are the
  // right page for them, so pass — with low confidence, so an LLM judge (when configured) decides.
  if (user.historyOrders === 0) return { pass: true, confidence: 0.3, reason: 'no order history yet: any broadly popular grocery theme is relevant' };
  const share = categoryIds.reduce((s, id) => s + (user.categoryAffinity[String(id)] ?? 0), 0);
  const phraseTokens = phrases.map(contentTokens).filter((t) => t.length > 0);
  const products = new Map([...user.frequentProducts, ...user.recentProducts].map((p) => [p.id, p.name]));
  const matched = [...products.values()].filter((name) => {
    const have = new Set(contentTokens(name));
    return phraseTokens.some((t) => t.every((w) => have.has(w)));
  });
  const value = share + r.perProduct * Math.min(matched.length, r.maxProducts);
  const example = matched.length ? ` (e.g. ${matched[0].slice(0, 40)})` : '';
  return measure(value, r.cutoff, r.scale, `${pct(share)} of the shopper's lines are in its categories; ${matched.length} of their regular products match${example}`);
}

function coherentTitle(title: string, vocabulary: ReadonlySet<string>, titleRelevance: number): Check {
  const r = RUBRIC.coherentTitle;
  const content = contentTokens(title);
  if (content.length === 0 || content.every((w) => GENERIC.has(w))) return { pass: false, confidence: 0.95, reason: `title '${title.slice(0, 60)}' is generic` };
  const n = words(title).length;
  if (n > r.maxWords) return { pass: false, confidence: 0.9, reason: `title has ${n} words (at most ${r.maxWords})` };
  const shared = content.filter((w) => vocabulary.has(w)).length;
  const value = Math.max(shared / content.length, titleRelevance);
  return measure(value, r.cutoff, r.scale, `title shares ${shared}/${content.length} words with its concepts and keywords; relevance to them ${titleRelevance.toFixed(2)}`);
}

function keywordsMatch(relevances: readonly number[]): Check {
  const r = RUBRIC.keywordsMatch;
  const n = relevances.length;
  const count: Check =
    n >= r.minKeywords
      ? { pass: true, confidence: 1, reason: `${n} keywords` }
      : { pass: false, confidence: 0.5 + 0.5 * Math.min(1, (r.minKeywords - n) / r.minKeywords), reason: `only ${n} keyword(s) (at least ${r.minKeywords})` };
  const mean = n ? relevances.reduce((s, x) => s + x, 0) / n : 0;
  return both(count, measure(mean, r.cutoff, r.scale, `mean keyword relevance ${mean.toFixed(2)} (cut-off ${r.cutoff})`));
}

function groceryFit(violations: readonly PolicyViolation[], groceryCategories: number, keywordsPlaced: number, keywords: number): Check {
  const r = RUBRIC.groceryFit;
  if (violations.length) return { pass: false, confidence: 1, reason: `policy: ${describeViolations(violations)}` };
  const value = 0.5 * (groceryCategories > 0 ? 1 : 0) + 0.5 * (keywords ? keywordsPlaced / keywords : 0);
  return measure(value, r.cutoff, r.scale, `${groceryCategories} grocery category(s); ${keywordsPlaced}/${keywords} keywords placed in grocery categories`);
}

/**
 * The local judge: a rubric model over the same four criteria the LLM judges use, measured from the
 * catalogue, the shopper's history and the relevance model. Needs no network.
 */
export async function rubricJudge(input: { readonly user: UserContext; readonly theme: JudgeThemeInput }, ctx: Ctx): Promise<JudgeVerdict> {
  const { user, theme } = input;
  const keywords = theme.keywords.map(asJudgeKeyword);
  const placement = resolveThemePlacement(theme, ctx.catalogue);
  const primaryCategory = (k: (typeof keywords)[number]) => k.categoryIds?.[0] ?? ctx.corpus.byText.get(words(k.text).join(' '))?.categories[0];

  // One scoring call: the title against what the theme contains, and any keyword without a relevance.
  const query = themeConceptText(theme);
  const anchor = [...theme.concepts, ...theme.categories].join(', ') || theme.description;
  const missing = keywords.flatMap((k, i) => (k.relevance === undefined ? [i] : []));
  const scores = await ctx.crossEncoder.score([{ query: anchor, text: theme.title }, ...missing.map((i) => ({ query, text: keywords[i].text }))]);
  const relevances = keywords.map((k) => k.relevance ?? 0);
  missing.forEach((i, j) => (relevances[i] = scores[1 + j]));

  const categoryIds = [...new Set([...placement.categoryIds, ...keywords.flatMap((k) => (primaryCategory(k) === undefined ? [] : [primaryCategory(k)!]))])];
  const vocabulary = new Set([...theme.concepts, ...theme.categories, ...keywords.map((k) => k.text)].flatMap(contentTokens));
  const policy = ctx.config.phases.filter.policy;
  const violations = [
    ...checkThemeText(theme, policy),
    ...keywords.flatMap((k) => checkPolicy(k.text, policy)),
    ...checkCataloguePolicy(placement, ctx.catalogue, policy, 'any'),
    ...keywords.flatMap((k) => checkCataloguePolicy({ categoryIds: k.categoryIds ?? [], departmentIds: k.departmentIds ?? [] }, ctx.catalogue, policy, 'primary')),
  ];
  const checks: Record<JudgeCriterion, Check> = {
    relevant_to_user: relevantToUser(user, categoryIds, [...theme.concepts, ...keywords.map((k) => k.text)]),
    coherent_title: coherentTitle(theme.title, vocabulary, scores[0]),
    keywords_match_theme: keywordsMatch(relevances),
    fit_for_grocery_page: groceryFit(
      violations,
      placement.categoryIds.filter((a) => isGroceryCategory(a, ctx.catalogue)).length,
      keywords.filter((k) => {
        const a = primaryCategory(k);
        return a !== undefined && isGroceryCategory(a, ctx.catalogue);
      }).length,
      keywords.length,
    ),
  };
  const all = Object.values(checks);
  const failing = all.filter((c) => !c.pass);
  // Confidence in the keep/remove decision: one sure failure settles it; a pass needs every criterion sure.
  const confidence = failing.length ? Math.max(...failing.map((c) => c.confidence)) : Math.min(...all.map((c) => c.confidence));
  const criteria = Object.fromEntries(Object.entries(checks).map(([k, c]) => [k, { pass: c.pass, reason: clip(c.reason) }])) as JudgeVerdict['criteria'];
  return { criteria, confidence: Math.round(confidence * 1000) / 1000 };
}
