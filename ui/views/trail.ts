import { html } from 'hono/html';
import type { CascadeView, ThemeTrail } from '../model.js';
import { badge, type Html } from './layout.js';
import { int, ms, num, usd } from './format.js';

/** The id of a theme's trail element: the fragment that deep-links to it expanded. */
export const trailId = (themeId: string): string => `trail-${themeId}`;

/** Every tier tried: tier, model, confidence against threshold, tokens, dollars, time and why. */
export function cascadeTable(c: CascadeView | undefined, empty = 'No cascade recorded.'): Html {
  if (!c) return html`<p class="muted small">${empty}</p>`;
  return html`<div class="glance mono" title="as hubgen show prints it">${c.summary}</div>
<table class="t cascade">
<thead><tr><th>Tier</th><th>Model</th><th>Outcome</th><th class="n">Confidence / threshold</th><th class="n">Tokens in / out</th><th class="n">Cost</th><th class="n">Time</th></tr></thead>
<tbody>${c.attempts.map(
    (a) => html`<tr class="attempt">
<th>${a.role}</th>
<td class="mono nowrap">${a.model ?? '–'}</td>
<td>${badge(a.outcome)}</td>
<td class="n">${a.confidence === undefined ? '–' : html`<span class="${a.confidence < a.threshold ? 'err' : ''}">${num(a.confidence)}</span>`} / ${num(a.threshold)}</td>
<td class="n">${a.usage.calls ? `${int(a.usage.inputTokens)} / ${int(a.usage.outputTokens)}` : '–'}</td>
<td class="n">${a.usage.calls ? usd(a.usage.costUsd) : '–'}</td>
<td class="n">${a.outcome === 'skipped' ? '–' : ms(a.latencyMs)}</td>
</tr>
<tr class="sub why-row"><td colspan="7"><span class="reason">${a.reason}</span>${a.notes.length ? html` <span class="why">· ${a.notes.join('; ')}</span>` : ''}</td></tr>`,
  )}</tbody></table>`;
}

function phase(n: number, title: string, body: Html): Html {
  return html`<section class="phase"><h4><span class="n">${n}</span>${title}</h4>${body}</section>`;
}

function themesPhase(t: ThemeTrail, themesCascade: CascadeView | undefined): Html {
  if (!t.themes) return phase(1, 'Themes', html`<p class="muted small">No Phase 1 artefact: this page's themes were written in one step.</p>`);
  const p = t.themes;
  return phase(
    1,
    'Themes',
    html`<dl class="kv"><dt>Proposed</dt><dd>#${p.position} with confidence ${num(p.confidence)}</dd>
<dt>Description</dt><dd>${p.description}</dd>
<dt>Concepts</dt><dd>${p.concepts.map((c) => html`<span class="chip">${c}</span>`)}</dd>
<dt>Categories</dt><dd>${p.categories.length ? p.categories.map((c) => html`<span class="chip">${c}</span>`) : '–'}${p.departments.length ? html` <span class="muted small">in ${p.departments.join(', ')}</span>` : ''}</dd></dl>
<div class="small muted">The page's Phase 1 cascade (one per page):</div>
${cascadeTable(themesCascade)}`,
  );
}

function keywordsPhase(t: ThemeTrail): Html {
  const k = t.keywords;
  if (!k) return phase(2, 'Keywords', html`<p class="muted small">No Phase 2 record for this theme.</p>`);
  const candidates = k.candidates.length
    ? html`<details class="cands"><summary>All ${k.candidates.length} candidates from the vector search, chosen ones filled</summary><div>${k.candidates.map(
        (c) => html`<span class="chip ${c.chosen ? 'chosen' : ''}" title="similarity ${num(c.similarity, 3)}">${c.text}</span>`,
      )}</div></details>`
    : html`<div class="why">The candidate list is recorded only when an LLM tier chooses (for distillation); this theme's was chosen locally.</div>`;
  return phase(
    2,
    'Keywords',
    html`<div class="small muted">Chose ${k.chosen.length} of ${k.candidateCount} candidates:</div>
<div>${k.chosen.map((c) => html`<span class="chip chosen" title="score ${num(c.score, 3)}${c.inCorpus ? '' : ' · written by the model, kept because it retrieves products'}">${c.text}${c.inCorpus ? '' : '*'}</span>`)}</div>
${k.dropped.map((d) => html`<div class="small"><span class="chip off">${d.text}</span> <span class="why">${d.reason}</span></div>`)}
${candidates}
<div class="small muted">Accepted ${k.role} [${k.model}] at confidence ${num(k.confidence)}.</div>
${cascadeTable(k.cascade)}`,
  );
}

function filterPhase(t: ThemeTrail): Html {
  const f = t.filter;
  if (!f) return phase(3, 'Filter', html`<p class="muted small">No Phase 3 artefact.</p>`);
  const removals = f.removals.length
    ? html`<table class="t removals"><thead><tr><th>Step</th><th>Removed</th><th class="n">Score</th><th>Reason</th></tr></thead><tbody>${f.removals.map(
        (r) => html`<tr><td>${badge('removed', r.step)}</td><td>${r.kind} <b>${r.item}</b></td><td class="n">${num(r.score, 3)}</td><td class="small">${r.reason}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="small muted">Nothing removed from this theme.</p>`;
  const judge = f.judgement
    ? html`<div class="small" style="margin:.3rem 0">Judge ${f.judgement.role} [${f.judgement.model}]: ${f.judgement.criteria.map(
        (c) => html`<span class="chip ${c.pass ? '' : 'off'}" title="${c.reason}">${c.pass ? '✓' : '✗'} ${c.name.replace(/_/g, ' ')}</span>`,
      )}</div>${f.judgement.criteria.filter((c) => !c.pass).map((c) => html`<div class="why">${c.name}: ${c.reason}</div>`)}`
    : '';
  const kept = f.keptKeywords.length ? html`<div class="small muted">Kept keywords (relevance):</div><div>${f.keptKeywords.map((k) => html`<span class="chip">${k.text} <span class="muted">${num(k.relevance)}</span></span>`)}</div>` : '';
  return phase(3, 'Filter', html`${removals}${judge}${kept}${f.cascade ? html`<div class="small muted">Judge cascade:</div>${cascadeTable(f.cascade)}` : ''}`);
}

function assemblePhase(t: ThemeTrail): Html {
  const a = t.assemble;
  if (!a) return phase(4, 'Assemble', html`<p class="small">${t.fate.reason ?? 'Not on the page.'}</p>`);
  return phase(
    4,
    'Assemble',
    html`<table class="t"><thead><tr><th>Product</th><th>Retrieved by keyword</th><th class="n">Score</th></tr></thead><tbody>${a.products.map(
      (p) => html`<tr><td>${p.name}</td><td><span class="chip">${p.keyword}</span></td><td class="n">${num(p.score, 3)}</td></tr>`,
    )}</tbody></table>${a.notes.map((n) => html`<div class="why">${n}</div>`)}`,
  );
}

/** What the summary line says before anyone opens the trail: did anything escalate, how much was removed. */
function trailFlags(t: ThemeTrail, themesCascade: CascadeView | undefined): Html {
  const escalated = [themesCascade?.escalated && 'themes', t.keywords?.cascade?.escalated && 'keywords', t.filter?.cascade?.escalated && 'judge'].filter(Boolean);
  const removals = t.filter?.removals.length ?? 0;
  return html`${escalated.length ? badge('escalated', `escalated: ${escalated.join(', ')}`) : ''}${removals ? badge('removed', `${removals} removed`) : ''}`;
}

export function trail(t: ThemeTrail, themesCascade: CascadeView | undefined, open = false): Html {
  return html`<details class="trail" id="${trailId(t.themeId)}" ${open ? 'open' : ''}>
<summary>Phase trail ${trailFlags(t, themesCascade)}</summary>
${themesPhase(t, themesCascade)}${keywordsPhase(t)}${filterPhase(t)}${assemblePhase(t)}
</details>`;
}
