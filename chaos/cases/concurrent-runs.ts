/**
 * Case 6, concurrency: two `hubgen run` processes on one work dir and one run id, started at the
 * same moment or the second while the first is part-way. The manifest must stay valid and end
 * complete, and the provider must bill each request once (no double spend).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openLab, runArgs } from '../lab.js';
import { repeatedPaidCalls } from '../paid-ledger.js';
import { referenceRun } from '../reference-run.js';
import { checkArtefactStore, pageOutcomes } from '../store-check.js';
import { freshWorkDir, hubgenIn, type ChaosBase } from '../work-dir.js';
import type { CliResult } from '../../testing/cli-runner.js';
import type { RunManifest } from '../../pipelines/manifest.js';

export const TWIN_STARTS = ['simultaneous', 'staggered'] as const;
export type TwinStart = (typeof TWIN_STARTS)[number];

/** How long after the first the second process starts, in the staggered start. */
const STAGGER_MS = 2500;

export interface ConcurrentRunsOptions {
  readonly users: readonly string[];
  readonly concurrency: number;
  readonly starts?: readonly TwinStart[];
}

export interface TwinScenario {
  readonly start: TwinStart;
  readonly exitCodes: readonly (number | null)[];
  /** What the process that did not run said (one line), if one refused. */
  readonly refusal?: string;
  /** Users the manifest records as done once both processes have exited (before the final resume). */
  readonly recordedAfterTwins: number;
  /** The manifest parses, after both and after a final resume. */
  readonly manifestValid: boolean;
  readonly finalStatus: string;
  readonly lost: readonly string[];
  readonly storeProblems: readonly string[];
  /** Paid answers beyond what one clean run pays (target 0). */
  readonly doubleSpentCalls: number;
}

export interface ConcurrentRunsResult {
  readonly users: number;
  readonly scenarios: readonly TwinScenario[];
}

async function manifestIfValid(file: string): Promise<RunManifest | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RunManifest;
  } catch {
    return undefined;
  }
}

async function twins(base: ChaosBase, o: ConcurrentRunsOptions, start: TwinStart, reference: Map<string, number>): Promise<TwinScenario> {
  const lab = await openLab(base, `twins-${start}`);
  const workDir = await freshWorkDir(base, `twins-${start}`);
  const runId = `chaos-twins-${start}`;
  try {
    const args = runArgs(lab, '--users', o.users.join(','), '--run-id', runId, '-c', String(o.concurrency));
    let results: CliResult[];
    if (start === 'simultaneous') {
      results = await Promise.all([hubgenIn(base, workDir, args), hubgenIn(base, workDir, args)]);
    } else {
      // The second starts while the first is under way: it has loaded and begun its users.
      let second: Promise<CliResult> | undefined;
      const first = hubgenIn(base, workDir, args, { onSpawn: () => setTimeout(() => (second = hubgenIn(base, workDir, args)), STAGGER_MS) });
      results = [await first, await (second ?? hubgenIn(base, workDir, args))];
    }
    const file = join(workDir, 'runs', runId, 'manifest.json');
    const afterTwins = await manifestIfValid(file);
    // Whatever the two left undone, a resume finishes; it must not pay again for what they paid.
    const resume = await hubgenIn(base, workDir, runArgs(lab, '--run-id', runId));
    const final = await manifestIfValid(file);
    const refused = results.find((r) => r.code === 1);
    return {
      start,
      exitCodes: results.map((r) => r.code),
      refusal: refused?.stderr.trim().split('\n').at(-1),
      recordedAfterTwins: Object.values(afterTwins?.users ?? {}).filter((u) => u.status === 'ok').length,
      manifestValid: afterTwins !== undefined && final !== undefined && resume.code === 0,
      finalStatus: final?.status ?? 'unreadable',
      lost: final ? (await pageOutcomes(workDir, final)).lost : o.users,
      storeProblems: (await checkArtefactStore(workDir)).problems,
      doubleSpentCalls: repeatedPaidCalls(lab.ledger.paidByHash(), reference),
    };
  } finally {
    await lab.close();
  }
}

export async function runConcurrentRuns(base: ChaosBase, o: ConcurrentRunsOptions): Promise<ConcurrentRunsResult> {
  const ref = await referenceRun(base, 'twins', o.users, o.concurrency);
  const scenarios: TwinScenario[] = [];
  for (const start of o.starts ?? TWIN_STARTS) scenarios.push(await twins(base, o, start, ref.paid));
  return { users: o.users.length, scenarios };
}
