import { html } from 'hono/html';
import type { EvalDetail, EvalRow, Paged } from '../model.js';
import { diffUrl, evalUrl, evalsUrl, pageUrl, plotUrl } from '../links.js';
import { badge, crumbs, pager, type Html } from './layout.js';
import { pct, usd, when } from './format.js';

export function evalsList(evals: Paged<EvalRow>, roots: readonly { label: string; dir: string }[]): Html {
  return html`<h1>Eval reports</h1>
<p class="sub">From ${roots.map((r, i) => html`${i ? ', ' : ''}<code>${r.dir}</code>`)}. Write one with <code>hubgen eval</code>; add folders of reports with <code>hubgen ui --evals &lt;dir&gt;</code>.</p>
<table class="t" id="evals"><thead><tr><th>Report</th><th>Created</th><th class="n">Users</th><th>Variants</th><th>Simulated roles</th></tr></thead><tbody>
${evals.items.length
  ? evals.items.map(
      (e) => html`<tr><td><a href="${evalUrl(e.root, e.report)}">${e.root}/${e.report}</a></td><td>${when(e.createdAt)}</td><td class="n">${e.users}</td><td>${e.variants.map((v) => html`<span class="chip">${v}</span>`)}</td><td>${e.simulatedRoles.join(', ') || html`<span class="muted">none</span>`}</td></tr>`,
    )
  : html`<tr><td colspan="5" class="muted">No eval reports found.</td></tr>`}
</tbody></table>
${pager(evals, evalsUrl, 'reports')}`;
}

function table(t: EvalDetail['tables'][number]): Html {
  return html`<h2>${t.title}</h2>${t.note ? html`<p class="muted small">${t.note}</p>` : ''}<div class="scroll"><table class="t wide"><thead><tr>${t.head.map((h, i) => html`<th class="${i ? 'n' : ''}">${h}</th>`)}</tr></thead><tbody>${t.rows.map(
    (r) => html`<tr>${r.map((c, i) => (i ? html`<td class="n">${c}</td>` : html`<th>${c}</th>`))}</tr>`,
  )}</tbody></table></div>`;
}

export function evalDetail(d: EvalDetail): Html {
  const e = d.eval;
  const plots = d.plots;
  const other = e.variants.find((v) => v !== d.variant);
  const tabs = e.variants.map((v) => html`<a href="${evalUrl(e.root, e.report, { variant: v })}#pages" class="${v === d.variant ? 'on' : ''}">${v}</a>`);
  const source = (variant: string) => ({ kind: 'eval', root: e.root, report: e.report, variant }) as const;
  return html`${crumbs(['Evals', '/evals'], `${e.root}/${e.report}`)}
<h1>Eval ${e.report}</h1>
<p class="sub">Created ${when(e.createdAt)} · ${e.users} users · variants ${e.variants.join(', ')}</p>
${e.simulatedRoles.length ? html`<div class="callout"><b>Simulated tiers: ${e.simulatedRoles.join(', ')}.</b> Their prompts and token counts — so the cost columns — are real; their answers are placeholders, so quality numbers of pages they answered are not.</div>` : ''}
${d.tables.slice(0, 2).map(table)}
${plots.length ? html`<h2>Plots</h2><div class="plots">${plots.map((p) => html`<figure class="plot" id="plot-${p.id}"><img src="${plotUrl(e.root, e.report, p.id)}" alt="${p.title}"><figcaption><b>${p.title}.</b> ${p.caption}</figcaption></figure>`)}</div>` : ''}
${d.tables.slice(2).map(table)}
<h2 id="pages">Pages</h2>
<div class="tabs">${tabs}</div>
<div class="scroll"><table class="t"><thead><tr><th>User</th><th class="n">Cost</th><th class="n">Themes</th><th class="n">Products</th><th class="n">Target recall</th><th>Escalated</th><th></th></tr></thead><tbody>
${d.pages.items.map(
  (p) => html`<tr><td><a href="${pageUrl(source(d.variant), p.userId)}">user ${p.userId}</a></td><td class="n">${usd(p.costUsd)}</td><td class="n">${p.themes}</td><td class="n">${p.products}</td><td class="n">${pct(p.targetRecall, 1)}</td>
<td>${p.escalated.map((x) => badge('escalated', x))}</td>
<td>${other ? html`<a href="${diffUrl(p.userId, source(d.variant), source(other))}">diff vs ${other}</a>` : ''}</td></tr>`,
)}
</tbody></table></div>
${pager(d.pages, (page) => `${evalUrl(e.root, e.report, { variant: d.variant, page })}#pages`, 'pages')}
${d.failures.length ? html`<h2>Failures</h2><ul>${d.failures.map((f) => html`<li>${f.variant}, <a href="${pageUrl(source(f.variant), f.userId)}">user ${f.userId}</a>: <span class="err">${f.error}</span></li>`)}</ul>` : ''}`;
}
