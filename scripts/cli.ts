import { Command } from 'commander';
import { ConfigError } from '../config/config-error.js';
import type { GlobalOptions } from './commands/shared.js';
import { registerIndexCommands } from './commands/index-search.js';
import { registerRunCommand } from './commands/run.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerShowCommands } from './commands/show.js';
import { registerScheduleCommand } from './commands/schedule.js';
import { registerConfigCommand } from './commands/config.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerTrainCommands } from './commands/train.js';
import { registerImportCommand } from './commands/import.js';
import { registerExportCommand } from './commands/export.js';
import { registerUiCommand } from './commands/ui.js';
import { registerCalibrateCommand } from './commands/calibrate.js';

// `hubgen show … | head` closes stdout early: that is the reader being done, not an error to report.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const program = new Command('hubgen')
  .description('Personalised grocery shopping-hub pages from a cascaded multi-phase pipeline')
  .option('--config <file>', 'config file (default: ./hubgen.config.json when present; built-in offline defaults otherwise)')
  .option('--work-dir <dir>', 'artefacts, caches, index and runs (default: config workDir, ".hubgen")')
  .option('--data <dir>', 'dataset directory (default: config dataDir, else a dataset imported into <workDir>/dataset, else the bundled Instacart sample)')
  .option('--lenient', 'skip bad data rows (each is reported) instead of stopping at the first')
  .option('--log-level <level>', 'log level for <workDir>/logs/hubgen.log (warnings also go to stderr)')
  .showHelpAfterError();

const globals = (): GlobalOptions => program.opts<GlobalOptions>();

registerImportCommand(program, globals);
registerExportCommand(program, globals);
registerIndexCommands(program, globals);
registerRunCommand(program, globals);
registerWorkerCommand(program, globals);
registerShowCommands(program, globals);
registerScheduleCommand(program, globals);
registerEvalCommand(program, globals);
registerTrainCommands(program, globals);
registerCalibrateCommand(program, globals);
registerUiCommand(program, globals);
registerConfigCommand(program, globals);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as Error;
  // Expected failures (bad config, bad input, unreachable service) get one clear line, not a stack.
  process.stderr.write(`hubgen: ${ConfigError.isInstance(err) ? err.message : err.message ?? String(err)}\n`);
  if (process.env.HUBGEN_DEBUG) process.stderr.write(`${err.stack}\n`);
  process.exitCode = process.exitCode || 1;
}
