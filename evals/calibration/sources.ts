import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Role } from '../../config/config.js';
import type { Artefact } from '../../kit/artefacts/artefact.js';
import type { ArtefactStore } from '../../kit/artefacts/store.js';
import { listRuns, readManifest } from '../../pipelines/manifest.js';
import type { Filtered } from '../../phases/filter/schema.js';
import type { Themes } from '../../phases/themes/schema.js';
import type { EvalResult } from '../runner.js';
import { calibrationRecords, type CalibrationRecord } from './records.js';

/** Records and where they came from, in words for the report. */
export interface RecordSource {
  readonly records: CalibrationRecord[];
  readonly source: string;
  /** Roles a simulator answered where the records were made (evals say; runs never simulate). */
  readonly simulatedRoles: readonly Role[];
}

async function artefactAt<T>(store: ArtefactStore, hash: string | undefined): Promise<Artefact<T> | undefined> {
  if (!hash) return undefined;
  const r = await store.read<T>(hash);
  return r.status === 'hit' ? r.artefact : undefined;
}

/**
 * Every stored run's pages (or only the runs named), read back from the artefact store. A user run
 * twice over cached artefacts is one page, not two: pages are keyed by their artefacts' hashes.
 */
export async function recordsFromRuns(runsDir: string, store: ArtefactStore, runIds?: readonly string[]): Promise<RecordSource> {
  const ids = runIds ?? (await listRuns(runsDir));
  const seen = new Set<string>();
  const records: CalibrationRecord[] = [];
  let runs = 0;
  let missing = 0;
  for (const id of ids) {
    const m = await readManifest(runsDir, id);
    if (!m) throw new Error(`no run ${id} under ${runsDir}`);
    runs++;
    for (const u of Object.values(m.users)) {
      if (u.status !== 'ok' || !u.phases) continue;
      const hashes = ['themes', 'keywords', 'filter'].map((p) => u.phases![p]?.hash ?? '-');
      const key = hashes.join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      const [themes, keywords, filter] = await Promise.all([artefactAt<Themes>(store, hashes[0]), artefactAt(store, hashes[1]), artefactAt<Filtered>(store, hashes[2])]);
      if (!themes && !keywords && !filter) missing++;
      records.push(...calibrationRecords({ userId: u.userId, themes, keywords, filter }));
    }
  }
  const pages = seen.size;
  return { records, simulatedRoles: [], source: `${pages} pages of ${runs} run${runs === 1 ? '' : 's'} under ${runsDir}${missing ? ` (${missing} pages' artefacts no longer in the store)` : ''}` };
}

/** An eval's result.json (or the folder holding it): the records its pages carry, else those attached to it. */
export async function recordsFromEval(path: string): Promise<RecordSource> {
  const file = (await stat(path)).isDirectory() ? join(path, 'result.json') : path;
  const result = JSON.parse(await readFile(file, 'utf8')) as EvalResult;
  const variant = result.variants?.find((v) => v.pages.some((p) => (p.calibration?.length ?? 0) > 0));
  if (variant) return { records: variant.pages.flatMap((p) => p.calibration ?? []), simulatedRoles: result.simulatedRoles ?? [], source: `variant ${variant.name} of the eval in ${file} (${result.createdAt})` };
  if (result.calibration) return { records: [...result.calibration.records], simulatedRoles: result.calibration.simulatedRoles, source: result.calibration.source };
  throw new Error(`${file} holds no calibration records: it was written before evals recorded them, or no cascade answer was labelled; re-run the eval, or calibrate on stored runs`);
}
