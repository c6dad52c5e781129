#!/usr/bin/env node
// Builds the library for `import { createHubgen } from 'hubgen'`: tsc emits JS and declarations
// to dist/, then the files modules read beside themselves (prompts, model weights, the embedder's
// worker) are copied next to the emitted JS. The CLI runs the TypeScript sources through tsx and
// needs none of this. The bundled data is found from the package root, so it is not copied.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** [folder, file-name test]: the files under `folder` (one level of sub-folders) a module reads at run time. */
const ASSETS = [
  ['phases', (path) => /^[^/]+\/prompt\.md$/.test(path)],
  ['catalogue/weights', (path) => path.endsWith('.json')],
  ['phases/keywords/weights', (path) => path.endsWith('.json')],
  ['retrieval/relevance/weights', (path) => path.endsWith('.json')],
  ['retrieval/embeddings', (path) => path === 'use-worker.mjs'],
];

/** Files under dir (and its direct sub-folders), relative to it. Node 20 has no fs.globSync. */
function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (entry.isFile()) out.push(entry.name);
    else if (entry.isDirectory()) for (const f of readdirSync(join(root, dir, entry.name), { withFileTypes: true })) if (f.isFile()) out.push(`${entry.name}/${f.name}`);
  }
  return out;
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
let copied = 0;
for (const [dir, wanted] of ASSETS) {
  if (!existsSync(join(root, dir))) throw new Error(`build: asset folder ${dir} is missing`);
  for (const file of filesUnder(dir).filter(wanted)) {
    cpSync(join(root, dir, file), join(root, 'dist', dir, file));
    copied++;
  }
}
process.stdout.write(`built dist/ (${copied} assets copied)\n`);
