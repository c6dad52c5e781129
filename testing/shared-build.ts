import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "<pid>-<start time>": a pid alone could be reused by a later vitest and pick up a stale build. */
function processTag(pid: number): string | undefined {
  try {
    // Field 22 of /proc/<pid>/stat, counted after the parenthesised command name (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${pid}-${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  } catch {
    return existsSync('/proc') ? undefined : String(pid);
  }
}

/**
 * A fixture built once per vitest invocation and shared by its test files: the first to ask builds
 * it under a directory named after the vitest process (test files run in forks of it), the others
 * wait for its JSON description. Builds left behind by vitest processes that have exited are removed.
 * `build` gets an empty directory to build into and returns what the tests need (JSON-serialisable).
 */
export async function sharedBuild<T>(name: string, build: (root: string) => Promise<T>, { timeoutMs = 600_000 } = {}): Promise<T> {
  const base = join(tmpdir(), name);
  await mkdir(base, { recursive: true });
  const tag = processTag(process.ppid) ?? String(process.ppid);
  for (const entry of await readdir(base)) {
    if (entry !== tag && processTag(Number.parseInt(entry, 10)) !== entry) await rm(join(base, entry), { recursive: true, force: true });
  }
  const root = join(base, tag);
  const ready = join(root, 'fixture.json');
  try {
    // mkdir is atomic: exactly one test file wins and builds.
    await mkdir(root);
  } catch {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(ready)) {
      if (existsSync(join(root, 'failed'))) throw new Error(`the shared fixture ${name} failed to build: ${await readFile(join(root, 'failed'), 'utf8')}`);
      if (Date.now() > deadline) throw new Error(`the shared fixture under ${root} was not ready within ${timeoutMs} ms`);
      await sleep(500);
    }
    return JSON.parse(await readFile(ready, 'utf8')) as T;
  }
  try {
    const fixture = await build(root);
    await writeFile(ready, JSON.stringify(fixture));
    return fixture;
  } catch (e) {
    await writeFile(join(root, 'failed'), (e as Error).message);
    throw e;
  }
}
