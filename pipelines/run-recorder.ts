import { open, type FileHandle } from 'node:fs/promises';
import type { Ctx } from '../kit/context.js';
import { writeAtomically } from '../base/atomic-write.js';
import { journalPath, newRunId, parseUserLine, readStoredRun, writeManifestFrom, writeRunHeader, type RunHeader, type UserRecord } from './manifest.js';
import { JournalWriter, readJournalLine, scanJournal } from './run-journal.js';
import { recordSpentUsd } from './run-user.js';
import { phaseRates, RunTally, type RunSummary } from './summary.js';

export interface StartRunOptions {
  readonly ctx: Pick<Ctx, 'logger' | 'clock'>;
  /** Where manifests live (<workDir>/runs). */
  readonly runsDir: string;
  /** Resume this run when it exists; otherwise the id of the new run (a new id when absent). */
  readonly runId?: string;
  readonly pipeline: string;
  readonly users: readonly string[];
  readonly budgetUsd?: number;
}

export interface StartedRun {
  readonly recorder: RunRecorder;
  readonly resumed: boolean;
  /** Users whose latest record is ok: a resumed run skips them. */
  readonly done: ReadonlySet<string>;
}

export interface FinishedRun {
  /** The manifest's header as written (the users are read back with readManifest when wanted). */
  readonly manifest: RunHeader;
  readonly summary: RunSummary;
}

/**
 * How every run mode (local, batch rounds, the queue's waiter) keeps its manifest, so they all
 * write the same one. While the run goes, manifest.json is a small header written atomically when
 * it starts, and each user's record is appended to the run's journal as it lands (run-journal.ts):
 * nothing per user stays in memory but what it paid, and a crash loses at most the records being
 * appended, whose pages the artefact cache gives back on resume. When the run ends, manifest.json
 * is written again whole, every user in it, streamed from the journal, and the summary is made on
 * the way.
 */
export class RunRecorder {
  private constructor(
    private readonly header: RunHeader,
    private readonly journal: JournalWriter<UserRecord>,
    private readonly runsDir: string,
    private readonly ctx: StartRunOptions['ctx'],
    private spent: number,
  ) {}

  /** A new run, or the run `runId` names resumed (marked running again). */
  static async start(options: StartRunOptions): Promise<StartedRun> {
    const { ctx, runsDir } = options;
    const now = new Date(ctx.clock.now()).toISOString();
    const stored = options.runId ? await readStoredRun(runsDir, options.runId) : undefined;
    if (!stored) {
      const runId = options.runId ?? newRunId(new Date(ctx.clock.now()));
      const header: RunHeader = { runId, pipeline: options.pipeline, createdAt: now, updatedAt: now, status: 'running', requestedUsers: [...options.users], ...(options.budgetUsd === undefined ? {} : { budgetUsd: options.budgetUsd }) };
      await writeRunHeader(runsDir, header);
      const journal = await JournalWriter.open<UserRecord>(journalPath(runsDir, runId), ctx.logger);
      return { recorder: new RunRecorder(header, journal, runsDir, ctx, 0), resumed: false, done: new Set() };
    }
    // The rates are the ended run's; they are summarised again when this one ends.
    const { rates: _settled, ...previous } = stored.header;
    const header: RunHeader = { ...previous, status: 'running', updatedAt: now };
    const path = journalPath(runsDir, header.runId);
    // A manifest from before journals holds its users itself: they move to a journal first (whole,
    // replacing what a crash mid-move left), then the header that points at it replaces the manifest.
    if (!stored.journaled) await writeAtomically(path, Object.values(stored.users).map((u) => Buffer.from(`${JSON.stringify(u)}\n`)), `run journal ${path}`);
    const journal = await JournalWriter.open<UserRecord>(path, ctx.logger);
    const { done, spentUsd } = await latestOutcomes(path);
    await writeRunHeader(runsDir, header);
    return { recorder: new RunRecorder(header, journal, runsDir, ctx, spentUsd), resumed: true, done };
  }

  get runId(): string {
    return this.header.runId;
  }

  /** What the run's records say it paid, a resumed run's earlier users included (the budget's check). */
  get spentUsd(): number {
    return this.spent;
  }

  /**
   * Appends a user's record (a later one for the same user replaces it). Callers need not wait: a
   * failed append is reported by finish(), and by every later record() that is waited for.
   */
  record(record: UserRecord): Promise<void> {
    this.spent += recordSpentUsd(record);
    return this.journal.append(record);
  }

  /** Ends the run: every record on disk, manifest.json written whole with `status`, and the run's summary. */
  async finish(status: RunHeader['status']): Promise<FinishedRun> {
    await this.journal.flush();
    const header: RunHeader = { ...this.header, status, updatedAt: new Date(this.ctx.clock.now()).toISOString() };
    const summary = await writeFinishedManifest(this.runsDir, header);
    return { manifest: { ...header, rates: phaseRates(summary) }, summary };
  }
}

/** Users whose latest record is ok, and what the latest records paid: where a resumed run starts. */
async function latestOutcomes(path: string): Promise<{ done: Set<string>; spentUsd: number }> {
  const latest = new Map<string, { ok: boolean; spentUsd: number }>();
  await scanJournal(path, 0, parseUserLine, ({ value }) => latest.set(value.userId, { ok: value.status === 'ok', spentUsd: recordSpentUsd(value) }));
  let spentUsd = 0;
  const done = new Set<string>();
  for (const [userId, u] of latest) {
    spentUsd += u.spentUsd;
    if (u.ok) done.add(userId);
  }
  return { done, spentUsd };
}

/**
 * Writes a finished run's manifest.json whole from its journal, so a reader that parses the file
 * alone sees every user, and summarises the run on the way. The journal is read twice: once for
 * where each user's latest line is, then those lines in the order the manifest lists users, so no
 * more than one record is held at a time.
 */
async function writeFinishedManifest(runsDir: string, header: RunHeader): Promise<RunSummary> {
  const path = journalPath(runsDir, header.runId);
  // A plain object keyed by user id: its key order is the order JSON.stringify gives a manifest's
  // users (integer-like ids first, ascending), and a later line moves its user last, as readManifest folds them.
  const latest: Record<string, { start: number; end: number }> = {};
  const scan = await scanJournal(path, 0, parseUserLine, ({ value, start, end }) => {
    delete latest[value.userId];
    latest[value.userId] = { start, end };
  });
  const tally = new RunTally();
  let summary: RunSummary | undefined;
  const fh: FileHandle | undefined = scan && (await open(path, 'r'));
  try {
    async function* users(): AsyncGenerator<UserRecord> {
      for (const userId of Object.keys(latest)) {
        const record = readJournalLine(fh!.fd, path, latest[userId], parseUserLine);
        tally.add(record);
        yield record;
      }
    }
    const summarise = () => (summary = tally.summary(header, (userId) => Object.hasOwn(latest, userId)));
    await writeManifestFrom(runsDir, header, scan?.end ?? 0, users(), () => ({ rates: phaseRates(summarise()) }));
  } finally {
    await fh?.close();
  }
  return summary!;
}
