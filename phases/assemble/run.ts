import { compileSchema, describeErrors } from '../../llm/ajv.js';
import { ZERO_USAGE } from '../../llm/usage.js';
import type { Artefact, ArtefactKey } from '../../pipelines/artefacts/artefact.js';
import { cachedArtefact, type Computed } from '../../pipelines/artefacts/cache.js';
import { COLLECTIONS, type Ctx } from '../../pipelines/context.js';
import type { PhaseResult } from '../../pipelines/phase.js';
import type { UserContext } from '../../instacart/user-context-types.js';
import { productText } from '../../retrieval/index-catalogue.js';
import type { Filtered, FilteredTheme } from '../filter/schema.js';
import { pageSchema, type Page, type PageProduct, type PageTheme } from './schema.js';
import { catalogueDigest, statsDigest, userDigest } from './digests.js';
import { affinityFactor, DEFAULT_RANKING, dot, pickTop, popularityFactor, relevance, type RankingWeights } from './rank.js';
import { retrieveForKeyword, type ProductHit } from './retrieve.js';

export const PHASE = 'assemble';
/** Bump when the code changes what this phase produces for the same inputs. */
export const PHASE_VERSION = '1';

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
      `catalogue:${catalogueDigest(ctx.catalogue)}`,
      `stats:${statsDigest(ctx.stats)}`,
    ],
  };
}

/**
 * Phase 4: every keyword retrieves products under its filters; candidates are ranked by
 * relevance to the theme × the user's affinity × popularity; no product appears twice on a page.
 */
export function run(input: AssembleInput, ctx: Ctx): Promise<PhaseResult<Page>> {
  return cachedArtefact(ctx, assembleKey(input, ctx), () => assemble(input, ctx, DEFAULT_RANKING));
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

  // Theme-to-product cosine needs each candidate's text vector; the embedder caches, so this is cheap on re-runs.
  const productVectors = await embedProducts(ctx, retrieved.flat().flatMap((r) => r.hits));

  const taken = new Set<number>();
  const pageThemes: PageTheme[] = [];
  const dropped: Page['dropped'] = [];
  themes.forEach((theme, i) => {
    const themeVector = vectorOf.get(themeText(theme))!;
    const candidates: Candidate[] = retrieved[i].flatMap(({ keyword, hits }) =>
      hits.map((h) => scoreHit(h, keyword, dot(themeVector, productVectors.get(h.productId)!), user, ranking)),
    );
    const notes = retrieved[i].flatMap((r) => (r.note ? [r.note] : []));
    for (const note of notes) ctx.logger.info({ phase: PHASE, userId: user.userId, themeId: theme.id }, note);
    const chosen = pickTop(candidates, productsPerTheme, taken);
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

/** Embeds each distinct candidate once, with the same text the product index used (so the embedding cache hits). */
async function embedProducts(ctx: Ctx, hits: readonly ProductHit[]): Promise<Map<number, Float32Array>> {
  const byId = new Map<number, ProductHit>();
  for (const h of hits) if (!byId.has(h.productId)) byId.set(h.productId, h);
  const ids = [...byId.keys()].sort((a, b) => a - b);
  if (!ids.length) return new Map();
  const texts = ids.map((id) => {
    const p = ctx.catalogue.products.get(id);
    return p ? productText(p, ctx.catalogue) : byId.get(id)!.name;
  });
  const vectors = await ctx.embedder.embed(texts);
  return new Map(ids.map((id, i) => [id, vectors[i]]));
}
