import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { describeProblem, type DataProblem } from '../../catalogue/data-error.js';
import { BadRowsError } from '../../datasets/bad-rows-error.js';
import { importedDatasetDir } from '../../datasets/load.js';
import { neutralFilesFrom } from '../../datasets/neutral/files.js';
import { writeImportedDataset, type WrittenDataset } from '../../datasets/neutral/imported.js';
import { loadNeutralFiles, type NeutralLoad } from '../../datasets/neutral/load.js';
import { createCliLogger } from '../logger.js';
import { createProgress, type Progress } from '../progress.js';
import { configFrom, dataDirFrom, type GlobalOptions } from './options.js';

export interface ImportCommandOptions {
  readonly out?: string;
  readonly name?: string;
  readonly lenient?: boolean;
}

/** Bad rows shown on screen; the log has every one. */
const SHOWN_PROBLEMS = 20;
/** Below this much input a progress bar would only flash. */
const PROGRESS_FROM_BYTES = 4 * 1024 * 1024;

const n = (x: number): string => x.toLocaleString('en-US');
const plural = (x: number, one: string, many = `${one}s`): string => `${n(x)} ${x === 1 ? one : many}`;

export function registerImportCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('import <sources...>')
    .description('validate your own products, users and purchase events (JSONL or CSV, see README "Use your own catalogue") and write the dataset every command then uses')
    .option('--out <dir>', 'where to write the dataset (default: <workDir>/dataset, which commands use when no dataDir is set)')
    .option('--name <name>', "the dataset's name (default: the name of the products file's directory)")
    .option('--lenient', 'skip bad rows, and events that referred to them, and write the rest (default: report every bad row and write nothing)')
    .action(async (sources: string[], opts: ImportCommandOptions) => {
      process.exitCode = await importCommand(sources, opts, globals());
    });
}

/** The command itself, returning its exit code: 0 written, 1 nothing written (bad rows in strict mode). */
export async function importCommand(sources: readonly string[], opts: ImportCommandOptions, globals: GlobalOptions): Promise<number> {
  const config = configFrom(globals);
  const lenient = Boolean(opts.lenient || globals.lenient);
  const { logger, file: logFile } = createCliLogger(resolve(config.workDir), globals.logLevel);
  logger.info({ argv: process.argv.slice(2), logFile }, 'hubgen start');
  try {
    const files = neutralFilesFrom(sources);
    let progress: Progress | undefined;
    let load: NeutralLoad;
    try {
      load = await loadNeutralFiles(files, {
        lenient,
        logger,
        name: opts.name,
        onProgress: (done, total) => {
          if (total < PROGRESS_FROM_BYTES) return;
          progress ??= createProgress('import');
          progress.update(Math.round(done / 1024), Math.round(total / 1024), 'kB read');
        },
      });
    } catch (e) {
      if (!BadRowsError.isInstance(e)) throw e;
      progress?.stop();
      reportBadRows(e.problems, logger, logFile);
      return 1;
    }
    progress?.stop();
    const out = opts.out ? resolve(opts.out) : importedDatasetDir(config.workDir);
    const written = await writeImportedDataset({ out, name: load.dataset.name, load, lenient });
    logger.info({ dir: written.dir, manifest: written.manifest }, 'dataset imported');
    if (load.report.skipped.length) reportSkipped(load, logger, logFile);
    printSummary(load, written);
    printNext(written.dir, out === importedDatasetDir(config.workDir), config.dataDir, globals);
    return 0;
  } finally {
    logger.flush();
  }
}

/** Every bad row goes to the log; the first few, and how many there are, to the screen. */
function logProblems(problems: readonly DataProblem[], logger: Logger, what: string): void {
  for (const p of problems) logger.info({ problem: p }, `${what}: ${describeProblem(p)}`);
}

function reportBadRows(problems: readonly DataProblem[], logger: Logger, logFile: string): void {
  logProblems(problems, logger, 'bad row');
  const files = new Set(problems.map((p) => p.file)).size;
  const lines = [`hubgen: ${plural(problems.length, 'bad row')} in ${plural(files, 'file')}; nothing written`];
  for (const p of problems.slice(0, SHOWN_PROBLEMS)) lines.push(`  ${describeProblem(p)}`);
  if (problems.length > SHOWN_PROBLEMS) lines.push(`  … and ${n(problems.length - SHOWN_PROBLEMS)} more`);
  lines.push(`every one is in ${logFile}`);
  lines.push('fix them, or run again with --lenient to skip them (and the events that refer to them)');
  process.stderr.write(lines.join('\n') + '\n');
}

function reportSkipped(load: NeutralLoad, logger: Logger, logFile: string): void {
  const { skipped, cascaded = 0 } = load.report;
  logProblems(skipped, logger, 'skipped row');
  const bad = skipped.length - cascaded;
  const why = cascaded ? `${plural(bad, 'bad row')} and ${plural(cascaded, 'event')} that referred to them` : plural(bad, 'bad row');
  process.stderr.write(`warning: --lenient skipped ${why} (first: ${describeProblem(skipped[0])}); every one is in ${logFile}\n`);
}

function printSummary(load: NeutralLoad, written: WrittenDataset): void {
  const { counts, name, digest } = written.manifest;
  const width = Math.max(...load.sources.map((s) => s.file.length));
  const lines = [`read ${plural(load.sources.length, 'file')}:`];
  for (const s of load.sources) {
    lines.push(`  ${s.kind.padEnd(8)}  ${s.file.padEnd(width)}  ${plural(s.rows, 'row').padStart(12)}${s.skipped ? `, ${n(s.skipped)} skipped` : ''}`);
  }
  const coldStart = counts.users - counts.usersWithOrders;
  lines.push(
    `dataset "${name}": ${plural(counts.products, 'product')} in ${plural(counts.categories, 'category', 'categories')} (${plural(counts.departments, 'department')}), ` +
      `${plural(counts.users, 'user')} (${n(coldStart)} without orders), ${plural(counts.orders, 'order')}, ${plural(counts.events, 'order line')}`,
  );
  lines.push(`wrote ${written.dir}: ${written.files.map((f) => f.slice(written.dir.length + 1)).join(', ')} (${digest.slice(0, 19)}…)`);
  console.log(lines.join('\n'));
}

/** What to run next, and a warning when a configured dataDir would hide this import. */
function printNext(dir: string, isDefault: boolean, dataDir: string | undefined, globals: GlobalOptions): void {
  if (isDefault && dataDir) {
    process.stderr.write(`note: dataDir is set (${dataDirFrom(globals)}: ${dataDir}), so commands use that, not this import; unset it or pass --data ${dir}\n`);
  }
  const data = isDefault ? '' : `--data ${dir} `;
  console.log(`next: hubgen ${data}index, then hubgen ${data}run --users all`);
}
