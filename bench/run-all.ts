/**
 * `npm run bench [-- name ...]`: runs each benchmark in its own process (so one's memory and
 * worker threads never skew another's numbers), then gathers their markdown results into
 * bench/results/SUMMARY.md. Each benchmark writes bench/results/<name>.json and <name>.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')} (have: ${all.join(', ')})`);
  process.exit(2);
}
const chosen = wanted.length ? wanted : all;
const failed: string[] = [];
for (const name of chosen) {
  console.error(`\n=== bench: ${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${name}.bench.ts`)], { stdio: 'inherit', env: process.env });
  if (r.status !== 0) failed.push(name);
}

const results = join(here, 'results');
const sections = all
  .filter((n) => existsSync(join(results, `${n}.md`)))
  .map((n) => readFileSync(join(results, `${n}.md`), 'utf8').trim());
writeFileSync(
  join(results, 'SUMMARY.md'),
  [`# hubgen benchmark results`, '', `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Each section says when it was run.`, '', ...sections.flatMap((s) => [s, ''])].join('\n'),
);
console.error(`\nwrote ${join(results, 'SUMMARY.md')}${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
process.exit(failed.length ? 1 : 0);
