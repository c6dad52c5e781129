import { mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { runArtefactStoreContract } from '../../testing/artefact-store-contract.js';
import { MemoryArtefactStore } from '../../testing/memory-artefact-store.js';
import { FsArtefactStore } from './fs-store.js';
import { cachedArtefact } from './cache.js';
import { artefactHash, type ArtefactKey } from './artefact.js';
import { ZERO_USAGE } from '../../llm/usage.js';
import { systemClock } from '../../base/clock.js';

runArtefactStoreContract('memory', async () => {
  const store = new MemoryArtefactStore();
  return { store, corrupt: async (h, text) => store._setRaw(h, text) };
});

runArtefactStoreContract('filesystem', async () => {
  const store = new FsArtefactStore(await mkdtemp(join(tmpdir(), 'hubgen-artefacts-')));
  return { store, corrupt: (h, text) => writeFile(store.pathOf(h), text) };
});

describe('cachedArtefact', () => {
  const key: ArtefactKey = { phase: 'p', phaseVersion: '1', config: {}, models: {}, promptVersion: 'v', inputs: ['u1'] };
  const provenance = { attempts: [], usage: ZERO_USAGE, latencyMs: 1, role: 'local', model: 'm', confidence: 1 };
  const deps = () => ({ artefacts: new MemoryArtefactStore(), logger: pino({ level: 'silent' }), clock: systemClock });

  it('computes once, then serves from the store with cached=true', async () => {
    const d = deps();
    let calls = 0;
    const compute = async () => (calls++, { data: { n: 1 }, provenance });
    const first = await cachedArtefact(d, key, compute);
    const second = await cachedArtefact(d, key, compute);
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(calls).toBe(1);
    expect(second.artefact.hash).toBe(artefactHash(key));
  });

  it('collapses concurrent requests for the same key into one computation', async () => {
    const d = deps();
    let calls = 0;
    const compute = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return { data: 1, provenance };
    };
    await Promise.all([cachedArtefact(d, key, compute), cachedArtefact(d, key, compute), cachedArtefact(d, key, compute)]);
    expect(calls).toBe(1);
  });

  it('recomputes a corrupted artefact and overwrites it', async () => {
    const d = deps();
    const first = await cachedArtefact(d, key, async () => ({ data: { n: 1 }, provenance }));
    d.artefacts._setRaw(first.artefact.hash, '{}');
    let calls = 0;
    const again = await cachedArtefact(d, key, async () => (calls++, { data: { n: 1 }, provenance }));
    expect(again.cached).toBe(false);
    expect(calls).toBe(1);
    expect((await d.artefacts.read(first.artefact.hash)).status).toBe('hit');
  });

  it('gives two stores of one kind their own computation, so each store gets its copy', async () => {
    // Two filesystem stores in different directories: keyed by kind + hash, the second request
    // used to join the first one's computation and its store never got the artefact written.
    const logger = pino({ level: 'silent' });
    const a = new FsArtefactStore(await mkdtemp(join(tmpdir(), 'hubgen-artefacts-a-')));
    const b = new FsArtefactStore(await mkdtemp(join(tmpdir(), 'hubgen-artefacts-b-')));
    let calls = 0;
    const compute = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return { data: 1, provenance };
    };
    const [ra, rb] = await Promise.all([cachedArtefact({ artefacts: a, logger, clock: systemClock }, key, compute), cachedArtefact({ artefacts: b, logger, clock: systemClock }, key, compute)]);
    expect([ra.cached, rb.cached]).toEqual([false, false]);
    expect(calls).toBe(2);
    expect((await a.read(artefactHash(key))).status).toBe('hit');
    expect((await b.read(artefactHash(key))).status).toBe('hit');
  });

  it('never stores a failure', async () => {
    const d = deps();
    await expect(cachedArtefact(d, key, async () => Promise.reject(new Error('model down')))).rejects.toThrow('model down');
    expect((await d.artefacts.read(artefactHash(key))).status).toBe('miss');
  });

  it('gives different addresses to keys that differ only in config slice', () => {
    expect(artefactHash(key)).not.toBe(artefactHash({ ...key, config: { threshold: 0.5 } }));
    expect(artefactHash({ ...key, config: { a: 1, b: 2 } })).toBe(artefactHash({ ...key, config: { b: 2, a: 1 } }));
  });
});

describe('FsArtefactStore.removeStaleTemps', () => {
  it('removes the temp files of writes a crash cut off, older than the age given, and leaves fresh ones and artefacts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hubgen-artefacts-temps-'));
    const store = new FsArtefactStore(dir);
    const artefact = { hash: 'ab'.padEnd(64, '0'), key: {}, createdAt: '2026-12-04T00:00:00.000Z', data: 1, provenance: {}, checksum: 'x' } as never;
    await store.write(artefact);
    const shard = join(dir, 'ab');
    const old = join(shard, `${'ab'.padEnd(64, '1')}.json.0000-old.tmp`);
    const fresh = join(shard, `${'ab'.padEnd(64, '2')}.json.0000-fresh.tmp`);
    await writeFile(old, '{"half": ');
    await writeFile(fresh, '{"in flight": ');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(old, hourAgo, hourAgo);

    expect(await store.removeStaleTemps(60_000)).toBe(1);
    expect((await readdir(shard)).sort()).toEqual([`${'ab'.padEnd(64, '0')}.json`, `${'ab'.padEnd(64, '2')}.json.0000-fresh.tmp`]);
    // And a store with no directory yet has nothing to remove.
    expect(await new FsArtefactStore(join(dir, 'none')).removeStaleTemps(0)).toBe(0);
  });
});
