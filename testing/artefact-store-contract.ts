import { describe, expect, it } from 'vitest';
import { makeArtefact, type ArtefactKey, type Provenance } from '../kit/artefacts/artefact.js';
import type { ArtefactStore } from '../kit/artefacts/store.js';
import { ZERO_USAGE } from '../llm/usage.js';

const key = (n: number): ArtefactKey => ({ phase: 'themes', phaseVersion: '1', config: { n }, models: { local: 'm' }, promptVersion: 'p1', inputs: [`in-${n}`] });
const provenance: Provenance = { attempts: [], usage: ZERO_USAGE, latencyMs: 3, role: 'local', model: 'm', confidence: 0.9 };

/** One suite every ArtefactStore backend runs, so they cannot drift apart. */
export function runArtefactStoreContract(name: string, make: () => Promise<{ store: ArtefactStore; corrupt: (hash: string, text: string) => Promise<void> }>): void {
  describe(`ArtefactStore contract: ${name}`, () => {
    it('reads back exactly what was written, addressed by the key hash', async () => {
      const { store } = await make();
      const a = makeArtefact(key(1), { themes: ['a', 'b'] }, provenance, '2026-01-01T00:00:00.000Z');
      await store.write(a);
      const r = await store.read(a.hash);
      expect(r.status).toBe('hit');
      if (r.status === 'hit') expect(r.artefact).toEqual(a);
    });

    it('misses an unknown hash', async () => {
      const { store } = await make();
      expect((await store.read('0'.repeat(64))).status).toBe('miss');
    });

    it('reports a tampered artefact as corrupt instead of returning it', async () => {
      const { store, corrupt } = await make();
      const a = makeArtefact(key(2), { v: 1 }, provenance, '2026-01-01T00:00:00.000Z');
      await store.write(a);
      await corrupt(a.hash, JSON.stringify({ ...a, data: { v: 2 } }));
      const r = await store.read(a.hash);
      expect(r.status).toBe('corrupt');
      if (r.status === 'corrupt') expect(r.problem).toMatch(/checksum/);
    });

    it('reports unparseable content as corrupt', async () => {
      const { store, corrupt } = await make();
      const a = makeArtefact(key(3), { v: 1 }, provenance, '2026-01-01T00:00:00.000Z');
      await store.write(a);
      await corrupt(a.hash, '{"hash": "trunc');
      expect((await store.read(a.hash)).status).toBe('corrupt');
    });

    it('lists and deletes', async () => {
      const { store } = await make();
      const a = makeArtefact(key(4), 1, provenance, 'x');
      const b = makeArtefact(key(5), 2, provenance, 'x');
      await store.write(a);
      await store.write(b);
      const listed: string[] = [];
      for await (const h of store.list()) listed.push(h);
      expect(listed.sort()).toEqual([a.hash, b.hash].sort());
      await store.delete(a.hash);
      expect((await store.read(a.hash)).status).toBe('miss');
    });
  });
}
