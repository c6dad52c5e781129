import { resolve, join } from 'node:path';
import type { Command } from 'commander';
import { configFrom, type GlobalOptions } from './shared.js';
import { listRuns, readManifest, resolveRunId } from '../../pipelines/manifest.js';
import { summariseRun, formatRunSummary } from '../../pipelines/summary.js';
import { FsArtefactStore } from '../../kit/artefacts/fs-store.js';
import type { Artefact } from '../../kit/artefacts/artefact.js';
import type { Attempt } from '../../kit/cascade.js';
import type { Themes } from '../../phases/themes/schema.js';
import type { Keywords } from '../../phases/keywords/schema.js';
import type { Filtered } from '../../phases/filter/schema.js';
import type { Page } from '../../phases/assemble/schema.js';

const usd = (n: number | undefined) => (n === undefined ? '$?' : `$${n.toFixed(5)}`);

/** "local ✗ 0.42<0.6 → cheap ✓ 0.81" — the cascade at a glance. */
export function formatAttempts(attempts: readonly Attempt[]): string {
  return attempts
    .map((a) => {
      const mark = a.outcome === 'accepted' ? '✓' : a.outcome === 'skipped' ? '–' : '✗';
      const conf = a.confidence === undefined ? '' : ` ${a.confidence.toFixed(2)}${a.outcome === 'escalated' ? `<${a.threshold}` : ''}`;
      const cost = a.usage.calls ? ` ${a.usage.inputTokens ?? '?'}/${a.usage.outputTokens ?? '?'}tok ${usd(a.usage.costUsd)}` : '';
      const why = a.outcome === 'skipped' || a.outcome === 'failed' ? ` (${a.reason})` : '';
      return `${a.role}${a.model ? `[${a.model}]` : ''} ${mark}${conf}${cost}${why}`;
    })
    .join(' → ');
}

async function load<T>(store: FsArtefactStore, hash: string | undefined): Promise<Artefact<T> | undefined> {
  if (!hash) return undefined;
  const r = await store.read<T>(hash);
  if (r.status === 'corrupt') throw new Error(`artefact ${hash} is corrupt: ${r.problem} (re-run the user to recompute it)`);
  return r.status === 'hit' ? r.artefact : undefined;
}

export function formatPageReport(a: { themes?: Artefact<Themes>; keywords?: Artefact<Keywords>; filter?: Artefact<Filtered>; assemble?: Artefact<Page> }): string {
  const out: string[] = [];
  const header = (title: string, art: Artefact | undefined) =>
    out.push('', `== ${title} ${art ? `(${art.hash.slice(0, 12)}, ${art.provenance.latencyMs.toFixed(0)} ms, ${usd(art.provenance.usage.costUsd)})` : '(missing)'}`);

  header('Phase 1 · themes', a.themes);
  if (a.themes) {
    out.push(`cascade: ${formatAttempts(a.themes.provenance.attempts)}`);
    out.push(`page title: ${a.themes.data.pageTitle}`);
    for (const [i, t] of a.themes.data.themes.entries()) {
      out.push(`${String(i + 1).padStart(2)}. ${t.title}  [${t.id}] conf ${t.confidence.toFixed(2)}`);
      out.push(`    ${t.description}`);
      out.push(`    concepts: ${t.concepts.join(', ')} | categories: ${t.categories.join(', ') || '–'}`);
    }
  }
  header('Phase 2 · keywords', a.keywords);
  if (a.keywords) {
    const steps = new Map((a.keywords.provenance.steps ?? []).map((s) => [s.name, s.attempts]));
    for (const t of a.keywords.data.themes) {
      const attempts = steps.get(t.themeId) ?? [...steps.entries()].find(([n]) => n.includes(t.themeId))?.[1];
      out.push(`${t.themeId}: ${t.keywords.map((k) => `${k.text}${k.inCorpus ? '' : '*'}`).join(', ')}`);
      out.push(`    ${t.candidateCount} candidates; accepted ${t.role}[${t.model}] conf ${t.confidence.toFixed(2)}${attempts ? `; cascade: ${formatAttempts(attempts)}` : ''}`);
    }
    for (const d of a.keywords.data.droppedKeywords ?? []) out.push(`  dropped ${d.themeId}: "${d.text}" — ${d.reason}`);
    if (a.keywords.data.themes.some((t) => t.keywords.some((k) => !k.inCorpus))) out.push('  (* written by the model, kept because it retrieves products)');
  }
  header('Phase 3 · filter', a.filter);
  if (a.filter) {
    out.push(`kept ${a.filter.data.themes.length} themes; removed ${a.filter.data.removals.length} items`);
    for (const r of a.filter.data.removals) {
      out.push(`  - [${r.step}] ${r.kind} "${r.item}" (${r.themeId})${r.score === undefined ? '' : ` score ${r.score.toFixed(3)}`}: ${r.reason}`);
    }
    for (const j of a.filter.data.judgements) {
      const verdicts = Object.entries(j.verdict.criteria).map(([c, v]) => `${c} ${v.pass ? '✓' : `✗ (${v.reason})`}`);
      out.push(`  judge ${j.themeId} by ${j.role}[${j.model}]: ${verdicts.join('; ')}`);
    }
  }
  header('Phase 4 · assemble', a.assemble);
  if (a.assemble) {
    out.push(`# ${a.assemble.data.pageTitle}`);
    for (const t of a.assemble.data.themes) {
      out.push(`## ${t.title} — ${t.products.length} products (keywords: ${t.keywords.join(', ')})`);
      for (const p of t.products) out.push(`   ${p.score.toFixed(3)}  ${p.name}  ← "${p.keyword}"`);
    }
    for (const d of a.assemble.data.dropped) out.push(`  dropped theme "${d.title}": ${d.reason}`);
  }
  return out.join('\n');
}

export function registerShowCommands(program: Command, globals: () => GlobalOptions): void {
  const storeAndRuns = () => {
    const config = configFrom(globals());
    return { store: new FsArtefactStore(join(resolve(config.workDir), 'artefacts')), runsDir: resolve(config.workDir, 'runs') };
  };

  program
    .command('show <run> <user>')
    .description('print one user\'s page phase by phase: themes, keywords, removals and products, with per-tier provenance ("latest" for the newest run)')
    .option('--json', 'print the four artefacts as JSON')
    .action(async (runRef: string, userArg: string, opts: { json?: boolean }) => {
      const { store, runsDir } = storeAndRuns();
      const runId = await resolveRunId(runsDir, runRef);
      const manifest = (await readManifest(runsDir, runId))!;
      const rec = manifest.users[userArg];
      if (!rec) {
        const ids = Object.keys(manifest.users);
        throw new Error(`User ${userArg} is not in run ${runId} (users: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''})`);
      }
      if (rec.status === 'failed') {
        console.log(`user ${rec.userId} failed in run ${runId}: ${rec.error}`);
        process.exitCode = 3;
        return;
      }
      const p = rec.phases ?? {};
      const arts = {
        themes: await load<Themes>(store, p.themes?.hash),
        keywords: await load<Keywords>(store, p.keywords?.hash),
        filter: await load<Filtered>(store, p.filter?.hash),
        assemble: await load<Page>(store, p.assemble?.hash),
      };
      if (opts.json) return console.log(JSON.stringify(arts, null, 2));
      console.log(`run ${runId} · user ${rec.userId} · ${rec.wallMs} ms`);
      console.log(formatPageReport(arts));
    });

  program
    .command('runs')
    .description('list runs with their summaries')
    .option('-n, --last <n>', 'how many', (v) => Number.parseInt(v, 10), 10)
    .action(async (opts: { last: number }) => {
      const { runsDir } = storeAndRuns();
      const runs = await listRuns(runsDir);
      if (!runs.length) return console.log(`no runs under ${runsDir}`);
      for (const id of runs.slice(-opts.last)) {
        const m = await readManifest(runsDir, id);
        if (m) console.log(`${formatRunSummary(summariseRun(m)).split('\n')[0]}`);
      }
    });

  program
    .command('inspect <hash>')
    .description('print one stored artefact (full hash or unique prefix) as JSON, verified against its checksum')
    .action(async (ref: string) => {
      const { store } = storeAndRuns();
      const matches: string[] = [];
      for await (const h of store.list()) if (h.startsWith(ref)) matches.push(h);
      if (matches.length !== 1) throw new Error(matches.length ? `"${ref}" matches ${matches.length} artefacts; give more characters` : `no artefact starts with "${ref}"`);
      const r = await store.read(matches[0]);
      if (r.status !== 'hit') throw new Error(`artefact ${matches[0]}: ${r.status === 'corrupt' ? r.problem : 'missing'}`);
      console.log(JSON.stringify(r.artefact, null, 2));
    });
}
