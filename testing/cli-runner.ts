import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real `hubgen` bin, as a user runs it. */
export const HUBGEN_BIN = fileURLToPath(new URL('../scripts/hubgen.mjs', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment a user would have, minus anything that could reach a real service, another work dir or another dataset. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(HUBGEN_|OPENAI_|QDRANT_|REDIS_)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

export interface RunHubgenOptions {
  readonly cwd: string;
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
  /** Called once the child is spawned, to watch or signal it mid-run (SIGTERM, SIGSTOP, SIGKILL). */
  readonly onSpawn?: (child: ChildProcess) => void;
  /** Called with the stderr so far whenever it grows. */
  readonly onStderr?: (stderr: string, child: ChildProcess) => void;
}

/** Runs `hubgen <args>` as a child process; never rejects on a non-zero exit, only on a hang. */
export function runHubgen(args: readonly string[], { cwd, env = {}, timeoutMs = 120_000, onSpawn, onStderr }: RunHubgenOptions): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [HUBGEN_BIN, ...args], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    onSpawn?.(child);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hubgen ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
}

/** Fails with the command's output, which is what one needs to see when a CLI test breaks. */
export function expectExit(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code ?? r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}
