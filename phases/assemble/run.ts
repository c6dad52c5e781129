import { compareIds } from '../../catalogue/types.js';
import { ZERO_USAGE } from '../../llm/usage.js';
import type { Artefact } from '../../kit/artefacts/artefact.js';
import type { Computed } from '../../kit/artefacts/cache.js';
import { definePhase, keyInputs } from '../../kit/phase.js';
import { type Ctx } from '../../kit/context.js';
import type { UserContext } from '../../catalogue/user-context-types.js';
import { PRODUCT_TEXT_RECIPE, productVectors } from '../../retrieval/index-catalogue.js';
import type { Filtered, FilteredTheme } from '../filter/schema.js';
import { pageSchema, type Page, type PageProduct, type PageTheme } from './schema.js';
import { affinityFactor, DEFAULT_RANKING, dot, pickTopCapped, popularityFactor, relevance, type RankingWeights } from './rank.js';
import { retrieveForKeyword, type ProductHit } from './retrieve.js';
import { COLLECTIONS } from '../../retrieval/collections.js';
import { themeSummaryText } from '../themes/text.js';

export interface AssembleInput {
  readonly user: UserContext;
  readonly filtered: Artefact<Filtered>;
  /** Ranking weights (default DEFAULT_RANKING); part of the key, so a sweep over them recomputes. */
  readonly ranking?: RankingWeights;
}

/**
 * Phase 4: every keyword retrieves products under its filters; candidates are ranked by
 * relevance to the theme × the user's affinity × popularity; no product appears twice on a page.
 * Version 3: keys spell the user digest and shared digests the kit's way (ids are strings now).
 */
export const runAssemble = definePhase<AssembleInput, Page>({
  name: 'assemble',
  version: '3',
  schema: pageSchema,
  promptVersion: 'none',
  config: (ctx, input) => ({ ...ctx.config.phases.assemble, ranking: input.ranking ?? DEFAULT_RANKING }),
  models: (ctx) => ({ embedder: ctx.embedder.id }),
  // Retrieval and the theme-to-product cosine use vectors of the product text recipe.
  inputs: (input, ctx) =>
    keyInputs(ctx, { upstream: [input.filtered], user: input.user, reads: ['embedder', 'catalogue', 'stats'], extra: [`productText:${PRODUCT_TEXT_RECIPE}`] }),
  compute: (input, ctx) => assemble(input, ctx, input.ranking ?? DEFAULT_RANKING),
});

interface Candidate extends PageProduct {
  readonly score: number;
}

async function assemble(input: AssembleInput, ctx: Ctx, ranking: RankingWeights): Promise<Computed<Page>> {
  const started = ctx.clock.monotonic();
  const { user, filtered } = input;
  const { productsPerTheme, minProductsPerTheme, perKeyword } = ctx.config.phases.assemble;
  const themes = filtered.data.themes;
  if (!(await ctx.vectors.hasCollection(COLLECTIONS.products))) {
    throw new Error(`assemble: vector collection "${COLLECTIONS.products}" does not exist; index the catalogue first (hubgen index)`);
  }

  // One embed call for every keyword and theme on the page.
  const texts = [...new Set([...themes.flatMap((t) => t.keywords.map((k) => k.text)), ...themes.map(themeSummaryText)])];
  const vectors = await ctx.embedder.embed(texts);
  const vectorOf = new Map(texts.map((t, i) => [t, vectors[i]]));

  // Themes one after another, a theme's keywords together: bounded concurrency against a remote store.
  const retrieved: { keyword: string; hits: readonly ProductHit[]; note?: string }[][] = [];
  for (const theme of themes) {
    retrieved.push(
      await Promise.all(theme.keywords.map(async (kw) => ({ keyword: kw.text, ...(await retrieveForKeyword(ctx.vectors, vectorOf.get(kw.text)!, kw, perKeyword)) }))),
    );
  }

  // The user's own products each theme's filters admit (see RankingWeights.seedOwnProducts).
  const admitted = ranking.seedOwnProducts ? themes.map((t) => admittedOwnProducts(t, user, ctx)) : themes.map(() => []);

  // Theme-to-product cosine needs each candidate's text vector; the embedder caches, so this is cheap on re-runs.
  const productVectors = await embedProducts(ctx, [...retrieved.flat().flatMap((r) => r.hits), ...admitted.flat().map((a) => a.hit)]);
  const seeds = seedCandidates(themes, admitted, vectorOf, productVectors, user, ranking);
  const maxOwn = Math.ceil(ranking.maxOwnShare * productsPerTheme);
  const isOwn = (c: Candidate) => (user.productAffinity[String(c.productId)] ?? 0) > 0;

  const taken = new Set<string>();
  const pageThemes: PageTheme[] = [];
  const dropped: Page['dropped'] = [];
  themes.forEach((theme, i) => {
    const themeVector = vectorOf.get(themeSummaryText(theme))!;
    const candidates: Candidate[] = [
      ...retrieved[i].flatMap(({ keyword, hits }) => hits.map((h) => scoreHit(h, keyword, dot(themeVector, productVectors.get(h.productId)!), user, ranking))),
      ...seeds[i],
    ];
    const notes = retrieved[i].flatMap((r) => (r.note ? [r.note] : []));
    for (const note of notes) ctx.logger.info({ phase: 'assemble', userId: user.userId, themeId: theme.id }, note);
    const chosen = pickTopCapped(candidates, productsPerTheme, taken, isOwn, maxOwn);
    if (chosen.length < minProductsPerTheme || chosen.length === 0) {
      const distinct = new Set(candidates.map((c) => c.productId)).size;
      const reason =
        `${chosen.length} products, below the minimum of ${Math.max(minProductsPerTheme, 1)}: ` +
        `${theme.keywords.length} keywords retrieved ${distinct} distinct products, ${distinct - chosen.length} already on the page under earlier themes`;
      dropped.push({ themeId: theme.id, title: theme.title, reason });
      ctx.logger.info({ phase: 'assemble', userId: user.userId, themeId: theme.id, reason }, 'theme dropped');
      return;
    }
    for (const c of chosen) taken.add(c.productId);
    pageThemes.push({
      id: theme.id,
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

function scoreHit(h: ProductHit, keyword: string, themeCosine: number, user: UserContext, ranking: RankingWeights): Candidate {
  const rel = relevance(h.hitScore, themeCosine, ranking);
  const aff = affinityFactor(user, h.productId, h.categoryId, ranking);
  const pop = popularityFactor(h.popularity, ranking);
  return {
    productId: h.productId,
    name: h.name,
    categoryId: h.categoryId,
    departmentId: h.departmentId,
    keyword,
    score: rel * aff * pop,
    relevance: rel,
    affinity: aff,
    popularity: pop,
  };
}

/** An own product a theme admits, with the keywords whose filters let it in. */
interface Admitted {
  readonly hit: ProductHit;
  readonly keywords: readonly string[];
}

/**
 * The user's history products that fall under at least one of the theme's keyword filters (a
 * keyword without filters admits any) and, when the theme names categories, sit in one of them: so a
 * discovery theme, whose categories the user has never bought from, admits none.
 */
function admittedOwnProducts(theme: FilteredTheme, user: UserContext, ctx: Ctx): Admitted[] {
  const out: Admitted[] = [];
  const ids = Object.entries(user.productAffinity)
    .filter(([, a]) => a > 0)
    .map(([id]) => id)
    .sort(compareIds);
  for (const id of ids) {
    const p = ctx.catalogue.products.get(id);
    if (!p) continue;
    if (theme.categoryIds.length && !theme.categoryIds.includes(p.categoryId)) continue;
    const keywords = theme.keywords
      .filter((k) => (k.categoryIds.length ? k.categoryIds.includes(p.categoryId) : k.departmentIds.length ? k.departmentIds.includes(p.departmentId) : true))
      .map((k) => k.text);
    if (!keywords.length) continue;
    const hit: ProductHit = { productId: id, name: p.name, categoryId: p.categoryId, departmentId: p.departmentId, popularity: ctx.stats.popularity(id), hitScore: 0 };
    out.push({ hit, keywords });
  }
  return out;
}

/**
 * Scores each admitted own product as if its best admitting keyword had retrieved it, keeps those
 * relevant enough, and seeds each into the one theme it is most relevant to (earlier theme on a tie),
 * so a staple lands where it fits best rather than under whichever theme comes first.
 */
function seedCandidates(
  themes: readonly FilteredTheme[],
  admitted: readonly (readonly Admitted[])[],
  vectorOf: ReadonlyMap<string, Float32Array>,
  productVectors: ReadonlyMap<string, Float32Array>,
  user: UserContext,
  ranking: RankingWeights,
): Candidate[][] {
  const best = new Map<string, { theme: number; candidate: Candidate }>();
  themes.forEach((theme, i) => {
    const themeVector = vectorOf.get(themeSummaryText(theme))!;
    for (const { hit, keywords } of admitted[i]) {
      const pv = productVectors.get(hit.productId)!;
      let keyword = keywords[0];
      let hitScore = -Infinity;
      for (const k of keywords) {
        const s = dot(vectorOf.get(k)!, pv);
        if (s > hitScore) [keyword, hitScore] = [k, s];
      }
      const candidate = scoreHit({ ...hit, hitScore }, keyword, dot(themeVector, pv), user, ranking);
      if ((candidate.relevance ?? 0) < ranking.seedMinRelevance) continue;
      const cur = best.get(hit.productId);
      if (!cur || (candidate.relevance ?? 0) > (cur.candidate.relevance ?? 0)) best.set(hit.productId, { theme: i, candidate });
    }
  });
  const out: Candidate[][] = themes.map(() => []);
  for (const { theme, candidate } of best.values()) out[theme].push(candidate);
  return out;
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
