import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestParts, manifestWriter, readManifest, writeManifest, type RunManifest, type UserRecord } from './manifest.js';

const manifest = (): RunManifest => ({ runId: 'r1', pipeline: 'p', createdAt: 't', updatedAt: 't', status: 'running', requestedUsers: [], users: {} });

describe('manifestWriter', () => {
  it('folds saves made while a write is going into one later write that holds the latest state', async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-manifest-'));
    const m = manifest();
    let snapshots = 0;
    const writer = manifestWriter(runsDir, () => (snapshots++, m));
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      m.users[String(i)] = { userId: String(i), status: 'ok', wallMs: 1, finishedAt: 't' };
      saves.push(writer.save());
    }
    await Promise.all(saves);
    expect(snapshots).toBeLessThanOrEqual(2);
    expect(Object.keys((await readManifest(runsDir, 'r1'))!.users)).toHaveLength(200);
  });

  it('reports a failed write to the next caller that waits, and leaves no unhandled rejection', async () => {
    const notADir = join(await mkdtemp(join(tmpdir(), 'hubgen-manifest-')), 'file');
    await writeFile(notADir, 'x');
    const writer = manifestWriter(notADir, manifest);
    void writer.save();
    await expect(writer.save()).rejects.toThrow(/ENOTDIR|EEXIST/);
  });
});

describe('writeManifest', () => {
  const record = (userId: string, more: Partial<UserRecord> = {}): UserRecord => ({
    userId,
    status: 'ok',
    phases: { themes: { hash: 'h', cached: false, role: 'cheap', model: 'm', confidence: undefined, cascades: 1, escalations: 0, latencyMs: 1.5, usage: { inputTokens: 1, cachedInputTokens: 0, outputTokens: 2, calls: 1, costUsd: 0.1 } } },
    wallMs: 3,
    finishedAt: 't',
    ...more,
  });

  it('writes the same bytes as JSON.stringify(manifest, null, 1), also after records are replaced', async () => {
    const runsDir = await mkdtemp(join(tmpdir(), 'hubgen-manifest-'));
    const m: RunManifest = { ...manifest(), budgetUsd: 2, requestedUsers: ['b', '12', 'a'] };
    const onDisk = async () => readFile(join(runsDir, 'r1', 'manifest.json'), 'utf8');
    await writeManifest(runsDir, m);
    expect(await onDisk()).toBe(JSON.stringify(m, null, 1));
    // Numeric ids go first in JSON.stringify's order; text with newlines, quotes and non-ASCII stays escaped as it would.
    m.users.b = record('b', { status: 'failed', error: 'line 1\nline "2" \u2028 é ✓', phases: undefined });
    m.users['12'] = record('12');
    m.users.a = record('a');
    await writeManifest(runsDir, m);
    expect(await onDisk()).toBe(JSON.stringify(m, null, 1));
    m.users.b = record('b');
    m.status = 'complete';
    m.rates = { themes: { cascades: 3, escalationRate: 0, belowThresholdRate: 0 } };
    await writeManifest(runsDir, m);
    expect(await onDisk()).toBe(JSON.stringify(m, null, 1));
    // The same record object under another key is written under that key.
    const shared = record('x');
    expect(Buffer.concat(manifestParts({ ...m, users: { x: shared, y: shared } })).toString()).toBe(JSON.stringify({ ...m, users: { x: shared, y: shared } }, null, 1));
  });
});
