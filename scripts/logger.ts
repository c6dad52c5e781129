import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

/**
 * Structured logs go to <workDir>/logs/hubgen.log at the chosen level (default info); only
 * warnings and errors also reach stderr, so progress bars and summaries stay readable.
 */
export function createCliLogger(workDir: string, level = process.env.HUBGEN_LOG_LEVEL ?? 'info'): { logger: Logger; file: string } {
  const dir = join(workDir, 'logs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'hubgen.log');
  const streams = [
    { level: level as pino.Level, stream: pino.destination({ dest: file, sync: false, mkdir: true }) },
    { level: (level === 'debug' || level === 'trace' ? level : 'warn') as pino.Level, stream: pino.destination(2) },
  ];
  const logger = pino({ level, base: { pid: process.pid } }, pino.multistream(streams));
  return { logger, file };
}
