import type { Command } from 'commander';
import { configSchema } from '../../config/config-schema.js';
import { roleUnavailableReason, ROLES, type HubgenConfig } from '../../config/config.js';
import { resolveDataSource } from '../../datasets/load.js';
import { configFrom, dataDirFrom, type GlobalOptions } from './options.js';

/** The JSON Schema editors use for hubgen.config.json (committed as hubgen.config.schema.json). */
export const editorSchema = (): object => ({ $schema: 'http://json-schema.org/draft-07/schema#', ...configSchema, $id: undefined, title: 'hubgen configuration' });

export function registerConfigCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('config')
    .description('print the effective configuration (defaults + file + environment) and which roles are usable now')
    .option('--schema', 'print the JSON Schema of the config file instead')
    .action((opts: { schema?: boolean }) => {
      if (opts.schema) return console.log(JSON.stringify(editorSchema(), null, 2));
      const cfg = configFrom(globals());
      console.log(JSON.stringify(cfg, null, 2));
      console.error(`${'dataset'.padEnd(14)} ${describeDataSource(cfg, globals())}`);
      for (const role of ROLES) {
        const why = roleUnavailableReason(cfg, role);
        const b = cfg.roles[role];
        console.error(`${role.padEnd(14)} ${b ? `${b.provider}/${b.model}` : '(unbound)'}${why ? `  — skipped: ${why}` : ''}`);
      }
    });
}

/** "imported at /w/dataset (imported with hubgen import …)" or why the configured directory cannot be used. */
function describeDataSource(cfg: HubgenConfig, opts: GlobalOptions): string {
  try {
    const { kind, dir, why } = resolveDataSource(cfg, { dataDirFrom: dataDirFrom(opts) });
    return `${kind} at ${dir} (${why})`;
  } catch (e) {
    return `unusable: ${(e as Error).message}`;
  }
}
