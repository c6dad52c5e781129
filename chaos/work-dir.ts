/**
 * The ground every chaos case stands on: a small real slice of the Instacart sample, indexed once
 * with the real sentence encoder into a base work dir, and a fresh copy of that work dir per case
 * (the index lives under the work dir by relative paths, so a copy is a ready index).
 */
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectExit, runHubgen, type CliResult, type RunHubgenOptions } from '../testing/cli-runner.js';
import { writeRealSubset } from '../testing/e2e-fixture.js';
import { sharedBuild } from '../testing/shared-build.js';

export interface ChaosBase {
  /** The Instacart-format subset (HUBGEN_DATA_DIR for every child). */
  readonly dataDir: string;
  /** Indexed work dir; never run in: cases copy it. */
  readonly workDir: string;
  /** An empty directory the CLI runs from, as a user's shell would. */
  readonly cwd: string;
  /** Users in the subset, as strings (the CLI's ids). */
  readonly users: readonly string[];
  /** Temp dirs to remove when the suite is done. */
  readonly tempDirs: string[];
}

/** Cuts a subset of `userCount` real users and indexes it once (under `root` when given, else in temp dirs). */
export async function prepareChaosBase(userCount: number, root?: string): Promise<ChaosBase> {
  const subset = await writeRealSubset(userCount);
  const dir = async (name: string) => (root ? (await mkdir(join(root, name), { recursive: true }), join(root, name)) : mkdtemp(join(tmpdir(), `hubgen-chaos-${name}-`)));
  const [workDir, cwd] = [await dir('base'), await dir('cwd')];
  const base: ChaosBase = { dataDir: subset.dir, workDir, cwd, users: subset.users.map(String), tempDirs: root ? [] : [subset.dir, workDir, cwd] };
  expectExit(await hubgenIn(base, workDir, ['index'], { timeoutMs: 600_000 }), 0);
  return base;
}

/**
 * One indexed base per vitest invocation, shared by the chaos test files (indexing takes most of a
 * minute on two cores; each file then copies the work dir per case).
 */
export const sharedChaosBase = (userCount = 8): Promise<ChaosBase> => sharedBuild(`hubgen-chaos-base-${userCount}`, (root) => prepareChaosBase(userCount, root));

/**
 * A copy of the base work dir for one case (same index, no artefacts or runs yet), or of `from`
 * (a work dir a case has run in). Removed by `removeWorkDirs`.
 */
export async function freshWorkDir(base: ChaosBase, label: string, from = base.workDir): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `hubgen-chaos-${label}-`));
  await cp(from, dir, { recursive: true });
  copies.push(dir);
  return dir;
}

const copies: string[] = [];

/** Removes every work dir this process copied. */
export async function removeWorkDirs(): Promise<void> {
  await Promise.all(copies.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** `hubgen --work-dir <workDir> <args>` on the base's data, from its empty cwd. */
export function hubgenIn(base: ChaosBase, workDir: string, args: readonly string[], options: Omit<RunHubgenOptions, 'cwd'> = {}): Promise<CliResult> {
  return runHubgen(['--work-dir', workDir, ...args], { ...options, cwd: base.cwd, env: { HUBGEN_DATA_DIR: base.dataDir, ...options.env } });
}

export async function removeChaosBase(base: ChaosBase): Promise<void> {
  await Promise.all(base.tempDirs.map((d) => rm(d, { recursive: true, force: true })));
}

/** The run id a `hubgen run` printed on its first line. */
export function runIdOf(stdout: string): string {
  const m = /^run (\S+): /m.exec(stdout);
  if (!m) throw new Error(`no run id in:\n${stdout}`);
  return m[1];
}
