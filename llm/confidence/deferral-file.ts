import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { sha256 } from '../../base/hash.js';
import { parseDeferralModel, type DeferralModel } from './deferral.js';

export interface LoadedDeferralModel {
  readonly model: DeferralModel;
  /** sha256 of the file: artefact keys carry it, so retrained weights under the same path re-run the phase. */
  readonly digest: string;
  readonly path: string;
}

// One parse per file version per process: a run asks once per user and tier.
const loaded = new Map<string, { mtimeMs: number; size: number; value: LoadedDeferralModel }>();

/** Reads and checks a deferral weights file (relative paths from the working directory, like workDir). */
export function loadDeferralModel(path: string): LoadedDeferralModel {
  const file = resolve(path);
  let stat;
  try {
    stat = statSync(file);
  } catch (e) {
    throw new Error(`deferral weights ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); train them with: hubgen calibrate --phase <phase> --train-deferral --out ${path}`);
  }
  const hit = loaded.get(file);
  if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return hit.value;
  const text = readFileSync(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`deferral weights ${file} are not JSON (${(e as Error).message})`);
  }
  const value = { model: parseDeferralModel(json, `deferral weights ${file}`), digest: sha256(text), path: file };
  loaded.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, value });
  return value;
}
