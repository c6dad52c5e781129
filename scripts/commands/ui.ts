import { resolve } from 'node:path';
import type { Command } from 'commander';
import { configFrom, type GlobalOptions } from './shared.js';

interface UiCommandOptions {
  readonly port: number;
  readonly host: string;
  readonly evals: string[];
}

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be an integer from 0 to 65535, got "${v}"`);
  return n;
};

export function registerUiCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('ui')
    .description('serve a read-only web inspector over the work dir: runs, pages with their phase trails, artefacts, diffs and eval reports')
    .option('-p, --port <n>', 'port (0: any free port)', port, 4310)
    .option('--host <address>', 'address to bind; anything but loopback exposes your runs to the network', '127.0.0.1')
    .option('--evals <dir>', 'also browse this folder of eval reports (repeatable), e.g. docs', (v: string, all: string[]) => [...all, v], [])
    .action(async (opts: UiCommandOptions) => {
      const g = globals();
      const config = configFrom(g);
      // Loaded on use: the dataset (history summaries, category names, next orders) takes seconds to read.
      const [{ startInspector }, { loadDataset, resolveDataSource }] = await Promise.all([import('../../ui/server.js'), import('../../datasets/load.js')]);
      const inspector = await startInspector({
        workDir: config.workDir,
        port: opts.port,
        host: opts.host,
        evalDirs: opts.evals,
        loadDataset: async () => {
          try {
            // The same dataset the runs were made from: explicit dataDir, else an import, else the bundled sample.
            return (await loadDataset(resolveDataSource(config), { lenient: g.lenient })).dataset;
          } catch (e) {
            // Pages still show; only histories, category names and next-order hits need the data.
            process.stderr.write(`warning: no history summaries or category names: ${(e as Error).message}\n`);
            return undefined;
          }
        },
      });
      if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) process.stderr.write(`warning: bound to ${opts.host}: anyone who can reach this address can read these runs\n`);
      console.log(`hubgen inspector on ${inspector.url} (work dir ${resolve(config.workDir)}; read-only; Ctrl-C to stop)`);
      await new Promise<void>((done) => {
        const stop = () => void inspector.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
