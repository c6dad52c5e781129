import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { compareIds, type Catalogue, type Product } from '../../catalogue/types.js';
import { PLACEHOLDER_NAMES } from '../../catalogue/names.js';
import { mulberry32, shuffled } from '../../base/random.js';
import type { KeywordCorpus } from '../corpus-types.js';
import type { Embedder } from '../embeddings/embedder.js';
import { fitLogistic, sigmoid, type LogisticFit } from '../../base/logistic.js';
import { FEATURE_NAMES, type IdfTable } from './features.js';
import { featuresForPairs, LOCAL_RELEVANCE_MODELS, predictRelevance, validateRelevanceWeights, type RelevanceWeights } from './local-relevance.js';
import { contentTokens } from '../../base/text.js';

/** A silver-labelled pair: labels come from the catalogue's own category structure, not from people. */
export interface SilverPair {
  readonly query: string;
  readonly text: string;
  readonly label: 0 | 1;
  /** The category(s) the query stands for. */
  readonly categoryIds: readonly string[];
  /** True when the pair belongs to the held-out categories: every text in it comes from held-out categories. */
  readonly heldOut: boolean;
  readonly kind: 'positive' | 'same-department negative' | 'other-department negative';
}

export interface SilverOptions {
  readonly seed?: number;
  /** Positive texts per category per query form (negatives: as many). */
  readonly perCategory?: number;
  /** Share of categories held out for evaluation. */
  readonly heldOutShare?: number;
}

/** A seeded random sample of n items (a prefix of a seeded shuffle). */
function sample<T>(items: readonly T[], n: number, rnd: () => number): T[] {
  return shuffled(items, rnd).slice(0, n);
}

/**
 * Silver pairs from the real catalogue. Categories are first split into train and held-out sets, and
 * every pair draws its texts from one side only, so held-out figures measure categories never seen in
 * training. Three query forms stand in for what the filter scores at run time: the bare category name
 * ("fresh herbs"); a theme-like text, the category name followed by three of its corpus phrases; and a
 * two-category theme (the category and a sibling in its department, two phrases of each).
 * Positives: products and corpus phrases of the query's category(s), never its seed phrases. Negatives,
 * as many: for single-category queries half from a sibling category in the same department (hard), half
 * from another department; for two-category queries all from other departments.
 */
export function buildSilverPairs(catalogue: Catalogue, corpus: KeywordCorpus | undefined, options: SilverOptions = {}): SilverPair[] {
  const seed = options.seed ?? 7;
  // mulberry32, not seededRandom: a retrain with the same seed must reproduce the same weights, whatever number it is given.
  const rnd = mulberry32(seed);
  const per = options.perCategory ?? 8;
  const byCategory = new Map<string, Product[]>();
  for (const p of [...catalogue.products.values()].sort((a, b) => compareIds(a.id, b.id))) {
    const category = catalogue.categories.get(p.categoryId)?.name;
    const dept = catalogue.departments.get(p.departmentId)?.name;
    // Placeholder categories/departments carry no meaning to learn from.
    if (!category || !dept || PLACEHOLDER_NAMES.has(category) || PLACEHOLDER_NAMES.has(dept)) continue;
    const list = byCategory.get(p.categoryId) ?? [];
    list.push(p);
    byCategory.set(p.categoryId, list);
  }
  const phrasesByCategory = new Map<string, string[]>();
  for (const t of corpus?.terms ?? []) {
    // Phrases spread over many categories ("organic", "original") say nothing about any one of them.
    if (t.kind !== 'phrase' || t.categories.length === 0 || t.categories.length > 2 || !byCategory.has(t.categories[0])) continue;
    const list = phrasesByCategory.get(t.categories[0]) ?? [];
    list.push(t.text);
    phrasesByCategory.set(t.categories[0], list);
  }
  const categoryIds = [...byCategory.keys()].sort(compareIds);
  const heldOut = new Set(sample(categoryIds, Math.round(categoryIds.length * (options.heldOutShare ?? 0.2)), mulberry32(seed + 1)));
  const deptOf = (categoryId: string) => byCategory.get(categoryId)![0].departmentId;
  const shortName = (p: Product) => p.name.split(/\s+/).slice(-2).join(' ').toLowerCase();
  const textsOf = (a: string) => [...byCategory.get(a)!.map((p) => p.name), ...(phrasesByCategory.get(a) ?? [])];
  const seedsOf = (a: string, n: number) => {
    const phrases = phrasesByCategory.get(a) ?? [];
    return phrases.length >= n ? sample(phrases, n, rnd) : sample(byCategory.get(a)!, n, rnd).map(shortName);
  };
  const pickFrom = (categories: readonly string[]) => {
    const pool = textsOf(categories[Math.floor(rnd() * categories.length)]);
    return pool[Math.floor(rnd() * pool.length)];
  };
  const pairs: SilverPair[] = [];

  for (const categoryId of categoryIds) {
    const side = heldOut.has(categoryId);
    const sameSide = categoryIds.filter((a) => heldOut.has(a) === side);
    const siblings = sameSide.filter((a) => a !== categoryId && deptOf(a) === deptOf(categoryId));
    const name = catalogue.categories.get(categoryId)!.name;
    const forms: { query: string; categories: string[]; seeds: string[] }[] = [];
    const seeds = seedsOf(categoryId, 3);
    forms.push({ query: name, categories: [categoryId], seeds: [] });
    forms.push({ query: `${name}: ${seeds.join(', ')}`, categories: [categoryId], seeds });
    if (siblings.length) {
      const partner = siblings[Math.floor(rnd() * siblings.length)];
      const both = [...seedsOf(categoryId, 2), ...seedsOf(partner, 2)];
      forms.push({ query: `${name} and ${catalogue.categories.get(partner)!.name}: ${both.join(', ')}`, categories: [categoryId, partner], seeds: both });
    }
    for (const form of forms) {
      const otherDept = sameSide.filter((a) => !form.categories.some((f) => deptOf(f) === deptOf(a)));
      const hardPool = form.categories.length === 1 ? siblings : [];
      // Texts in the query itself would be trivially matched; positives come from the rest.
      const positives = form.categories.flatMap((a) => sample(textsOf(a).filter((t) => !form.seeds.includes(t)), Math.ceil(per / form.categories.length), rnd));
      for (const text of positives) pairs.push({ query: form.query, text, label: 1, categoryIds: form.categories, heldOut: side, kind: 'positive' });
      for (let i = 0; i < positives.length; i++) {
        const hard = i % 2 === 0 && hardPool.length > 0;
        pairs.push({ query: form.query, text: pickFrom(hard ? hardPool : otherDept), label: 0, categoryIds: form.categories, heldOut: side, kind: hard ? 'same-department negative' : 'other-department negative' });
      }
    }
  }
  return pairs;
}

/** Document frequency of every stemmed word of the catalogue's product names (words in ≥ minDf names kept). */
export function buildIdfTable(catalogue: Catalogue, minDf = 5): IdfTable {
  const counts = new Map<string, number>();
  for (const p of catalogue.products.values()) for (const t of new Set(contentTokens(p.name))) counts.set(t, (counts.get(t) ?? 0) + 1);
  const df: Record<string, number> = {};
  for (const [t, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) if (n >= minDf) df[t] = n;
  return { documents: Math.max(1, catalogue.products.size), minDf, df };
}

export interface ClassifierMetrics {
  readonly accuracy: number;
  /** Area under the ROC curve: threshold-free ranking quality. */
  readonly auc: number;
  readonly logLoss: number;
}

export function classifierMetrics(scores: readonly number[], labels: readonly number[]): ClassifierMetrics {
  let correct = 0;
  let loss = 0;
  for (let i = 0; i < scores.length; i++) {
    if ((scores[i] >= 0.5 ? 1 : 0) === labels[i]) correct++;
    const p = Math.min(1 - 1e-9, Math.max(1e-9, scores[i]));
    loss -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  // AUC by ranks (ties get the average rank).
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const pos = labels.filter((l) => l === 1).length;
  const neg = labels.length - pos;
  const rankSum = labels.reduce((s, l, i) => s + (l === 1 ? ranks[i] : 0), 0);
  const auc = pos && neg ? (rankSum - (pos * (pos + 1)) / 2) / (pos * neg) : Number.NaN;
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  return { accuracy: r4(correct / scores.length), auc: r4(auc), logLoss: r4(loss / scores.length) };
}

export interface TrainRelevanceOptions {
  readonly catalogue: Catalogue;
  readonly corpus?: KeywordCorpus;
  readonly embedder: Embedder;
  readonly model?: string;
  readonly seed?: number;
  readonly perCategory?: number;
  /** Share of categories whose pairs are held out for the report (never trained on). */
  readonly heldOutShare?: number;
  readonly logger?: Logger;
}

export interface TrainRelevanceReport {
  readonly model: string;
  readonly embedder: string;
  readonly features: readonly string[];
  readonly pairs: { readonly train: number; readonly heldOut: number };
  readonly categories: { readonly train: number; readonly heldOut: number };
  /** Held-out metrics of the learned model and of a logistic regression on cosine alone. */
  readonly heldOut: { readonly model: ClassifierMetrics; readonly cosineBaseline: ClassifierMetrics };
  readonly train: { readonly model: ClassifierMetrics };
}

/**
 * Trains the local relevance model on silver pairs from the catalogue. Categories are split into train
 * and held-out sets, so the held-out figures measure generalisation to categories the model never saw.
 * The returned weights are the ones fitted on the train categories: the report describes them exactly.
 */
export async function trainRelevance(options: TrainRelevanceOptions): Promise<{ weights: RelevanceWeights; report: TrainRelevanceReport }> {
  const { catalogue, corpus, embedder, logger } = options;
  const model = options.model ?? 'hubgen-relevance-v1';
  const seed = options.seed ?? 7;
  const heldOutShare = options.heldOutShare ?? 0.2;
  if (catalogue.products.size === 0) throw new Error('trainRelevance: the catalogue has no products; load the Instacart data first');
  const pairs = buildSilverPairs(catalogue, corpus, { seed, perCategory: options.perCategory, heldOutShare });
  const categoryIds = [...new Set(pairs.flatMap((p) => p.categoryIds))].sort(compareIds);
  const heldOutCategories = new Set(pairs.filter((p) => p.heldOut).flatMap((p) => p.categoryIds));
  const idf = buildIdfTable(catalogue);
  logger?.info({ pairs: pairs.length, categories: categoryIds.length, heldOutCategories: heldOutCategories.size, embedder: embedder.id }, 'relevance training: embedding silver pairs');
  const X = await featuresForPairs(pairs, embedder, idf);
  const split = (held: boolean) => pairs.map((p, i) => ({ p, x: X[i] })).filter(({ p }) => p.heldOut === held);
  const train = split(false);
  const test = split(true);
  const fit = fitLogistic(train.map((r) => r.x), train.map((r) => r.p.label));
  const cosFit = fitLogistic(train.map((r) => [r.x[0]]), train.map((r) => r.p.label));
  const evaluate = (rows: typeof train, f: LogisticFit, pickFeatures: (x: number[]) => number[]) =>
    classifierMetrics(rows.map((r) => predictRelevance(f, pickFeatures(r.x))), rows.map((r) => r.p.label));
  const report: TrainRelevanceReport = {
    model,
    embedder: embedder.id,
    features: FEATURE_NAMES,
    pairs: { train: train.length, heldOut: test.length },
    categories: { train: categoryIds.length - heldOutCategories.size, heldOut: heldOutCategories.size },
    heldOut: { model: evaluate(test, fit, (x) => x), cosineBaseline: evaluate(test, cosFit, (x) => [x[0]]) },
    train: { model: evaluate(train, fit, (x) => x) },
  };
  const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
  const weights: RelevanceWeights = {
    format: 'hubgen-relevance-logreg/1',
    model,
    embedder: embedder.id,
    features: [...FEATURE_NAMES],
    mean: fit.mean.map(r6),
    std: fit.std.map(r6),
    weights: fit.weights.map(r6),
    bias: r6(fit.bias),
    idf,
    training: {
      data: 'Instacart 2017 catalogue (products.csv, categories.csv, departments.csv) and the keyword corpus mined from it; silver labels from category membership',
      seed,
      perCategory: options.perCategory ?? 8,
      heldOutShare,
      heldOutCategories: [...heldOutCategories].sort(compareIds),
      kinds: Object.fromEntries(['positive', 'same-department negative', 'other-department negative'].map((k) => [k, pairs.filter((p) => p.kind === k).length])),
      corpusTerms: corpus?.terms.length ?? 0,
      report,
    },
  };
  logger?.info({ heldOut: report.heldOut }, 'relevance training: done');
  return { weights: validateRelevanceWeights(weights, `<trained ${model}>`), report };
}

/** The bundled weights file of a local relevance model. */
export function bundledWeightsPath(model = 'hubgen-relevance-v1'): string {
  const rel = LOCAL_RELEVANCE_MODELS[model];
  if (!rel) throw new Error(`unknown local relevance model "${model}" (known: ${Object.keys(LOCAL_RELEVANCE_MODELS).join(', ')})`);
  return fileURLToPath(new URL(rel, import.meta.url));
}

/** Trains and writes the weights file (by default the bundled one); returns the report and the path written. */
export async function trainAndWriteRelevance(options: TrainRelevanceOptions & { readonly out?: string }): Promise<TrainRelevanceReport & { readonly out: string }> {
  const target = options.out ?? bundledWeightsPath(options.model);
  const { weights, report } = await trainRelevance(options);
  await writeFile(target, `${JSON.stringify(weights, null, 1)}\n`);
  options.logger?.info({ out: target }, 'relevance weights written');
  return { ...report, out: target };
}

/**
 * What `hubgen train-relevance` does: train the model the cross-encoder role is bound to (the v1
 * weights when it is not a local model), and write the weights only when given a file.
 */
export async function trainRelevanceFor(
  options: Omit<TrainRelevanceOptions, 'model'> & { readonly boundModel: string | undefined; readonly out?: string },
): Promise<TrainRelevanceReport & { readonly out: string | null }> {
  const { boundModel, out, ...rest } = options;
  const model = boundModel && boundModel in LOCAL_RELEVANCE_MODELS ? boundModel : 'hubgen-relevance-v1';
  if (out) return trainAndWriteRelevance({ ...rest, model, out });
  const { report } = await trainRelevance({ ...rest, model });
  return { ...report, out: null };
}
