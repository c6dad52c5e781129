import { compileSchema, describeErrors } from '../../llm/ajv.js';
import { ZERO_USAGE } from '../../llm/usage.js';
import type { Artefact, ArtefactKey } from '../../pipelines/artefacts/artefact.js';
import { cachedArtefact, type Computed } from '../../pipelines/artefacts/cache.js';
import { COLLECTIONS, type Ctx } from '../../pipelines/context.js';
import type { PhaseResult } from '../../pipelines/phase.js';
import type { UserContext } from '../../instacart/user-context-types.js';
import { PRODUCT_TEXT_RECIPE, productVectors } from '../../retrieval/index-catalogue.js';
import type { Filtered, FilteredTheme } from '../filter/schema.js';
import { pageSchema, type Page, type PageProduct, type PageTheme } from './schema.js';
import { catalogueDigest, statsDigest, userDigest } from './digests.js';
import { affinityFactor, DEFAULT_RANKING, dot, pickTopCapped, popularityFactor, relevance, type RankingWeights } from './rank.js';
import { retrieveForKeyword, type ProductHit } from './retrieve.js';

export const PHASE = 'assemble';
/** Bump when the code changes what this phase produces for the same inputs. */
export const PHASE_VERSION = '2';

export interface AssembleInput {
  readonly user: UserContext;
  readonly filtered: Artefact<Filtered>;
}

/** Text embedded for a theme: what the theme is about, for the theme-to-product cosine. */
export const themeText = (t: Pick<FilteredTheme, 'title' | 'description'>): string => `${t.title}. ${t.description}`;

export function assembleKey(input: AssembleInput, ctx: Ctx, ranking: RankingWeights = DEFAULT_RANKING): ArtefactKey {
  return {
    phase: PHASE,
    phaseVersion: PHASE_VERSION,
    config: { ...ctx.config.phases.assemble, ranking },
    models: { embedder: ctx.embedder.id },
    promptVersion: 'none',
    inputs: [
      input.filtered.hash,
      `user:${userDigest(input.user)}`,
      `embedder:${ctx.embedder.id}`,
      // Retrieval and the theme-to-product cosine use vectors of the product text recipe.
      `productText:${PRODUCT_TEXT_RECIPE}`,
      `catalogue:${catalogueDigest(ctx.catalogue)}`,
      `stats:${statsDigest(ctx.stats)}`,
    ],
  };
}

/**
 * Phase 4: every keyword retrieves products under its filters; candidates are ranked by
 * relevance to the theme × the user's affinity × popularity; no product appears twice on a page.
 */
export function run(input: AssembleInput, ctx: Ctx, ranking: RankingWeights = DEFAULT_RANKING): Promise<PhaseResult<Page>> {
  return cachedArtefact(ctx, assembleKey(input, ctx, ranking), () => assemble(input, ctx, ranking));
}

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
  const texts = [...new Set([...themes.flatMap((t) => t.keywords.map((k) => k.text)), ...themes.map(themeText)])];
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

  const taken = new Set<number>();
  const pageThemes: PageTheme[] = [];
  const dropped: Page['dropped'] = [];
  themes.forEach((theme, i) => {
    const themeVector = vectorOf.get(themeText(theme))!;
    const candidates: Candidate[] = [
      ...retrieved[i].flatMap(({ keyword, hits }) => hits.map((h) => scoreHit(h, keyword, dot(themeVector, productVectors.get(h.productId)!), user, ranking))),
      ...seeds[i],
    ];
    const notes = retrieved[i].flatMap((r) => (r.note ? [r.note] : []));
    for (const note of notes) ctx.logger.info({ phase: PHASE, userId: user.userId, themeId: theme.id }, note);
    const chosen = pickTopCapped(candidates, productsPerTheme, taken, isOwn, maxOwn);
    if (chosen.length < minProductsPerTheme || chosen.length === 0) {
      const distinct = new Set(candidates.map((c) => c.productId)).size;
      const reason =
        `${chosen.length} products, below the minimum of ${Math.max(minProductsPerTheme, 1)}: ` +
        `${theme.keywords.length} keywords retrieved ${distinct} distinct products, ${distinct - chosen.length} already on the page under earlier themes`;
      dropped.push({ themeId: theme.id, title: theme.title, reason });
      ctx.logger.info({ phase: PHASE, userId: user.userId, themeId: theme.id, reason }, 'theme dropped');
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
  const validate = compileSchema<Page>(pageSchema);
  if (!validate(page)) throw new Error(`assemble: page for user ${user.userId} does not match ${pageSchema.$id}: ${describeErrors(validate.errors)}`);
  return {
    data: page,
    provenance: { attempts: [], usage: ZERO_USAGE, latencyMs: ctx.clock.monotonic() - started, role: 'embedder', model: ctx.embedder.id, confidence: undefined },
  };
}

function scoreHit(h: ProductHit, keyword: string, themeCosine: number, user: UserContext, ranking: RankingWeights): Candidate {
  const rel = relevance(h.hitScore, themeCosine, ranking);
  const aff = affinityFactor(user, h.productId, h.aisleId, ranking);
  const pop = popularityFactor(h.popularity, ranking);
  return {
    productId: h.productId,
    name: h.name,
    aisleId: h.aisleId,
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
 * keyword without filters admits any) and, when the theme names aisles, sit in one of them: so a
 * discovery theme, whose aisles the user has never bought from, admits none.
 */
function admittedOwnProducts(theme: FilteredTheme, user: UserContext, ctx: Ctx): Admitted[] {
  const out: Admitted[] = [];
  const ids = Object.entries(user.productAffinity)
    .filter(([, a]) => a > 0)
    .map(([id]) => Number(id))
    .sort((a, b) => a - b);
  for (const id of ids) {
    const p = ctx.catalogue.products.get(id);
    if (!p) continue;
    if (theme.aisleIds.length && !theme.aisleIds.includes(p.aisleId)) continue;
    const keywords = theme.keywords
      .filter((k) => (k.aisleIds.length ? k.aisleIds.includes(p.aisleId) : k.departmentIds.length ? k.departmentIds.includes(p.departmentId) : true))
      .map((k) => k.text);
    if (!keywords.length) continue;
    const hit: ProductHit = { productId: id, name: p.name, aisleId: p.aisleId, departmentId: p.departmentId, popularity: ctx.stats.popularity(id), hitScore: 0 };
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
  productVectors: ReadonlyMap<number, Float32Array>,
  user: UserContext,
  ranking: RankingWeights,
): Candidate[][] {
  const best = new Map<number, { theme: number; candidate: Candidate }>();
  themes.forEach((theme, i) => {
    const themeVector = vectorOf.get(themeText(theme))!;
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
async function embedProducts(ctx: Ctx, hits: readonly ProductHit[]): Promise<Map<number, Float32Array>> {
  const byId = new Map<number, ProductHit>();
  for (const h of hits) if (!byId.has(h.productId)) byId.set(h.productId, h);
  const ids = [...byId.keys()].sort((a, b) => a - b);
  if (!ids.length) return new Map();
  const products = ids.map((id) => ctx.catalogue.products.get(id) ?? byId.get(id)!);
  const vectors = await productVectors(ctx.embedder, products, ctx.catalogue);
  return new Map(ids.map((id, i) => [id, vectors[i]]));
}
