import type { Artefact } from '../kit/artefacts/artefact.js';
import type { Attempt } from '../kit/cascade.js';
import type { Themes } from '../phases/themes/schema.js';
import type { Keywords } from '../phases/keywords/schema.js';
import type { Filtered } from '../phases/filter/schema.js';
import type { Page } from '../phases/assemble/schema.js';
import { formatSignals } from '../llm/confidence/signals.js';

/** One page's artefacts as text, phase by phase: what `hubgen show` prints and the inspector offers as report.txt. */

const usd = (n: number | undefined) => (n === undefined ? '$?' : `$${n.toFixed(5)}`);

/**
 * "local ✗ 0.42<0.6 → cheap ✓ 0.81 {*logprob 0.81 · self 0.90}" — the cascade at a glance: each
 * tier's confidence, the signals an LLM tier measured (the one that decided starred), and the
 * output tokens early abort saved.
 */
export function formatAttempts(attempts: readonly Attempt[]): string {
  return attempts
    .map((a) => {
      const mark = a.outcome === 'accepted' ? '✓' : a.outcome === 'skipped' ? '–' : '✗';
      const conf = a.confidence === undefined ? '' : ` ${a.confidence.toFixed(2)}${a.outcome === 'escalated' ? `<${a.threshold}` : ''}`;
      const signals = a.signals ? ` {${formatSignals(a.signals)}}` : '';
      const cost = a.usage.calls ? ` ${a.usage.inputTokens ?? '?'}/${a.usage.outputTokens ?? '?'}tok ${usd(a.usage.costUsd)}` : '';
      const saved = a.usage.savedOutputTokens ? ` (early abort saved ~${a.usage.savedOutputTokens} tok)` : '';
      const why = a.outcome === 'skipped' || a.outcome === 'failed' ? ` (${a.reason})` : '';
      return `${a.role}${a.model ? `[${a.model}]` : ''} ${mark}${conf}${signals}${cost}${saved}${why}`;
    })
    .join(' → ');
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
