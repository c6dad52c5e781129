import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compileSchema, describeErrors } from '../base/ajv.js';
import { FsArtefactStore } from '../kit/artefacts/fs-store.js';
import { pageSchema } from '../phases/assemble/schema.js';
import { filteredSchema } from '../phases/filter/schema.js';
import { keywordsSchema } from '../phases/keywords/schema.js';
import { themesSchema } from '../phases/themes/schema.js';
import { readManifest, type RunManifest } from '../pipelines/manifest.js';

const PHASE_SCHEMAS: Readonly<Record<string, ReturnType<typeof compileSchema>>> = {
  themes: compileSchema(themesSchema),
  keywords: compileSchema(keywordsSchema),
  filter: compileSchema(filteredSchema),
  assemble: compileSchema(pageSchema),
};

export interface StoreCheck {
  /** Artefacts that read back intact and valid. */
  readonly valid: number;
  /** Artefact files a read reports as corrupt (truncated, bit-flipped), or whose data fails its phase schema: "<file>: <why>". */
  readonly problems: readonly string[];
  /** Half-written temp files a crash left beside the artefacts (never readable as artefacts). */
  readonly leftoverTempFiles: number;
  /** Intact artefacts per phase ("llm-answer" counts the answers the answer cache stored). */
  readonly byPhase: Readonly<Record<string, number>>;
}

/** Reads back every artefact in a work dir's fs store: integrity (hash, checksum) and the phase's own schema. */
export async function checkArtefactStore(workDir: string): Promise<StoreCheck> {
  const store = new FsArtefactStore(join(workDir, 'artefacts'));
  const problems: string[] = [];
  const byPhase: Record<string, number> = {};
  let valid = 0;
  for await (const hash of store.list()) {
    const read = await store.read(hash);
    if (read.status !== 'hit') {
      problems.push(read.status === 'corrupt' ? read.problem : `${store.pathOf(hash)}: listed but not readable`);
      continue;
    }
    const validate = PHASE_SCHEMAS[read.artefact.key.phase];
    if (validate && !validate(structuredClone(read.artefact.data))) problems.push(`${store.pathOf(hash)}: ${read.artefact.key.phase} data fails its schema: ${describeErrors(validate.errors)}`);
    else {
      valid++;
      byPhase[read.artefact.key.phase] = (byPhase[read.artefact.key.phase] ?? 0) + 1;
    }
  }
  const files = await readdir(join(workDir, 'artefacts'), { recursive: true }).catch(() => [] as string[]);
  return { valid, problems, leftoverTempFiles: files.filter((f) => f.endsWith('.tmp')).length, byPhase };
}

/** A run's manifest, which must exist and parse. */
export async function mustReadManifest(workDir: string, runId: string): Promise<RunManifest> {
  const manifest = await readManifest(join(workDir, 'runs'), runId);
  if (!manifest) throw new Error(`run ${runId} has no manifest under ${workDir}`);
  return manifest;
}

export interface PageOutcomes {
  /** Users recorded ok whose every phase artefact reads back intact. */
  readonly ok: number;
  /** Failed users, each with the reason the manifest gives. */
  readonly failed: readonly { readonly userId: string; readonly reason: string }[];
  /** Users a run stopped early (budget, signal) never started: resuming the run does them. */
  readonly notStarted: number;
  /** Requested users with no record in a run that says it is complete, or recorded ok with an artefact that no longer reads back: lost. */
  readonly lost: readonly string[];
}

/** Where every requested user of a run ended: done, failed with a reason, or lost. */
export async function pageOutcomes(workDir: string, manifest: RunManifest): Promise<PageOutcomes> {
  const store = new FsArtefactStore(join(workDir, 'artefacts'));
  const readable = async (hashes: readonly string[]) => (await Promise.all(hashes.map((h) => store.read(h)))).every((r) => r.status === 'hit');
  const ok: string[] = [];
  const failed: { userId: string; reason: string }[] = [];
  const lost: string[] = [];
  let notStarted = 0;
  const stoppedEarly = manifest.status === 'stopped-budget' || manifest.status === 'interrupted';
  for (const userId of manifest.requestedUsers) {
    const r = manifest.users[userId];
    if (r?.status === 'failed') failed.push({ userId, reason: r.error ?? '(no reason)' });
    else if (r?.status === 'ok' && (await readable(Object.values(r.phases ?? {}).map((p) => p.hash)))) ok.push(userId);
    else if (!r && stoppedEarly) notStarted++;
    else lost.push(userId);
  }
  return { ok: ok.length, failed, notStarted, lost };
}
