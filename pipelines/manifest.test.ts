import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { journalPath, manifestPath, readManifest, readStoredRun, writeManifest, writeManifestFrom, type RunHeader, type RunManifest, type UserRecord } from './manifest.js';
import { JournalWriter } from './run-journal.js';
import { RunRecorder } from './run-recorder.js';
import { summariseRun } from './summary.js';
import { makeTestCtx } from '../testing/test-context.js';

const manifest = (): RunManifest => ({ runId: 'r1', pipeline: 'p', createdAt: 't', updatedAt: 't', status: 'running', requestedUsers: [], users: {} });

/** A record as it reads back from JSON: a key given as undefined is left out. */
const record = (userId: string, more: Partial<UserRecord> = {}): UserRecord =>
  JSON.parse(
    JSON.stringify({
      userId,
      status: 'ok',
      phases: { themes: { hash: `h-${userId}`, cached: false, role: 'cheap', model: 'm', confidence: 0.5, cascades: 1, escalations: 0, latencyMs: 1.5, usage: { inputTokens: 1, cachedInputTokens: 0, outputTokens: 2, calls: 1, costUsd: 0.1 } } },
      wallMs: 3,
      finishedAt: '2026-01-01T00:00:00.000Z',
      ...more,
    }),
  );

/** A logger whose warnings land in `lines`. */
function capturingLogger() {
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

async function runsDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'hubgen-manifest-'));
}

/** A run started and given records, then left as a killed process leaves it: header and journal, never finished. */
async function unfinishedRun(dir: string, records: readonly UserRecord[], users = records.map((r) => r.userId)): Promise<string> {
  const { recorder } = await RunRecorder.start({ ctx: makeTestCtx(), runsDir: dir, runId: 'r1', pipeline: 'p', users });
  let appended: Promise<void> = Promise.resolve();
  for (const r of records) appended = recorder.record(r);
  await appended;
  return recorder.runId;
}

describe('the run journal', () => {
  it('round-trips: while a run goes, manifest.json is its header and readManifest folds the users from the journal', async () => {
    const dir = await runsDir();
    // Finished after the header was written (the test clock is the system's).
    const records = [record('b'), record('12', { status: 'failed', error: 'themes: refused', phases: undefined }), record('a', { finishedAt: '2099-01-01T00:00:05.000Z' })];
    await unfinishedRun(dir, records);
    const stored = JSON.parse(await readFile(manifestPath(dir, 'r1'), 'utf8'));
    expect(stored).toMatchObject({ runId: 'r1', status: 'running', users: {}, journal: { file: 'users.jsonl', foldedBytes: 0 } });
    // One record a line, as appended.
    expect((await readFile(journalPath(dir, 'r1'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l).userId)).toEqual(['b', '12', 'a']);
    const read = (await readManifest(dir, 'r1'))!;
    expect(read.users).toEqual({ b: records[0], 12: records[1], a: records[2] });
    expect(read).not.toHaveProperty('journal');
    // The header is written when the run starts; the latest record says when it last moved.
    expect(read.updatedAt).toBe('2099-01-01T00:00:05.000Z');
  });

  it('ignores a torn last line on read, and the next writer cuts it off (saying so) before appending', async () => {
    const dir = await runsDir();
    await unfinishedRun(dir, [record('1'), record('2')]);
    // A crash mid-append: half a line, no newline.
    await appendFile(journalPath(dir, 'r1'), JSON.stringify(record('3')).slice(0, 40));
    expect(Object.keys((await readManifest(dir, 'r1'))!.users)).toEqual(['1', '2']);

    const { logger, lines } = capturingLogger();
    const writer = await JournalWriter.open<UserRecord>(journalPath(dir, 'r1'), logger);
    expect(lines).toEqual([expect.objectContaining({ path: journalPath(dir, 'r1'), tornBytes: 40, msg: expect.stringMatching(/torn by a crash/) })]);
    await writer.append(record('3'));
    expect(Object.keys((await readManifest(dir, 'r1'))!.users)).toEqual(['1', '2', '3']);
    expect((await readFile(journalPath(dir, 'r1'), 'utf8')).split('\n')).toHaveLength(4);
  });

  it('names the file and line of a line that is not a record (only a last line without a newline is torn)', async () => {
    const dir = await runsDir();
    await unfinishedRun(dir, [record('1'), record('2')]);
    const text = await readFile(journalPath(dir, 'r1'), 'utf8');
    await writeFile(journalPath(dir, 'r1'), text.replace('{"userId":"2"', '{"userId":2'));
    await expect(readManifest(dir, 'r1')).rejects.toThrow(`Run journal ${journalPath(dir, 'r1')} line 2 is not a user record`);
    await writeFile(journalPath(dir, 'r1'), `${text}{"userId": "3", "status": \n`);
    await expect(readManifest(dir, 'r1')).rejects.toThrow(new RegExp(`^Run journal ${journalPath(dir, 'r1')} line 3 is unreadable: `));
  });

  it('a later record for a user supersedes the earlier one, and the user moves to where it stands', async () => {
    const dir = await runsDir();
    const failed = record('x', { status: 'failed', error: 'boom', phases: undefined });
    const ok = record('x', { finishedAt: '2026-01-01T00:01:00.000Z' });
    await unfinishedRun(dir, [failed, record('y'), ok]);
    const read = (await readManifest(dir, 'r1'))!;
    expect(Object.keys(read.users)).toEqual(['y', 'x']);
    expect(read.users.x).toEqual(ok);
    expect(summariseRun(read)).toMatchObject({ users: 2, ok: 2, failed: 0, failures: [] });
  });

  it('appends made while a write is going all land, once each, in order', async () => {
    const dir = await runsDir();
    const path = journalPath(dir, 'r1');
    await writeManifest(dir, manifest());
    const writer = await JournalWriter.open<UserRecord>(path, pino({ level: 'silent' }));
    const appends = Array.from({ length: 200 }, (_, i) => writer.append(record(`u${i}`)));
    await Promise.all(appends);
    await writer.flush();
    expect((await readFile(path, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l).userId)).toEqual(Array.from({ length: 200 }, (_, i) => `u${i}`));
  });

  it('reports a failed append, naming the file, to every later append and to flush, and leaves no unhandled rejection', async () => {
    const dir = await runsDir();
    // A file where the run directory should be: fails for root too, unlike a read-only mode.
    await writeFile(join(dir, 'r1'), 'x');
    const path = journalPath(dir, 'r1');
    await expect(JournalWriter.open<UserRecord>(path, pino({ level: 'silent' }))).rejects.toThrow(`could not open run journal ${path}: ENOTDIR`);

    const ok = await runsDir();
    await writeManifest(ok, manifest());
    const writer = await JournalWriter.open<UserRecord>(journalPath(ok, 'r1'), pino({ level: 'silent' }));
    await writeFile(join(ok, 'blocked'), 'x');
    // The journal's directory turns into a file mid-run: every append from then on fails.
    const { rm, rename } = await import('node:fs/promises');
    await rm(join(ok, 'r1'), { recursive: true });
    await rename(join(ok, 'blocked'), join(ok, 'r1'));
    void writer.append(record('1'));
    await expect(writer.append(record('2'))).rejects.toThrow(`could not append to run journal ${journalPath(ok, 'r1')}: ENOTDIR`);
    await expect(writer.flush()).rejects.toThrow(/ENOTDIR/);
  });
});

describe('manifest.json', () => {
  it('a finished run\u2019s holds every user, byte for byte what JSON.stringify(readManifest(), null, 1) gives', async () => {
    const dir = await runsDir();
    // Numeric ids go first in JSON.stringify's order; text with newlines, quotes and non-ASCII stays escaped as it would.
    const records = [record('b', { status: 'failed', error: 'line 1\nline "2" \u2028 é ✓', phases: undefined }), record('12'), record('a'), record('b'), record('3')];
    const { recorder } = await RunRecorder.start({ ctx: makeTestCtx(), runsDir: dir, runId: 'r1', pipeline: 'p', users: ['b', '12', 'a', '3', 'never'], budgetUsd: 2 });
    for (const r of records) void recorder.record(r);
    const { manifest: header, summary } = await recorder.finish('complete');
    const text = await readFile(manifestPath(dir, 'r1'), 'utf8');
    const read = (await readManifest(dir, 'r1'))!;
    expect(Object.keys(read.users)).toEqual(['3', '12', 'a', 'b']);
    expect(read.users.b).toEqual(records[3]);
    const journalBytes = (await readFile(journalPath(dir, 'r1'))).length;
    const { users, rates, ...head } = read;
    expect(text).toBe(JSON.stringify({ ...head, journal: { file: 'users.jsonl', foldedBytes: journalBytes }, users, rates }, null, 1));
    // A reader that parses the file alone sees the run whole.
    expect(JSON.parse(text).users).toEqual(read.users);
    expect(read).toMatchObject({ ...header, updatedAt: header.updatedAt });
    expect(read.rates).toEqual({ themes: { cascades: 4, escalationRate: 0, belowThresholdRate: 0 } });
    // The summary made while streaming is the one the whole manifest gives.
    expect(summary).toEqual(summariseRun(read));
    expect(summary).toMatchObject({ users: 4, ok: 4, notStarted: 1, status: 'complete' });
  });

  it('streams the header, the users and what follows them as JSON.stringify(manifest, null, 1) writes them', async () => {
    const dir = await runsDir();
    const { users: _none, ...plain } = manifest();
    const header: RunHeader = { ...plain, budgetUsd: 2, requestedUsers: ['x'], rates: { old: { cascades: 1, escalationRate: 1, belowThresholdRate: 0 } } };
    async function* users() {
      yield record('7');
      yield record('x', { quality: undefined, error: 'é' });
    }
    await writeManifestFrom(dir, header, 123, users(), () => ({ rates: { themes: { cascades: 3, escalationRate: 0, belowThresholdRate: 0 } } }));
    const { rates: _old, ...head } = header;
    // What follows the users is the tail's: it replaces the header's rates.
    const expected = { ...head, journal: { file: 'users.jsonl', foldedBytes: 123 }, users: { 7: record('7'), x: record('x', { error: 'é' }) }, rates: { themes: { cascades: 3, escalationRate: 0, belowThresholdRate: 0 } } };
    expect(await readFile(manifestPath(dir, 'r1'), 'utf8')).toBe(JSON.stringify(expected, null, 1));
    // No users and no tail; the users and mark of the object given are not what is written.
    await writeManifestFrom(dir, { ...manifest(), journal: { file: 'elsewhere', foldedBytes: 9 } } as RunHeader, 0, (async function* () {})());
    expect(await readFile(manifestPath(dir, 'r1'), 'utf8')).toBe(JSON.stringify({ ...plain, journal: { file: 'users.jsonl', foldedBytes: 0 }, users: {} }, null, 1));
  });

  it('an old manifest, its users inside and no journal, still reads (a stray journal beside it is not folded in)', async () => {
    const dir = await runsDir();
    const old: RunManifest = { ...manifest(), status: 'complete', requestedUsers: ['1', '2'], users: { 1: record('1'), 2: record('2', { status: 'failed', error: 'x', phases: undefined }) } };
    await writeManifest(dir, old);
    expect(await readManifest(dir, 'r1')).toEqual(old);
    await writeFile(journalPath(dir, 'r1'), `${JSON.stringify(record('9'))}\n`);
    expect(await readManifest(dir, 'r1')).toEqual(old);
    expect(await readStoredRun(dir, 'r1')).toMatchObject({ journaled: false, users: old.users, header: { runId: 'r1', status: 'complete' } });
    expect(await readManifest(dir, 'no-such-run')).toBeUndefined();
  });

  it('names the file when manifest.json is not JSON', async () => {
    const dir = await runsDir();
    await writeManifest(dir, manifest());
    await writeFile(manifestPath(dir, 'r1'), '{"runId": "r1", "pip');
    await expect(readManifest(dir, 'r1')).rejects.toThrow(`Run manifest ${manifestPath(dir, 'r1')} is unreadable`);
  });
});
