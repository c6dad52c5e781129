import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttachedCalibration, EvalResult } from './runner.js';

/** A stored result.json path: the file, or the report folder holding it. */
export async function resultPath(path: string): Promise<string> {
  return (await stat(path)).isDirectory() ? join(path, 'result.json') : path;
}

type Json = Record<string, any>;

/** Old names → current ones: "aisle" became "category" when the catalogue went dataset-neutral; kinds became phase names. */
const RENAMED_KINDS: Record<string, string> = { filtered: 'filter', page: 'assemble' };

function renameKey(o: Json | undefined, from: string, to: string): void {
  if (o && from in o && !(to in o)) {
    o[to] = o[from];
    delete o[from];
  }
}

/**
 * Reads a stored eval result, upgrading one written by an older hubgen (schemaVersion 1 with
 * targetAisleCoverage and the old artefact kinds) to the names the report code reads, so a
 * committed report can be re-rendered without re-running its eval.
 */
export async function readEvalResult(path: string): Promise<EvalResult> {
  const file = await resultPath(path);
  const json = JSON.parse(await readFile(file, 'utf8')) as Json;
  if (json.schemaVersion !== 1 || !Array.isArray(json.variants)) throw new Error(`${file} is not a hubgen eval result (schemaVersion 1)`);
  for (const v of json.variants as Json[]) {
    renameKey(v.aggregate, 'targetAisleCoverage', 'targetCategoryCoverage');
    for (const p of v.pages as Json[]) {
      renameKey(p, 'targetAisleCoverage', 'targetCategoryCoverage');
      for (const [from, to] of Object.entries(RENAMED_KINDS)) renameKey(p.artefactHashes, from, to);
    }
  }
  for (const b of (json.baselines ?? []) as Json[]) {
    renameKey(b.aggregate, 'targetAisleCoverage', 'targetCategoryCoverage');
    for (const p of b.pages as Json[]) renameKey(p, 'targetAisleCoverage', 'targetCategoryCoverage');
  }
  return json as EvalResult;
}

/**
 * Calibration records from another eval, for a result that has none: only the users both evals
 * share, with a source line that says which eval, how many users, and why they are not this one's.
 */
export function attachCalibration(result: EvalResult, from: EvalResult, fromName: string): EvalResult {
  const variant = from.variants.find((v) => v.pages.some((p) => (p.calibration?.length ?? 0) > 0));
  if (!variant) throw new Error(`${fromName} holds no calibration records to attach`);
  const users = new Set(result.users.map(String));
  const records = variant.pages.filter((p) => users.has(String(p.userId))).flatMap((p) => p.calibration ?? []);
  const shared = new Set(records.map((r) => String(r.userId))).size;
  if (records.length === 0) throw new Error(`${fromName} shares no user with this result`);
  const sim = from.simulatedRoles.length ? `, LLM roles simulated: ${from.simulatedRoles.join(', ')}` : ', no role simulated';
  const calibration: AttachedCalibration = {
    source: `a separate eval of ${shared} of this eval's ${result.users.length} users (variant ${variant.name}, ${from.createdAt}${sim}); this result was written before evals recorded calibration, so its own pages carry none`,
    simulatedRoles: from.simulatedRoles,
    records,
  };
  return { ...result, calibration };
}
