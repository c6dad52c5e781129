import { readFile, readdir } from 'node:fs/promises';
import { writeAtomically } from '../base/atomic-write.js';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Usage } from '../llm/usage.js';
import type { PageQuality } from './page-quality.js';

/** What one phase did for one user in a run. */
export interface PhaseRecord {
  readonly hash: string;
  readonly cached: boolean;
  readonly role: string;
  readonly model: string;
  readonly confidence: number | undefined;
  /** Cascades in this phase (one per theme in Phases 2–3) and how many escalated. */
  readonly cascades: number;
  readonly escalations: number;
  /** Cascades whose accepted answer sat below its tier's threshold: they would escalate if a higher tier were configured. */
  readonly belowThreshold?: number;
  /** Time to compute when it was computed (a cache hit keeps the original figure). */
  readonly latencyMs: number;
  readonly usage: Usage;
}

export interface UserRecord {
  readonly userId: string;
  readonly status: 'ok' | 'failed';
  /** Why it failed: the error message, naming the phase. */
  readonly error?: string;
  readonly phases?: Readonly<Record<string, PhaseRecord>>;
  readonly quality?: PageQuality;
  /** Wall time for this user in this run. */
  readonly wallMs: number;
  readonly finishedAt: string;
}

/** One phase's cascade rates over a run's pages, as the drift alarm compares them. */
export interface PhaseRateRecord {
  /** Cascades the rates are over (one per theme in Phases 2–3). */
  readonly cascades: number;
  /** Share of cascades that tried and rejected a tier before the accepted one. */
  readonly escalationRate: number;
  /** Share accepted below their tier's threshold because no later tier could run. */
  readonly belowThresholdRate: number;
}

export interface RunManifest {
  readonly runId: string;
  readonly pipeline: string;
  readonly createdAt: string;
  updatedAt: string;
  status: 'running' | 'complete' | 'stopped-budget' | 'interrupted';
  readonly requestedUsers: readonly string[];
  readonly budgetUsd?: number;
  /** Keyed by user id; the latest attempt for each user. */
  users: Record<string, UserRecord>;
  /**
   * Per-phase escalation and below-threshold rates, written when the run ends, so the drift alarm
   * reads a run's rates without summarising every user (older manifests lack it; they are summarised).
   */
  rates?: Record<string, PhaseRateRecord>;
}

/** Sortable ids: string order is time order, so `hubgen runs` lists newest last without parsing. */
export function newRunId(now: Date): string {
  const iso = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${iso}-${randomUUID().slice(0, 6)}`;
}

export const runDir = (runsDir: string, runId: string): string => join(runsDir, runId);
export const manifestPath = (runsDir: string, runId: string): string => join(runsDir, runId, 'manifest.json');

/** A user's entry in the manifest's "users" object, as JSON.stringify(manifest, null, 1) writes it, in UTF-8. */
interface EntryBytes {
  readonly userId: string;
  readonly bytes: Buffer;
}

// Records are never changed once made (a user's next attempt is a new record), so each is
// serialized once, when it is first written, and kept with it: a run's later rewrites of its
// manifest copy those bytes instead of serializing every user again.
const entryBytes = new WeakMap<UserRecord, EntryBytes>();

function entryOf(userId: string, record: UserRecord): Buffer {
  const known = entryBytes.get(record);
  if (known?.userId === userId) return known.bytes;
  // The record one level deeper than JSON.stringify(record, null, 1) puts it: JSON strings hold no raw newline.
  const bytes = Buffer.from(`  ${JSON.stringify(userId)}: ${JSON.stringify(record, null, 1).replaceAll('\n', '\n  ')}`);
  entryBytes.set(record, { userId, bytes });
  return bytes;
}

const USERS_SLOT = '\n "users": {}';
const ENTRY_SEPARATOR = Buffer.from(',\n');

/**
 * The bytes of JSON.stringify(manifest, null, 1), in parts: everything but the users serialized
 * now, each user's entry from entryOf. Byte for byte the same file as serializing it whole.
 */
export function manifestParts(manifest: RunManifest): Buffer[] {
  const entries = Object.entries(manifest.users);
  const outer = JSON.stringify({ ...manifest, users: {} }, null, 1);
  // Top-level keys are the only ones one space in, so the slot is found once and only there.
  const at = outer.indexOf(USERS_SLOT);
  if (!entries.length || at < 0) return [Buffer.from(outer)];
  const close = at + USERS_SLOT.length - 1;
  const parts: Buffer[] = [Buffer.from(`${outer.slice(0, close)}\n`)];
  for (const [i, [userId, record]] of entries.entries()) {
    if (i > 0) parts.push(ENTRY_SEPARATOR);
    parts.push(entryOf(userId, record));
  }
  parts.push(Buffer.from(`\n ${outer.slice(close)}`));
  return parts;
}

/** Atomic write: a crash mid-run leaves the previous manifest intact, so completed users are never lost. */
export async function writeManifest(runsDir: string, manifest: RunManifest): Promise<void> {
  const path = manifestPath(runsDir, manifest.runId);
  await writeAtomically(path, manifestParts(manifest), `run manifest ${path}`);
}

export async function readManifest(runsDir: string, runId: string): Promise<RunManifest | undefined> {
  try {
    return JSON.parse(await readFile(manifestPath(runsDir, runId), 'utf8')) as RunManifest;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Run manifest ${manifestPath(runsDir, runId)} is unreadable: ${(e as Error).message}`);
  }
}

export async function listRuns(runsDir: string): Promise<string[]> {
  try {
    return (await readdir(runsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return [];
  }
}

/** "latest" or a unique prefix → the full run id. */
export async function resolveRunId(runsDir: string, ref: string): Promise<string> {
  const runs = await listRuns(runsDir);
  if (!runs.length) throw new Error(`No runs under ${runsDir}: start one with \`hubgen run\``);
  if (ref === 'latest') return runs.at(-1)!;
  const matches = runs.filter((r) => r.startsWith(ref));
  if (matches.length === 1) return matches[0];
  if (!matches.length) throw new Error(`No run "${ref}" under ${runsDir} (have: ${runs.slice(-5).join(', ')}${runs.length > 5 ? ', …' : ''})`);
  throw new Error(`Run id "${ref}" is ambiguous: ${matches.join(', ')}`);
}

export interface ManifestWriter {
  /**
   * Asks for the current state to be written; resolves once a write that includes it is done, and
   * rejects if any write so far failed (so a caller that does not wait loses no error: the next one
   * that waits gets it).
   */
  save(): Promise<void>;
}

/**
 * Keeps a run's manifest file in step with the object: at most one write in flight and one waiting,
 * so users that finish faster than the file can be written fold into the next write instead of
 * each queueing a rewrite (a 10,000-user manifest is some 27 MB). Each user's record is serialized
 * once (writeManifest), so a rewrite copies bytes rather than serializing the run again. Writes are
 * spaced by `spacing` times the last one's cost: the file takes at most 1 / (1 + spacing) of the
 * time (5%), and a crash loses at most that spacing of finished users (20 × a write's cost: well
 * under a second at 10,000 users), whose pages the artefact cache gives back on resume.
 */
export function manifestWriter(runsDir: string, current: () => RunManifest, { spacing = 20 }: { spacing?: number } = {}): ManifestWriter {
  let chain: Promise<void> = Promise.resolve();
  let waiting = false;
  let lastCostMs = 0;
  let failure: unknown;
  const settled = () => (failure === undefined ? Promise.resolve() : Promise.reject(failure));
  return {
    save() {
      if (!waiting) {
        waiting = true;
        chain = chain.then(async () => {
          if (lastCostMs * spacing >= 1) await new Promise((r) => setTimeout(r, lastCostMs * spacing));
          waiting = false;
          const t0 = performance.now();
          try {
            await writeManifest(runsDir, current());
          } catch (e) {
            failure ??= e;
          }
          lastCostMs = performance.now() - t0;
        });
      }
      const p = chain.then(settled);
      // Callers that do not wait must not leave an unhandled rejection; the next save() reports it.
      p.catch(() => {});
      return p;
    },
  };
}
