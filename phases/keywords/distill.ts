import { embedderKeyInput } from '../../kit/phase.js';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { compileSchema, describeErrors } from '../../base/ajv.js';
import type { Ctx } from '../../kit/context.js';
import type { ArtefactStore } from '../../kit/artefacts/store.js';
import { seededRandom, shuffled } from '../../base/random.js';
import type { Keywords } from './schema.js';
import { FEATURE_NAMES, candidateFeatures, themeTokens, type Candidate, type CandidateContext, type ThemeScope, type ThemeTokens } from './features.js';
import { loadStudentWeights, predictProbability, weightsPathFor, type StudentWeights } from './student.js';
import { normaliseName } from './candidates.js';
import { sigmoid } from '../../base/logistic.js';
import type { KeywordStepDetail } from './run.js';

/** One labelled (theme, candidate) pair: was the candidate chosen as a keyword for the theme? */
export interface LabelledRow {
  readonly theme: ThemeScope;
  readonly candidate: Omit<Candidate, 'id'>;
  readonly context: CandidateContext;
  readonly chosen: boolean;
}

const ids = { type: 'array', items: { type: 'string' } } as const;

export const labelledRowSchema = {
  $id: 'hubgen.keyword-labelled-row.v1',
  type: 'object',
  required: ['theme', 'candidate', 'context', 'chosen'],
  properties: {
    theme: {
      type: 'object',
      required: ['id', 'title', 'description', 'concepts', 'categoryIds', 'departmentIds'],
      properties: {
        id: { type: 'string', minLength: 1 },
        title: { type: 'string' },
        description: { type: 'string' },
        concepts: { type: 'array', items: { type: 'string' } },
        categoryIds: ids,
        departmentIds: ids,
      },
    },
    candidate: {
      type: 'object',
      required: ['text', 'kind', 'df', 'categories', 'departments', 'similarity', 'rank'],
      properties: {
        text: { type: 'string', minLength: 1 },
        kind: { enum: ['phrase', 'category', 'department', 'attribute'] },
        df: { type: 'integer', minimum: 0 },
        categories: ids,
        departments: ids,
        similarity: { type: 'number', minimum: -1.0001, maximum: 1.0001 },
        rank: { type: 'integer', minimum: 0 },
      },
    },
    context: {
      type: 'object',
      required: ['candidateCount', 'topSimilarity'],
      properties: { candidateCount: { type: 'integer', minimum: 1 }, topSimilarity: { type: 'number' } },
    },
    chosen: { type: 'boolean' },
  },
} as const;

/**
 * Reads labelled rows, one JSON object per line (blank lines skipped). Every bad line is reported
 * with the file, its line number and the offending field.
 */
export async function readLabelledFile(path: string): Promise<LabelledRow[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read labelled rows (${(e as Error).message})`, { cause: e });
  }
  const validate = compileSchema<LabelledRow>(labelledRowSchema);
  const rows: LabelledRow[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      problems.push(`${path}:${i + 1}: not valid JSON (${(e as Error).message})`);
      return;
    }
    if (!validate(value)) problems.push(`${path}:${i + 1}: ${describeErrors(validate.errors)}`);
    else rows.push(value as LabelledRow);
  });
  if (problems.length) {
    const shown = problems.slice(0, 10).join('\n');
    throw new Error(`${problems.length} invalid labelled row(s):\n${shown}${problems.length > 10 ? `\n… and ${problems.length - 10} more` : ''}`);
  }
  return rows;
}

export async function writeLabelledFile(path: string, rows: readonly LabelledRow[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/**
 * Rows from the teacher's recorded choices: every stored keywords artefact where a theme's accepted
 * tier was the teacher, paired with the candidates it was shown. A candidate is positive when the
 * teacher returned it as a keyword. Keywords the teacher wrote itself are not candidates, so they
 * label nothing. Artefacts made with another embedder are skipped: their similarities differ.
 */
export async function teacherLabelsFromArtefacts(store: ArtefactStore, ctx: Pick<Ctx, 'logger' | 'embedder'>): Promise<LabelledRow[]> {
  const rows: LabelledRow[] = [];
  let artefacts = 0;
  let otherEmbedder = 0;
  for await (const hash of store.list()) {
    const found = await store.read<Keywords>(hash);
    if (found.status !== 'hit') {
      if (found.status === 'corrupt') ctx.logger.warn({ hash, problem: found.problem }, 'distill: skipping corrupted artefact');
      continue;
    }
    const a = found.artefact;
    if (a.key.phase !== 'keywords') continue;
    // Candidate similarities are the embedder's own: rows from another embedder would mislabel features.
    if (!a.key.inputs.includes(embedderKeyInput(ctx.embedder))) {
      otherEmbedder++;
      continue;
    }
    artefacts++;
    for (const step of a.provenance.steps ?? []) {
      const detail = step.detail as KeywordStepDetail | undefined;
      if (!detail?.llmView) continue;
      if (step.attempts.find((t) => t.accepted)?.role !== 'teacher') continue;
      const chosenTexts = new Set((a.data.themes.find((t) => t.themeId === detail.themeId)?.keywords ?? []).map((k) => normaliseName(k.text)));
      const { theme, candidates } = detail.llmView;
      const context = { candidateCount: candidates.length, topSimilarity: Math.max(...candidates.map((c) => c.similarity)) };
      for (const candidate of candidates) rows.push({ theme, candidate, context, chosen: chosenTexts.has(normaliseName(candidate.text)) });
    }
  }
  if (otherEmbedder) ctx.logger.warn({ skipped: otherEmbedder, embedder: ctx.embedder.id }, 'distill: skipped keyword artefacts made with another embedder');
  ctx.logger.info({ artefacts, rows: rows.length }, 'distill: teacher labels read from stored artefacts');
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Logistic regression, by hand: 15 features, tens of thousands of rows; Newton's method converges
// in a handful of iterations and is deterministic.

export interface FitOptions {
  /** L2 penalty on the (standardised) coefficients, not the intercept. */
  readonly l2?: number;
  readonly iterations?: number;
}

export interface LinearModel {
  readonly means: number[];
  readonly stds: number[];
  readonly coefficients: number[];
  readonly intercept: number;
}

export function fitLogistic(x: readonly (readonly number[])[], y: readonly boolean[], { l2 = 1e-2, iterations = 25 }: FitOptions = {}): LinearModel {
  const n = x.length;
  const d = x[0]?.length ?? 0;
  if (n === 0) throw new Error('fitLogistic: no rows');
  const means = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[j], 0) / n);
  // A (near-)constant feature keeps std 1 so it neither divides by zero nor rounds to 0 in the file.
  const stds = Array.from({ length: d }, (_, j) => {
    const sd = Math.sqrt(x.reduce((s, r) => s + (r[j] - means[j]) ** 2, 0) / n);
    return sd > 1e-6 ? sd : 1;
  });
  const z = x.map((r) => [1, ...r.map((v, j) => (v - means[j]) / stds[j])]);
  const w = new Array<number>(d + 1).fill(0);
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(d + 1).fill(0);
    const hess = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const zi = z[i];
      let s = 0;
      for (let j = 0; j <= d; j++) s += w[j] * zi[j];
      const p = sigmoid(s);
      const err = p - (y[i] ? 1 : 0);
      const v = Math.max(p * (1 - p), 1e-9);
      for (let j = 0; j <= d; j++) {
        grad[j] += err * zi[j];
        const vz = v * zi[j];
        for (let k = j; k <= d; k++) hess[j][k] += vz * zi[k];
      }
    }
    for (let j = 0; j <= d; j++) {
      for (let k = 0; k < j; k++) hess[j][k] = hess[k][j];
      grad[j] /= n;
      for (let k = 0; k <= d; k++) hess[j][k] /= n;
      if (j > 0) {
        grad[j] += l2 * w[j];
        hess[j][j] += l2;
      }
    }
    const step = solve(hess, grad);
    let change = 0;
    for (let j = 0; j <= d; j++) {
      w[j] -= step[j];
      change = Math.max(change, Math.abs(step[j]));
    }
    if (change < 1e-8) break;
  }
  return { means, stds, coefficients: w.slice(1), intercept: w[0] };
}

/** Gaussian elimination with partial pivoting; the L2 term keeps the system well-conditioned. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const piv = m[c][c] || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / piv;
      if (f !== 0) for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / (row[i] || 1e-12));
}

const probability = (model: LinearModel, x: readonly number[]): number => predictProbability(model, x);

// ---------------------------------------------------------------------------------------------
// Evaluation

export interface Scores {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Mean over themes of the share of positives among the top 5 candidates by score. */
  readonly precisionAt5: number;
}

export function evaluate(scores: readonly number[], y: readonly boolean[], themeOf: readonly string[], cutoff: number): Scores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  scores.forEach((s, i) => {
    const predicted = s >= cutoff;
    if (predicted === y[i]) correct++;
    if (predicted && y[i]) tp++;
    if (predicted && !y[i]) fp++;
    if (!predicted && y[i]) fn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const byTheme = new Map<string, { s: number; y: boolean }[]>();
  scores.forEach((s, i) => byTheme.set(themeOf[i], [...(byTheme.get(themeOf[i]) ?? []), { s, y: y[i] }]));
  const p5 = [...byTheme.values()].map((rows) => {
    const top = [...rows].sort((a, b) => b.s - a.s).slice(0, 5);
    return top.filter((r) => r.y).length / top.length;
  });
  return {
    accuracy: scores.length ? correct / scores.length : 0,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    precisionAt5: p5.length ? p5.reduce((a, b) => a + b, 0) / p5.length : 0,
  };
}

/** The cutoff in [0.2, 0.8] that maximises F1 on the given rows: picking keywords is about the positives. */
export function tuneCutoff(scores: readonly number[], y: readonly boolean[]): number {
  let best = { cutoff: 0.5, f1: -1 };
  for (let c = 0.2; c <= 0.8001; c += 0.01) {
    const { f1 } = evaluate(scores, y, scores.map(() => ''), c);
    if (f1 > best.f1 + 1e-12) best = { cutoff: Math.round(c * 100) / 100, f1 };
  }
  return best.cutoff;
}

export interface DistillOptions {
  readonly rows: readonly LabelledRow[];
  /** The weights in use now, evaluated on the same held-out rows for comparison. */
  readonly previousWeights?: StudentWeights;
  /** Share of themes (not rows) held out, so held-out themes are unseen in training. */
  readonly holdoutShare?: number;
  readonly seed?: number;
  readonly embedderId?: string;
  readonly model?: string;
  readonly trainedOn?: string;
  readonly l2?: number;
}

export interface DistillReport {
  /** Labelled rows used, train + held out. */
  readonly n: number;
  readonly trainRows: number;
  readonly heldOutRows: number;
  readonly trainThemes: number;
  readonly heldOutThemes: number;
  readonly positiveShare: number;
  readonly cutoff: number;
  readonly heldOutAccuracy: number;
  readonly heldOut: Scores;
  /** The previous weights on the same held-out rows (undefined without previous weights). */
  readonly previousAccuracy: number | undefined;
  readonly previous: Scores | undefined;
  /** Majority class on the held-out rows. */
  readonly baselineAccuracy: number;
  /** Cosine similarity alone (a one-feature model with a tuned cutoff) on the held-out rows. */
  readonly cosineOnly: Scores;
}

/** The themes held out for evaluation: a seeded share of theme ids, so no held-out theme is trained on. */
export function heldOutThemes(rows: readonly LabelledRow[], holdoutShare: number, seed: number): Set<string> {
  const themeIds = [...new Set(rows.map((r) => r.theme.id))].sort();
  if (themeIds.length < 2) throw new Error(`distill: need labelled rows from at least 2 themes to hold some out, got ${themeIds.length}`);
  const heldCount = Math.min(themeIds.length - 1, Math.max(1, Math.round(themeIds.length * holdoutShare)));
  return new Set(shuffled(themeIds, seededRandom(seed)).slice(0, heldCount));
}

export function distillStudent({
  rows,
  previousWeights,
  holdoutShare = 0.2,
  seed = 1,
  embedderId = 'unknown',
  model = 'hubgen-student-distilled',
  trainedOn = 'labelled rows',
  l2,
}: DistillOptions): { weights: StudentWeights; report: DistillReport } {
  if (!(holdoutShare > 0 && holdoutShare < 1)) throw new Error(`distill: holdoutShare must be between 0 and 1 (exclusive), got ${holdoutShare}`);
  const themeIds = [...new Set(rows.map((r) => r.theme.id))];
  const held = heldOutThemes(rows, holdoutShare, seed);

  const tokens = new Map<string, ThemeTokens>();
  const featuresOf = (r: LabelledRow) => {
    let t = tokens.get(r.theme.id);
    if (!t) tokens.set(r.theme.id, (t = themeTokens(r.theme)));
    return candidateFeatures(t, { ...r.candidate, id: '' }, r.context);
  };
  const train = rows.filter((r) => !held.has(r.theme.id));
  const test = rows.filter((r) => held.has(r.theme.id));
  const yTrain = train.map((r) => r.chosen);
  const yTest = test.map((r) => r.chosen);
  const positives = yTrain.filter(Boolean).length;
  if (positives === 0 || positives === yTrain.length) throw new Error(`distill: all ${yTrain.length} training rows are ${positives ? 'chosen' : 'not chosen'}; the student needs candidates the teacher chose and ones it passed over (a teacher that never picks from the candidate list, such as the eval simulator, teaches nothing)`);

  const xTrain = train.map(featuresOf);
  const xTest = test.map(featuresOf);
  const themeOfTest = test.map((r) => r.theme.id);

  const fitted = fitLogistic(xTrain, yTrain, { l2 });
  const cutoff = tuneCutoff(xTrain.map((x) => probability(fitted, x)), yTrain);
  const heldOut = evaluate(xTest.map((x) => probability(fitted, x)), yTest, themeOfTest, cutoff);

  const simIndex = FEATURE_NAMES.indexOf('similarity');
  const cosineModel = fitLogistic(xTrain.map((x) => [x[simIndex]]), yTrain, { l2 });
  const cosineProb = (x: readonly number[]) => probability(cosineModel, [x[simIndex]]);
  const cosineCutoff = tuneCutoff(xTrain.map(cosineProb), yTrain);
  const cosineOnly = evaluate(xTest.map(cosineProb), yTest, themeOfTest, cosineCutoff);

  const previous = previousWeights ? evaluate(xTest.map((x) => predictProbability(previousWeights, x)), yTest, themeOfTest, previousWeights.cutoff) : undefined;
  const testPositives = yTest.filter(Boolean).length;

  const report: DistillReport = {
    n: rows.length,
    trainRows: train.length,
    heldOutRows: test.length,
    trainThemes: themeIds.length - held.size,
    heldOutThemes: held.size,
    positiveShare: rows.filter((r) => r.chosen).length / rows.length,
    cutoff,
    heldOutAccuracy: heldOut.accuracy,
    heldOut,
    previousAccuracy: previous?.accuracy,
    previous,
    baselineAccuracy: test.length ? Math.max(testPositives, test.length - testPositives) / test.length : 0,
    cosineOnly,
  };
  const weights: StudentWeights = {
    format: 'hubgen-student-weights/1',
    model,
    embedderId,
    features: [...FEATURE_NAMES],
    means: fitted.means.map(round6),
    stds: fitted.stds.map(round6),
    coefficients: fitted.coefficients.map(round6),
    intercept: round6(fitted.intercept),
    cutoff,
    trainedOn,
    trainedAt: new Date().toISOString(),
    metrics: { ...report },
  };
  return { weights, report };
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export interface RunDistillOptions {
  readonly ctx: Ctx;
  /** 'artefacts': teacher choices recorded in ctx.artefacts; otherwise a JSONL file of labelled rows. */
  readonly from: 'artefacts' | string;
  /** Where to write the new weights; nothing is written without it. */
  readonly out?: string;
  readonly holdoutShare?: number;
  readonly seed?: number;
}

export type RunDistillReport = DistillReport & { readonly from: string; readonly written: string | undefined; readonly previousModel: string | undefined };

/** `hubgen distill`: train student weights on teacher labels and compare them with the current ones held-out. */
export async function runDistill({ ctx, from, out, holdoutShare = 0.2, seed = 1 }: RunDistillOptions): Promise<RunDistillReport> {
  const rows = from === 'artefacts' ? await teacherLabelsFromArtefacts(ctx.artefacts, ctx) : await readLabelledFile(from);
  if (rows.length === 0) {
    throw new Error(from === 'artefacts' ? 'distill: no teacher choices recorded in the artefact store (run pages with a teacher configured first)' : `${from}: no labelled rows`);
  }
  const previousModel = ctx.config.roles.student?.model;
  let previousWeights: StudentWeights | undefined;
  if (previousModel) {
    try {
      previousWeights = loadStudentWeights(weightsPathFor(previousModel)).weights;
    } catch (e) {
      ctx.logger.warn({ model: previousModel, err: (e as Error).message }, 'distill: current student weights unreadable; reporting without a comparison');
    }
  }
  const { weights, report } = distillStudent({
    rows,
    previousWeights,
    holdoutShare,
    seed,
    embedderId: ctx.embedder.id,
    model: out ? `hubgen-distilled:${out}` : 'hubgen-distilled',
    trainedOn: from === 'artefacts' ? `teacher choices recorded in the ${ctx.artefacts.kind} artefact store` : `labelled rows from ${from}`,
  });
  if (out) {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(weights, null, 2) + '\n');
  }
  ctx.logger.info({ rows: report.n, heldOutAccuracy: report.heldOutAccuracy, previousAccuracy: report.previousAccuracy, baselineAccuracy: report.baselineAccuracy, written: out }, 'distill finished');
  return { ...report, from, written: out, previousModel: previousWeights ? previousModel : undefined };
}
