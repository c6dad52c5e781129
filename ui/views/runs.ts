import { html } from 'hono/html';
import type { Paged, PhaseStats, RunDetail, RunRow } from '../model.js';
import { PHASES } from '../model.js';
import { pageUrl, runUrl, runsUrl } from '../links.js';
import { badge, crumbs, pager, type Html } from './layout.js';
import { int, ms, pct, plural, tokens, usd, when } from './format.js';

/** Escalation per phase as a compact cell: the share escalated, and (when no higher tier exists) the share below threshold. */
function escalationCell(p: PhaseStats | undefined): Html {
  if (!p || p.cascades === 0) return html`<td class="n muted">–</td>`;
  const below = (p.belowThresholdRate ?? 0) > 0 ? html`<div class="why" title="accepted below threshold: no higher tier configured">${pct(p.belowThresholdRate)} below thr</div>` : '';
  return html`<td class="n"><span class="esc ${(p.escalationRate ?? 0) > 0 ? 'hot' : ''}" title="${p.cascades} cascades">${pct(p.escalationRate, 1)}</span>${below}</td>`;
}

const phaseOf = (r: RunRow, name: string) => r.phases.find((p) => p.phase === name);

function usersCell(r: RunRow): Html {
  return html`${r.ok} ok${r.failed ? html` · <span class="err">${r.failed} failed</span>` : ''}${r.emptyPages ? html` · <span class="muted">${r.emptyPages} empty</span>` : ''}${r.notStarted ? html` · <span class="muted">${r.notStarted} not started</span>` : ''}`;
}

export function runsList(runs: Paged<RunRow>): Html {
  // A phase without cascades (assembly) would only add a column of dashes.
  const phases = PHASES.filter((p) => runs.items.some((r) => (phaseOf(r, p)?.cascades ?? 0) > 0));
  const rows = runs.items.map(
    (r) => html`<tr>
<td class="nowrap"><a href="${runUrl(r.runId)}" class="mono">${r.runId}</a><div class="why">${r.pipeline} · ${when(r.createdAt)}</div></td>
<td>${badge(r.status)}</td>
<td class="nowrap">${usersCell(r)}</td>
<td class="n">${usd(r.spent.costUsd)}</td>
<td class="n">${tokens(r.spent.inputTokens, r.spent.outputTokens)}</td>
${phases.map((p) => escalationCell(phaseOf(r, p)))}
<td class="n">${ms(r.wallMs)}<div class="why">p50 ${ms(r.wallP50Ms)} / user</div></td>
</tr>
${r.failures.length
  ? html`<tr class="sub failures"><td colspan="${6 + phases.length}">${r.failures.map(
      (f) => html`<div><a href="${pageUrl({ kind: 'run', runId: r.runId }, f.userId)}">user ${f.userId}</a> <span class="err">${f.error}</span></div>`,
    )}${r.failed > r.failures.length ? html`<div class="muted"><a href="${runUrl(r.runId, { filter: 'failed' })}">… all ${r.failed} failures</a></div>` : ''}</td></tr>`
  : ''}`,
  );
  return html`<h1>Runs</h1>
<p class="sub">Newest first. Escalation: share of a phase's cascades that passed a tier before accepting an answer.</p>
<div class="scroll"><table class="t" id="runs">
<thead><tr><th>Run</th><th>Status</th><th>Users</th><th class="n">Cost</th><th class="n">Tokens in / out</th>${phases.map((p) => html`<th class="n">Esc. ${p}</th>`)}<th class="n">Wall</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="${6 + phases.length}" class="muted">No runs in this work dir yet: start one with <code>hubgen run</code>.</td></tr>`}</tbody>
</table></div>
${pager(runs, runsUrl, 'runs')}`;
}

function phaseTable(r: RunRow): Html {
  return html`<div class="scroll"><table class="t">
<thead><tr><th>Phase</th><th class="n">Pages</th><th class="n">Cache hits</th><th class="n">Cascades</th><th class="n">Escalated</th><th class="n">Below thr</th><th class="n">Tokens in / out</th><th class="n">Spent</th><th class="n">p50</th></tr></thead>
<tbody>${r.phases.map(
    (p) => html`<tr><th>${p.phase}</th><td class="n">${p.pages}</td><td class="n">${p.cacheHits}/${p.pages}</td><td class="n">${p.cascades}</td><td class="n">${pct(p.escalationRate, 1)}</td><td class="n">${pct(p.belowThresholdRate, 1)}</td><td class="n">${tokens(p.spent.inputTokens, p.spent.outputTokens)}</td><td class="n">${usd(p.spent.costUsd)}</td><td class="n">${ms(p.latencyP50Ms)}</td></tr>`,
  )}</tbody></table></div>`;
}

export function runDetail(d: RunDetail): Html {
  const r = d.run;
  const source = { kind: 'run', runId: r.runId } as const;
  const tabs = (['all', 'ok', 'failed', 'empty'] as const).map((f) => html`<a href="${runUrl(r.runId, { filter: f })}" class="${d.filter === f ? 'on' : ''}">${f}</a>`);
  const users = d.users.items.map(
    (u) => html`<tr>
<td class="nowrap"><a href="${pageUrl(source, u.userId)}">user ${u.userId}</a></td>
<td>${badge(u.status === 'ok' && u.themesOnPage === 0 ? 'empty' : u.status, u.status === 'ok' && u.themesOnPage === 0 ? 'empty page' : u.status)}</td>
<td class="n">${u.themesProposed === undefined ? '–' : `${u.themesProposed} → ${u.themesOnPage}`}</td>
<td class="n">${int(u.products)}</td>
<td class="n">${u.escalations ? badge('escalated', String(u.escalations)) : '0'}</td>
<td class="n">${usd(u.cost.costUsd)}</td>
<td class="n">${ms(u.wallMs)}</td>
<td class="err small">${u.error ?? ''}</td>
</tr>`,
  );
  return html`${crumbs(['Runs', '/runs'], r.runId)}
<h1 class="mono" style="font-size:1.3rem">${r.runId}</h1>
<p class="sub">${badge(r.status)} ${r.pipeline} pipeline · started ${when(r.createdAt)} · last written ${when(r.updatedAt)}</p>
<div class="stats">
<div class="stat"><b>${r.ok}/${r.users}</b><small>pages ok</small></div>
<div class="stat"><b class="${r.failed ? 'err' : ''}">${r.failed}</b><small>failed users</small></div>
<div class="stat"><b>${usd(r.spent.costUsd)}</b><small>spent this run</small></div>
<div class="stat"><b>${tokens(r.spent.inputTokens, r.spent.outputTokens)}</b><small>tokens in / out · ${plural(r.spent.calls, 'model call')}</small></div>
<div class="stat"><b>${ms(r.wallMs)}</b><small>wall · p50 ${ms(r.wallP50Ms)} / user</small></div>
</div>
<h2>Per phase</h2>
${phaseTable(r)}
<h2>Users</h2>
<div class="tabs">${tabs}</div>
<div class="scroll"><table class="t" id="users">
<thead><tr><th>User</th><th>Status</th><th class="n">Themes proposed → on page</th><th class="n">Products</th><th class="n">Escalations</th><th class="n">Page cost</th><th class="n">Wall</th><th>Why it failed</th></tr></thead>
<tbody>${users.length ? users : html`<tr><td colspan="8" class="muted">No ${d.filter === 'all' ? '' : d.filter} users.</td></tr>`}</tbody>
</table></div>
${pager(d.users, (page) => runUrl(r.runId, { page, filter: d.filter }), 'users')}`;
}
