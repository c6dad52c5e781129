import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestWriter, readManifest, type RunManifest } from './manifest.js';

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
