import pLimit from 'p-limit';
import { compareIds } from '../../catalogue/types.js';
import { ZERO_USAGE } from '../../llm/usage.js';
import type { Artefact } from '../../kit/artefacts/artefact.js';
import type { Computed } from '../../kit/artefacts/cache.js';
import { definePhase, keyInputs } from '../../kit/phase.js';
import { type Ctx } from '../../kit/context.js';
import type { UserContext } from '../../catalogue/user-context-types.js';
import { isPlaceable } from '../../catalogue/restricted.js';
import { discoveryScorer, discoveryUserOf, discoveryWeightsDigest, type DiscoveryScorer } from '../../catalogue/discovery.js';
import { PRODUCT_TEXT_RECIPE, productVectors } from '../../retrieval/index-catalogue.js';
import type { Filtered, FilteredTheme } from '../filter/schema.js';
import { pageSchema, type Page, type PageProduct, type PageTheme } from './schema.js';
import { dot, pickTopCapped, rankScore, relevance, type RankingWeights } from './rank.js';
import { keywordScope, retrieveForKeyword, type ProductHit } from './retrieve.js';
import { admits, assignStaples } from './staples.js';
import { COLLECTIONS } from '../../retrieval/collections.js';
import { themeSummaryText } from '../themes/text.js';

export interface AssembleInput {
  readonly user: UserContext;
  readonly filtered: Artefact<Filtered>;
  /** Ranking weights instead of config phases.assemble.ranking; part of the key either way. */
  readonly ranking?: RankingWeights;
}

/**
 * Phase 4. Staples themes hold the user's own products, likeliest to be reordered first, placed
 * together across the page (staples.ts); discovery themes hold products new to the user, ranked by
 * relevance to the theme × discovery probability, from what their keywords retrieve and the user's
 * likeliest new products the theme admits; a theme with no kind (single-step's) takes both, own
 * products capped at maxOwnShare. No product appears twice on a page, none outside its keyword's or
 * theme's filters, none unavailable or kept off pages by the alcohol policy.
 * Version 3: keys spell the user digest and shared digests the kit's way (ids are strings now).
 * Version 4: reorder propensity and discovery probability replace affinity × popularity; staples and discovery themes.
 * Version 5: a keyword without filters of its own searches under its theme's (keywordScope).
 */
export const runAssemble = definePhase<AssembleInput, Page>({
  name: 'assemble',
  version: '5',
  schema: pageSchema,
  promptVersion: 'none',
  config: (ctx, input) => ({ ...ctx.config.phases.assemble, ranking: input.ranking ?? ctx.config.phases.assemble.ranking, allowAlcohol: ctx.config.phases.filter.policy.allowAlcohol }),
  models: (ctx) => ({ embedder: ctx.embedder.id }),
  inputs: (input, ctx) =>
    keyInputs(ctx, { upstream: [input.filtered], user: input.user, reads: ['embedder', 'catalogue', 'stats'], extra: [`discovery:${discoveryWeightsDigest()}`, `productText:${PRODUCT_TEXT_RECIPE}`] }),
  compute: (input, ctx) => assemble(input, ctx, input.ranking ?? ctx.config.phases.assemble.ranking),
});

interface Candidate extends PageProduct {
  readonly score: number;
}

/** What every theme's ranking reads about the user and the page. */
interface Scoring {
  readonly user: UserContext;
  readonly ranking: RankingWeights;
  readonly discovery: DiscoveryScorer;
  readonly vectorOf: ReadonlyMap<string, Float32Array>;
  readonly productVectors: ReadonlyMap<string, Float32Array>;
}

/** Keyword searches of one page in flight at once. */
const RETRIEVALS_IN_FLIGHT = 64;

const isOwn = (user: UserContext, productId: string): boolean => user.reorderPropensity[productId] !== undefined;

async function assemble(input: AssembleInput, ctx: Ctx, ranking: RankingWeights): Promise<Computed<Page>> {
  const started = ctx.clock.monotonic();
  const { user, filtered } = input;
  const { productsPerTheme, minProductsPerTheme, perKeyword } = ctx.config.phases.assemble;
  const themes = filtered.data.themes;
  if (!(await ctx.vectors.hasCollection(COLLECTIONS.products))) {
    throw new Error(`assemble: vector collection "${COLLECTIONS.products}" does not exist; index the catalogue first (hubgen index)`);
  }
  const allowAlcohol = ctx.config.phases.filter.policy.allowAlcohol;
  const placeable = (id: string) => isPlaceable(ctx.catalogue, id, { allowAlcohol });

  // One embed call for every keyword and theme on the page.
  const texts = [...new Set([...themes.flatMap((t) => t.keywords.map((k) => k.text)), ...themes.map(themeSummaryText)])];
  const vectors = await ctx.embedder.embed(texts);
  const vectorOf = new Map(texts.map((t, i) => [t, vectors[i]]));

  // Staples themes are filled from the user's own products, so only the others retrieve by keyword.
  // Every keyword of the page at once, so a products collection still building gets all the page's
  // categories asked for together; a bounded number in flight against a remote store.
  const limit = pLimit(RETRIEVALS_IN_FLIGHT);
  const retrieved: { keyword: string; hits: readonly ProductHit[]; note?: string }[][] = await Promise.all(
    themes.map((theme) =>
      theme.kind === 'staples'
        ? []
        : Promise.all(theme.keywords.map((kw) => limit(async () => ({ keyword: kw.text, ...(await retrieveForKeyword(ctx.vectors, vectorOf.get(kw.text)!, keywordScope(kw, theme), perKeyword)) })))),
    ),
  );

  const discovery = discoveryScorer(discoveryUserOf(user), ctx.stats, ctx.catalogue);
  const owned = Object.entries(user.reorderPropensity)
    .filter(([id]) => placeable(id) && ctx.catalogue.products.has(id))
    .sort(([a, x], [b, y]) => y - x || compareIds(a, b))
    .map(([id]) => hitOf(ctx, id));
  const newSeeds = themes.map((t) => (t.kind === 'staples' ? [] : discoverySeeds(t, discovery, ranking.discoverySeeds, ctx, placeable)));
  const ownSeeds = themes.map((t) => (t.kind === undefined && ranking.seedOwnProducts ? owned.filter((h) => admittedByKeywords(t, h)) : []));

  // Relevance needs each candidate's text vector; the embedder caches, so this is cheap on re-runs.
  const productVectors = await embedProducts(ctx, [...retrieved.flat().flatMap((r) => r.hits), ...owned, ...newSeeds.flat(), ...ownSeeds.flat()]);
  const scoring: Scoring = { user, ranking, discovery, vectorOf, productVectors };

  const staples = staplesOfPage(themes, owned, productsPerTheme, scoring);
  const taken = new Set<string>(staples.flat().map((c) => c.productId));
  const pageThemes: PageTheme[] = [];
  const dropped: Page['dropped'] = [];
  themes.forEach((theme, i) => {
    const notes = retrieved[i].flatMap((r) => (r.note ? [r.note] : []));
    for (const note of notes) ctx.logger.info({ phase: 'assemble', userId: user.userId, themeId: theme.id }, note);
    let chosen: Candidate[];
    let considered: number;
    if (theme.kind === 'staples') {
      chosen = staples[i];
      considered = owned.filter((h) => admits(theme, h)).length;
    } else {
      const hits = retrieved[i].flatMap(({ keyword, hits }) => hits.filter((h) => placeable(h.productId)).map((h) => scoreHit(h, keyword, theme, scoring)));
      const candidates = [...hits, ...[...newSeeds[i], ...ownSeeds[i]].map((h) => seedCandidate(h, theme, scoring)).filter((c) => c.relevance! >= ranking.seedMinRelevance || theme.kind === 'discovery')].filter(
        (c) => theme.kind !== 'discovery' || !isOwn(user, c.productId),
      );
      considered = new Set(candidates.map((c) => c.productId)).size;
      const maxOwn = theme.kind === 'discovery' ? 0 : Math.ceil(ranking.maxOwnShare * productsPerTheme);
      chosen = pickTopCapped(candidates, productsPerTheme, taken, (c) => isOwn(user, c.productId), maxOwn);
    }
    if (chosen.length < minProductsPerTheme || chosen.length === 0) {
      const reason =
        theme.kind === 'staples'
          ? `${chosen.length} products, below the minimum of ${Math.max(minProductsPerTheme, 1)}: the user has ${considered} products in its categories, and likelier ones filled the page's other staples themes`
          : `${chosen.length} products, below the minimum of ${Math.max(minProductsPerTheme, 1)}: ${theme.keywords.length} keywords and the user's likeliest new products gave ${considered} distinct products, ${considered - chosen.length} already on the page under other themes`;
      dropped.push({ themeId: theme.id, title: theme.title, reason });
      ctx.logger.info({ phase: 'assemble', userId: user.userId, themeId: theme.id, reason }, 'theme dropped');
      return;
    }
    for (const c of chosen) taken.add(c.productId);
    pageThemes.push({
      id: theme.id,
      ...(theme.kind ? { kind: theme.kind } : {}),
      title: theme.title,
      description: theme.description,
      keywords: theme.keywords.map((k) => k.text),
      ...(notes.length ? { notes } : {}),
      products: chosen,
    });
  });

  const page: Page = { userId: user.userId, pageTitle: filtered.data.pageTitle, themes: pageThemes, dropped };
  return {
    data: page,
    provenance: { attempts: [], usage: ZERO_USAGE, latencyMs: ctx.clock.monotonic() - started, role: 'embedder', model: ctx.embedder.id, confidence: undefined },
  };
}

/** A catalogue product as if retrieved, for products that come from the user or the plan rather than a keyword. */
function hitOf(ctx: Ctx, id: string): ProductHit {
  const p = ctx.catalogue.products.get(id)!;
  return { productId: id, name: p.name, categoryId: p.categoryId, departmentId: p.departmentId, popularity: ctx.stats.popularity(id), hitScore: 0 };
}

/** The user's probability of buying the product next: reorder propensity if they own it, else discovery. */
function probabilityOf(productId: string, s: Scoring): number {
  return s.user.reorderPropensity[productId] ?? s.discovery.score(productId);
}

function scoreHit(h: ProductHit, keyword: string, theme: FilteredTheme, s: Scoring): Candidate {
  const rel = relevance(h.hitScore, dot(s.vectorOf.get(themeSummaryText(theme))!, s.productVectors.get(h.productId)!), s.ranking);
  const probability = probabilityOf(h.productId, s);
  return {
    productId: h.productId,
    name: h.name,
    categoryId: h.categoryId,
    departmentId: h.departmentId,
    keyword,
    score: rankScore(rel, probability, s.ranking),
    relevance: rel,
    affinity: probability,
  };
}

/** A product the theme did not retrieve, scored as if its best-matching keyword had. */
function seedCandidate(h: ProductHit, theme: FilteredTheme, s: Scoring): Candidate {
  const pv = s.productVectors.get(h.productId)!;
  let keyword = theme.keywords[0]?.text ?? theme.title;
  let hitScore = 0;
  for (const k of theme.keywords) {
    const sim = dot(s.vectorOf.get(k.text)!, pv);
    if (sim > hitScore) [keyword, hitScore] = [k.text, sim];
  }
  return scoreHit({ ...h, hitScore }, keyword, theme, s);
}

/**
 * Every staples theme's products: the user's own, likeliest to be reordered first, each in the
 * staples theme that admits it and is most relevant to it (assignStaples), ranked by propensity.
 */
function staplesOfPage(themes: readonly FilteredTheme[], owned: readonly ProductHit[], capacity: number, s: Scoring): Candidate[][] {
  const indices = themes.flatMap((t, i) => (t.kind === 'staples' ? [i] : []));
  const byId = new Map(owned.map((h) => [h.productId, h]));
  const candidate = (t: number, id: string) => seedCandidate(byId.get(id)!, themes[t], s);
  const assigned = assignStaples(owned, indices.map((i) => themes[i]), capacity, (j, id) => candidate(indices[j], id).relevance!);
  const out: Candidate[][] = themes.map(() => []);
  // Within a theme the likeliest reorder leads; relevance chose the theme, propensity the order.
  indices.forEach((t, j) => (out[t] = assigned[j].map((id) => ({ ...candidate(t, id), score: s.user.reorderPropensity[id] }))));
  return out;
}

/** The user's likeliest new products the theme admits (its categories, else its departments), up to `limit`. */
function discoverySeeds(theme: FilteredTheme, discovery: DiscoveryScorer, limit: number, ctx: Ctx, placeable: (id: string) => boolean): ProductHit[] {
  const out: ProductHit[] = [];
  for (const { productId } of discovery.ranked()) {
    if (out.length >= limit) break;
    const p = ctx.catalogue.products.get(productId);
    if (p && placeable(productId) && admits(theme, p)) out.push(hitOf(ctx, productId));
  }
  return out;
}

/** An own product a mixed theme admits: under one of its keywords' filters (a keyword without filters admits any), and in its categories when it names any. */
function admittedByKeywords(theme: FilteredTheme, h: ProductHit): boolean {
  if (theme.categoryIds.length && !theme.categoryIds.includes(h.categoryId)) return false;
  return theme.keywords.some((k) => (k.categoryIds.length ? k.categoryIds.includes(h.categoryId) : k.departmentIds.length ? k.departmentIds.includes(h.departmentId) : true));
}

/** Each distinct candidate's vector, made as the product index made it (so the embedding cache hits). */
async function embedProducts(ctx: Ctx, hits: readonly ProductHit[]): Promise<Map<string, Float32Array>> {
  const byId = new Map<string, ProductHit>();
  for (const h of hits) if (!byId.has(h.productId)) byId.set(h.productId, h);
  const ids = [...byId.keys()].sort(compareIds);
  if (!ids.length) return new Map();
  const products = ids.map((id) => ctx.catalogue.products.get(id) ?? byId.get(id)!);
  const vectors = await productVectors(ctx.embedder, products, ctx.catalogue);
  return new Map(ids.map((id, i) => [id, vectors[i]]));
}
