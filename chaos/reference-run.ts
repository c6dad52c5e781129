import { openLab, runArgs } from './lab.js';
import { checkArtefactStore } from './store-check.js';
import { freshWorkDir, hubgenIn, type ChaosBase } from './work-dir.js';

/** What one clean, uninterrupted run of some users paid for: the yardstick for repeated paid calls. */
export interface ReferenceRun {
  /** Paid answers per request hash. */
  readonly paid: Map<string, number>;
  readonly paidCalls: number;
  /** Artefacts it stored. */
  readonly artefacts: number;
  readonly wallMs: number;
}

export async function referenceRun(base: ChaosBase, label: string, users: readonly string[], concurrency: number): Promise<ReferenceRun> {
  const lab = await openLab(base, `${label}-reference`);
  const workDir = await freshWorkDir(base, `${label}-reference`);
  try {
    const t0 = performance.now();
    const r = await hubgenIn(base, workDir, runArgs(lab, '--users', users.join(','), '-c', String(concurrency)));
    if (r.code !== 0) throw new Error(`the ${label} reference run exited ${r.code}:\n${r.stderr.slice(-2000)}`);
    const paid = lab.ledger.paidByHash();
    return { paid, paidCalls: [...paid.values()].reduce((a, b) => a + b, 0), artefacts: (await checkArtefactStore(workDir)).valid, wallMs: performance.now() - t0 };
  } finally {
    await lab.close();
  }
}
