import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';

/**
 * The layers from the ground up (ARCHITECTURE.md). A file may import its own layer and any layer
 * below it; never one above. Phases are ordered too: a phase may build on an earlier phase's schema.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['base'],
  ['config'],
  ['catalogue'],
  ['llm'],
  ['retrieval'],
  ['kit'],
  ['phases/themes'],
  ['phases/keywords'],
  ['phases/filter'],
  ['phases/assemble'],
  ['phases/single-step'],
  // Dataset adapters sit above the phases so no phase can reach one: phases see only catalogue/.
  ['datasets'],
  ['pipelines'],
  // Distributed runs: BullMQ jobs that drive the pipelines; evals and the CLI sit above.
  ['queue'],
  ['evals'],
  ['api'],
  // The web inspector reads runs, artefacts and eval reports; the CLI serves it.
  ['ui'],
  ['scripts'],
  ['bench'],
  // The fault and bad-input suite drives the CLI and every layer under it, like the benchmarks.
  ['chaos'],
];

/** Test support: test files, benchmarks and the chaos suite may import it; production code never does. */
export const TEST_SUPPORT = 'testing';

/** Harnesses that drive the product the way tests do, so they may use test support too. */
export const HARNESSES: readonly string[] = ['bench', 'chaos'];

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

/** The layer a repository file belongs to: "phases/<name>" for phases, else its top folder. */
export function folderOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'phases' && parts.length > 2 ? `phases/${parts[1]}` : parts[0];
}

export function layerRank(folder: string): number | undefined {
  const i = LAYERS.findIndex((l) => l.includes(folder));
  return i === -1 ? undefined : i;
}

export const isTestFile = (file: string): boolean => /\.test\.ts$/.test(file);

/**
 * A phase's JSON Schema (phases/<p>/schema.ts) is data that imports nothing but other phase schemas, so a test at any
 * layer may use one as realistic input (the model layer's tests decode against them). Production
 * code still may not.
 */
export const isPhaseSchema = (file: string): boolean => /^phases\/[^/]+\/schema\.ts$/.test(file);

/** Every relative import (static, dynamic, export-from) between the repository's TypeScript files. */
/** The repository's TypeScript files (tracked, or new and not ignored). */
export function importGraphFiles(root: string): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mjs'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !f.startsWith('node_modules/') && existsSync(join(root, f)));
}

export function importGraph(root: string): ImportEdge[] {
  const files = importGraphFiles(root);
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const info = ts.preProcessFile(readFileSync(join(root, from), 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const base = normalize(join(dirname(from), fileName));
      const to = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`].find((c) => known.has(c));
      if (to) edges.push({ from, to });
    }
  }
  return edges;
}

export interface LayerViolation {
  readonly edge: ImportEdge;
  readonly why: string;
}

/** Imports that run up the layers, into test support from production code, or from a folder with no layer. */
export function layerViolations(edges: readonly ImportEdge[]): LayerViolation[] {
  const out: LayerViolation[] = [];
  for (const edge of edges) {
    const from = folderOf(edge.from);
    const to = folderOf(edge.to);
    if (from === to) continue;
    const fromTest = isTestFile(edge.from) || from === TEST_SUPPORT;
    if (to === TEST_SUPPORT) {
      if (!fromTest && !HARNESSES.includes(from)) out.push({ edge, why: `production code in ${from}/ imports test support` });
      continue;
    }
    if (from === TEST_SUPPORT) continue;
    if (fromTest && isPhaseSchema(edge.to)) continue;
    const rf = layerRank(from);
    const rt = layerRank(to);
    if (rf === undefined || rt === undefined) {
      out.push({ edge, why: `${rf === undefined ? from : to}/ is not in LAYERS` });
    } else if (rt > rf) {
      out.push({ edge, why: `${from}/ (layer ${rf}) imports ${to}/ (layer ${rt}), a higher layer` });
    }
  }
  return out;
}

/** Strongly connected components with more than one file: each is an import cycle. */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  // Tarjan's algorithm, iterative so a deep graph cannot overflow the stack.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  for (const start of next.keys()) {
    if (idx.has(start)) continue;
    const work: { node: string; i: number }[] = [{ node: start, i: 0 }];
    idx.set(start, index);
    low.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1];
      const succ = next.get(top.node) ?? [];
      if (top.i < succ.length) {
        const w = succ[top.i++];
        if (!idx.has(w)) {
          idx.set(w, index);
          low.set(w, index++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, idx.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length) low.set(work[work.length - 1].node, Math.min(low.get(work[work.length - 1].node)!, low.get(top.node)!));
      if (low.get(top.node) === idx.get(top.node)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== top.node);
        if (scc.length > 1) cycles.push(scc.sort());
      }
    }
  }
  return cycles;
}

/** Folder → folder import counts (production files only), for ARCHITECTURE.md and `npm run layers`. */
export function folderGraph(edges: readonly ImportEdge[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const { from, to } of edges) {
    if (isTestFile(from)) continue;
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === b) continue;
    const m = out.get(a) ?? new Map<string, number>();
    m.set(b, (m.get(b) ?? 0) + 1);
    out.set(a, m);
  }
  return out;
}
