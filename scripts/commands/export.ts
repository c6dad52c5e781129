import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify';
import { configFrom, type GlobalOptions } from './shared.js';
import { readManifest, resolveRunId } from '../../pipelines/manifest.js';
import { exportRun, pageExportCsvRow, PAGE_EXPORT_CSV_COLUMNS } from '../../pipelines/export.js';
import { createArtefactStore } from '../../kit/artefacts/create-store.js';

/** Writes one chunk, waiting when the stream asks the writer to, so a large run streams in bounded memory. */
async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export function registerExportCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('export')
    .description('write a run\'s pages for a ranking or serving stack: one record per user (themes in order, keywords, product ids with scores, provenance, artefact hashes)')
    .argument('<run>', 'run id, a unique prefix, or "latest"')
    .option('-f, --format <format>', 'jsonl (one JSON object per line, schema hubgen.page-export.v1) or csv (one row per user)', 'jsonl')
    .option('-o, --out <file>', 'write here instead of stdout')
    .action(async (runRef: string, opts: { format: string; out?: string }) => {
      if (opts.format !== 'jsonl' && opts.format !== 'csv') throw new Error(`--format must be jsonl or csv, got "${opts.format}"`);
      const config = configFrom(globals());
      const runsDir = resolve(config.workDir, 'runs');
      const runId = await resolveRunId(runsDir, runRef);
      const manifest = (await readManifest(runsDir, runId))!;
      // Only the manifest and the artefact store: no models, no data, no index.
      const artefacts = await createArtefactStore(config);
      const out: Writable = opts.out ? createWriteStream(resolve(opts.out)) : process.stdout;
      let users = 0;
      try {
        if (opts.format === 'jsonl') {
          for await (const record of exportRun(manifest, artefacts)) {
            await write(out, `${JSON.stringify(record)}\n`);
            users++;
          }
        } else {
          const csv = stringify({ header: true, columns: [...PAGE_EXPORT_CSV_COLUMNS] });
          csv.pipe(out, { end: false });
          for await (const record of exportRun(manifest, artefacts)) {
            if (!csv.write(pageExportCsvRow(record))) await once(csv, 'drain');
            users++;
          }
          csv.end();
          await once(csv, 'end');
        }
      } finally {
        if (opts.out) {
          out.end();
          await once(out, 'finish');
        }
        await artefacts.close?.();
      }
      if (opts.out) process.stderr.write(`exported ${users} users of run ${runId} to ${resolve(opts.out)} (${opts.format})\n`);
    });
}
