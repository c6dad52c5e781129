import { readFile, readdir } from 'node:fs/promises';
import { writeAtomically } from '../base/atomic-write.js';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { scanJournal } from './run-journal.js';
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

const JOURNAL_FILE = 'users.jsonl';

export const runDir = (runsDir: string, runId: string): string => join(runsDir, runId);
export const manifestPath = (runsDir: string, runId: string): string => join(runsDir, runId, 'manifest.json');
/** The run's user journal: one record a line, appended as users finish (run-journal.ts). */
export const journalPath = (runsDir: string, runId: string): string => join(runsDir, runId, JOURNAL_FILE);

/** A run's manifest without its users: the header manifest.json holds while the run goes. */
export type RunHeader = Omit<RunManifest, 'users'>;

/**
 * Where manifest.json's users go on: in the journal beside it, whose first `foldedBytes` bytes its
 * `users` already hold (0 while the run goes; all of it once the run has ended). A manifest without
 * the mark (written whole, before journals) holds every user itself.
 */
interface JournalMark {
  /** The journal's name, for a person reading the file; readers take the fixed name beside it. */
  readonly file: string;
  readonly foldedBytes: number;
}

/** manifest.json as stored. */
type StoredManifest = RunManifest & { readonly journal?: JournalMark };

const isUserRecord = (v: unknown): v is UserRecord =>
  typeof v === 'object' && v !== null && typeof (v as UserRecord).userId === 'string' && ((v as UserRecord).status === 'ok' || (v as UserRecord).status === 'failed');

/** One journal line as a user record, or an error naming the file and line. */
export function parseUserLine(text: string, where: string): UserRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`Run journal ${where} is unreadable: ${(e as Error).message}`);
  }
  if (!isUserRecord(value)) throw new Error(`Run journal ${where} is not a user record: it needs a string userId and a status of "ok" or "failed"`);
  return value;
}

/** manifest.json as written, or undefined when the run has none. */
async function readStored(runsDir: string, runId: string): Promise<StoredManifest | undefined> {
  const path = manifestPath(runsDir, runId);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Run manifest ${path} is unreadable: ${(e as Error).message}`);
  }
  return parseManifest(text, path);
}

/** The text of a manifest.json, parsed; an error names the file. */
export function parseManifest(text: string, path: string): RunManifest {
  try {
    return JSON.parse(text) as RunManifest;
  } catch (e) {
    throw new Error(`Run manifest ${path} is unreadable: ${(e as Error).message}`);
  }
}

/**
 * A manifest as stored, completed with the journal's records it does not fold yet; a later line
 * for a user replaces an earlier one and moves the user to where that line stands (so the users
 * come in the order a finished run's manifest.json lists them). A torn last line, a crash's
 * leftover or an append in progress, is left out. updatedAt is the latest record's finish when
 * that is later than the header's (the header is written when a run starts and ends).
 */
export async function withJournal(runsDir: string, stored: RunManifest): Promise<RunManifest> {
  const { journal, ...manifest } = stored as StoredManifest;
  if (!journal) return manifest;
  const users = manifest.users ?? {};
  let updatedAt = manifest.updatedAt;
  let latest = Date.parse(updatedAt);
  await scanJournal(journalPath(runsDir, manifest.runId), journal.foldedBytes, parseUserLine, ({ value: record }) => {
    delete users[record.userId];
    users[record.userId] = record;
    const finished = Date.parse(record.finishedAt);
    if (finished > latest) [latest, updatedAt] = [finished, record.finishedAt];
  });
  return { ...manifest, updatedAt, users };
}

/** A run's manifest, its users folded from its journal; undefined when the run has none. */
export async function readManifest(runsDir: string, runId: string): Promise<RunManifest | undefined> {
  const stored = await readStored(runsDir, runId);
  return stored && withJournal(runsDir, stored);
}

/** A run's manifest.json as stored: its header, and the users it holds itself. */
export interface StoredRun {
  readonly header: RunHeader;
  readonly users: Readonly<Record<string, UserRecord>>;
  /** The run keeps its users in a journal (every one of them, `users` being a copy of some); otherwise `users` are all. */
  readonly journaled: boolean;
}

/** A run's manifest.json without reading its journal: for starting or resuming the run. */
export async function readStoredRun(runsDir: string, runId: string): Promise<StoredRun | undefined> {
  const stored = await readStored(runsDir, runId);
  if (!stored) return undefined;
  const { users = {}, journal, ...header } = stored;
  return { header, users, journaled: journal !== undefined };
}

/**
 * Writes a manifest whole, its users inside (the format before journals, which still reads):
 * for tools and tests that make a manifest by hand. Atomic, as every manifest write.
 */
export async function writeManifest(runsDir: string, manifest: RunManifest): Promise<void> {
  const path = manifestPath(runsDir, manifest.runId);
  await writeAtomically(path, JSON.stringify(manifest, null, 1), `run manifest ${path}`);
}

/** The header of a run that is going: its users are all in the journal. */
export async function writeRunHeader(runsDir: string, header: RunHeader): Promise<void> {
  await writeManifestFrom(runsDir, header, 0, emptyUsers());
}

async function* emptyUsers(): AsyncGenerator<UserRecord> {}

/**
 * Writes manifest.json atomically as JSON.stringify(manifest, null, 1) would, the header first and
 * the users streamed in between, each serialized as it comes: so a finished run's manifest is
 * written from its journal without holding its users. `foldedBytes` is how much of the journal the
 * users written here stand for; `tail` gives what goes after them once they are all written
 * (the rates, which are summarised from them).
 */
export async function writeManifestFrom(runsDir: string, header: RunHeader, foldedBytes: number, users: AsyncIterable<UserRecord>, tail: () => Partial<RunHeader> = () => ({})): Promise<void> {
  const path = manifestPath(runsDir, header.runId);
  // Users and the mark are left out of the head whatever the caller's object holds: they go last, and the mark is this write's.
  const { rates, users: _users, journal: _journal, ...head } = header as Partial<StoredManifest> & RunHeader;
  const stored = { ...head, journal: { file: JOURNAL_FILE, foldedBytes } };
  await writeAtomically(path, manifestChunks(stored, users, () => ({ ...(rates ? { rates } : {}), ...tail() })), `run manifest ${path}`);
}

const USERS_CLOSE_AT = '{\n "users": {}'.length;

async function* manifestChunks(head: object, users: AsyncIterable<UserRecord>, tail: () => object): AsyncGenerator<Buffer> {
  const opening = JSON.stringify({ ...head, users: {} }, null, 1);
  // Up to and including the users' opening brace ("users" is the last key, its value {} then the closing brace).
  yield Buffer.from(opening.slice(0, -'}\n}'.length));
  let any = false;
  for await (const record of users) {
    // The record one level deeper than JSON.stringify(record, null, 1) puts it: JSON strings hold no raw newline.
    yield Buffer.from(`${any ? ',' : ''}\n  ${JSON.stringify(record.userId)}: ${JSON.stringify(record, null, 1).replaceAll('\n', '\n  ')}`);
    any = true;
  }
  // What follows the users, as JSON.stringify writes it after an empty "users" object.
  const closing = JSON.stringify({ users: {}, ...tail() }, null, 1).slice(USERS_CLOSE_AT);
  yield Buffer.from(`${any ? '\n }' : '}'}${closing}`);
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
