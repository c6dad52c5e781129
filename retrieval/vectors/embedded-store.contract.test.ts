import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryVectorStore } from '../../testing/memory-vector-store.js';
import { runVectorStoreContract } from '../../testing/vector-store-contract.js';
import { openEmbeddedStore } from './embedded-store.js';

function embeddedTarget(settings: { exactMax?: number; exactFilteredMax?: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'hubgen-vectors-'));
  return {
    open: async () => openEmbeddedStore({ dir, ...settings }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// Exact search (the path small collections take).
runVectorStoreContract('embedded, exact search', () => embeddedTarget({}), { persistent: true });
// Thresholds lowered so the same 120 points go through the HNSW graph and the filtered over-fetch.
runVectorStoreContract('embedded, HNSW search', () => embeddedTarget({ exactMax: 10, exactFilteredMax: 5 }), { persistent: true });
// The exact brute-force test double other tests rely on must agree with the real stores.
runVectorStoreContract('test memory store', () => {
  const store = memoryVectorStore();
  return { open: async () => store };
}, { persistent: false });
