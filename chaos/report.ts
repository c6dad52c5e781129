import type { BadInputResult } from './cases/bad-input.js';
import type { BudgetResult } from './cases/budget.js';
import type { ConcurrentRunsResult } from './cases/concurrent-runs.js';
import { repeatedReceived, type CrashResumeResult } from './cases/crash-resume.js';
import type { ProviderFaultsResult, RunFigures } from './cases/provider-faults.js';
import type { StorageFaultsResult } from './cases/storage-faults.js';

/** Everything one `npm run chaos` measured. */
export interface ChaosResults {
  readonly ranAt: string;
  readonly machine: string;
  readonly wallS: number;
  readonly providerFaults: ProviderFaultsResult;
  readonly crashResume: CrashResumeResult;
  readonly storage: StorageFaultsResult;
  readonly budget: BudgetResult;
  readonly badInput: BadInputResult;
  readonly concurrency: ConcurrentRunsResult;
}

/** One row of the chaos table: what was tried, how often, what was lost, and the rest in words. */
export interface ChaosRow {
  readonly tried: string;
  readonly times: number;
  readonly lost: number;
  readonly outcome: string;
  /** Whether the row keeps every promise (zero lost, zero repeated paid calls, zero overshoot, a clear error). */
  readonly held: boolean;
}

const usd = (x: number) => `$${x.toFixed(4)}`;
const count = (xs: Readonly<Record<string, number>>) => Object.entries(xs).map(([k, n]) => `${n} ${k}`).join(', ');
const table = (head: readonly string[], rows: readonly (readonly (string | number)[])[]) =>
  [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function chaosRows(r: ChaosResults): ChaosRow[] {
  const pf = r.providerFaults;
  const injected = Object.values(pf.faultsInjected).reduce((a, b) => a + b, 0);
  const kills = r.crashResume.scenarios.filter((s) => s.killed);
  const repeats = kills.reduce((n, s) => n + s.repeatedPaidCalls, 0);
  const repeatsReceived = kills.reduce((n, s) => n + repeatedReceived(s), 0);
  const rows: ChaosRow[] = [
    {
      tried: `provider faults: ${pf.users} users, ${Math.round(pf.rate * 100)}% of calls failing (${count(pf.faultsInjected)})`,
      times: injected,
      lost: pf.faulted.pages.lost.length,
      outcome: `${pf.faulted.pages.ok} pages ok, ${pf.faulted.pages.failed.length} failed with a reason; ${pf.faulted.store.problems.length} schema-invalid or corrupt artefacts stored; ${pf.retriesPerPage.mean.toFixed(1)} extra calls per page; retries cost ${usd(pf.extraCostUsd)} more`,
      held: pf.faulted.pages.lost.length === 0 && pf.faulted.store.problems.length === 0,
    },
    {
      tried: `SIGKILL mid-run (${[...new Set(kills.map((s) => s.hit))].join(', ')}), then resume`,
      times: kills.length,
      lost: kills.reduce((n, s) => n + s.lost.length, 0),
      outcome: `${kills.filter((s) => s.resumedComplete).length}/${kills.length} resumes finished the run; ${kills.reduce((n, s) => n + s.corruptAfterKill.length, 0)} corrupt artefacts readable; **${repeatsReceived} stored answers paid again**; ${repeats} paid calls repeated in all, the rest answers the kill caught before they were stored (${kills.filter((s) => s.repeatedPaidCalls > 0).length} runs)`,
      held: repeatsReceived === 0 && kills.every((s) => s.resumedComplete && s.lost.length === 0 && s.corruptAfterKill.length === 0),
    },
    ...r.storage.scenarios.map((s) => ({
      tried: `storage: ${s.fault}`,
      times: s.skipped ? 0 : 1,
      lost: s.lostBefore,
      outcome: s.skipped ? `skipped: ${s.skipped}` : `${s.outcome}${s.reportedWithFile ? ', naming the file' : ', NOT naming the file'}; ${s.recovered ? 'every user done afterwards' : 'NOT recovered'}`,
      held: !s.skipped && s.lostBefore === 0 && s.reportedWithFile && s.recovered,
    })),
    {
      tried: `budget: --budget ${usd(r.budget.budgetUsd)} (${Math.round((r.budget.budgetUsd / r.budget.fullRunUsd) * 100)}% of the run's cost), ${r.budget.concurrency} users in parallel`,
      times: 1,
      lost: r.budget.pages.lost.length,
      outcome: `spent ${usd(r.budget.spentUsd)} at the provider, overshoot **${usd(r.budget.overshootUsd)}**; up to ${r.budget.peakCallsInFlight} calls in flight; ${r.budget.pages.ok} pages ok, ${r.budget.pages.failed.length} failed, ${r.budget.pages.notStarted} not started`,
      held: r.budget.overshootUsd === 0 && r.budget.pages.lost.length === 0,
    },
    ...r.badInput.scenarios.map((s) => ({ tried: `bad input: ${s.input}`, times: 1, lost: 0, outcome: s.outcome.replace(/\|/g, '/').replace(/\/tmp\/[^ ]*\//g, ''), held: s.pass })),
    ...r.concurrency.scenarios.map((s) => ({
      tried: `two \`hubgen run\` on one run id, ${s.start}`,
      times: 1,
      lost: s.lost.length,
      outcome: `exit codes ${s.exitCodes.join(' and ')}; manifest ${s.manifestValid ? 'valid' : 'CORRUPT'} and ${s.finalStatus}; **${s.doubleSpentCalls} calls paid twice**`,
      held: s.manifestValid && s.doubleSpentCalls === 0 && s.lost.length === 0,
    })),
  ];
  return rows;
}

function runColumn(f: RunFigures): string[] {
  return [String(f.pages.ok), String(f.pages.failed.length), String(f.pages.lost.length), String(f.requests), String(f.paidCalls), usd(f.spentUsd), String(f.store.problems.length), f.wallS.toFixed(0)];
}

/** bench/results/chaos.md: the table, then the figures behind each row. */
export function chaosMarkdown(r: ChaosResults): string {
  const rows = chaosRows(r);
  const pf = r.providerFaults;
  const kills = r.crashResume.scenarios;
  const byPoint = new Map<string, typeof kills>();
  for (const s of kills) byPoint.set(s.point, [...(byPoint.get(s.point) ?? []), s]);
  return [
    `## chaos — faults, crashes and bad input (${r.ranAt})`,
    '',
    `Run with \`npm run chaos\` on ${r.machine} in ${(r.wallS / 60).toFixed(1)} min: the real \`hubgen\` CLI as child processes on a real slice of the Instacart sample (the neutral example for bad input), the real sentence encoder, every LLM tier on the scripted OpenAI-compatible server in the runner's process, which counts what it bills by a hash of each request body. Target: nothing lost, nothing paid twice, no overshoot, in every row.`,
    '',
    table(['what was tried', 'times', 'lost', 'held', 'what happened'], rows.map((x) => [x.tried, x.times, x.lost, x.held ? 'yes' : '**no**', x.outcome])),
    '',
    `### Provider faults, side by side (${pf.users} users)`,
    '',
    table(['run', 'pages ok', 'failed', 'lost', 'requests', 'paid', 'spent', 'bad artefacts', 'wall s'], [['no faults', ...runColumn(pf.clean)], [`${Math.round(pf.rate * 100)}% faults`, ...runColumn(pf.faulted)]]),
    '',
    `Extra calls per page (faulted − clean, pages ok in both): mean ${pf.retriesPerPage.mean.toFixed(2)}, p50 ${pf.retriesPerPage.p50}, p95 ${pf.retriesPerPage.p95.toFixed(1)}, max ${pf.retriesPerPage.max}. Failed pages by reason: ${count(pf.failedReasons) || 'none'}.`,
    '',
    `### Crash and resume (${r.crashResume.users} users a run, a clean run paid ${r.crashResume.referencePaidCalls} calls)`,
    '',
    table(
      ['aimed at', 'kills', 'what the frozen process was doing', 'users done at kill', 'resumed complete', 'corrupt readable', 'leftover temp files', 'paid calls repeated'],
      [...byPoint].map(([point, ss]) => [
        point,
        ss.filter((s) => s.killed).length,
        [...new Set(ss.map((s) => s.hit))].join('; '),
        ss.map((s) => s.usersDoneAtKill).join(' '),
        `${ss.filter((s) => s.resumedComplete).length}/${ss.length}`,
        ss.reduce((n, s) => n + s.corruptAfterKill.length, 0),
        ss.reduce((n, s) => n + s.leftoverTempFiles, 0),
        ss.map((s) => s.repeatedPaidCalls).join(' '),
      ]),
    ),
    '',
    'A repeated paid call is an answer the provider sent and billed that the killed process had not stored yet (unread on the wire, being parsed, or being written): resuming asks for it again, and no client can avoid that without an idempotency key at the provider. Every answer stored is reused: the answer cache stores each structured answer by request hash as it arrives, and the row’s "stored answers paid again" counts any repeat beyond the answers the killed run had paid for and not left stored on disk.',
    '',
  ].join('\n');
}
