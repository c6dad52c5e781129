/**
 * `npm run layers`: the folder-to-folder import graph of production code, layer by layer, and any
 * arrow that breaks the rules (the same check testing/import-graph.test.ts makes). ARCHITECTURE.md
 * quotes its output.
 */
import { fileURLToPath } from 'node:url';
import { folderGraph, importCycles, importGraph, LAYERS, layerRank, layerViolations } from './import-graph.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const edges = importGraph(root);
const graph = folderGraph(edges);
for (const [rank, layer] of LAYERS.entries()) {
  for (const folder of layer) {
    const deps = [...(graph.get(folder) ?? new Map())].sort(([a], [b]) => (layerRank(a) ?? 99) - (layerRank(b) ?? 99) || a.localeCompare(b));
    console.log(`${String(rank).padStart(2)} ${folder.padEnd(18)} → ${deps.map(([d, n]) => `${d} (${n})`).join(', ') || '—'}`);
  }
}
const violations = layerViolations(edges);
const cycles = importCycles(edges);
console.log(`\n${edges.length} imports; ${violations.length} against the layers; ${cycles.length} cycles`);
for (const v of violations) console.log(`  ${v.edge.from} -> ${v.edge.to}: ${v.why}`);
for (const c of cycles) console.log(`  cycle: ${c.join(' -> ')}`);
process.exitCode = violations.length || cycles.length ? 1 : 0;
