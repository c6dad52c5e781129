import { html } from 'hono/html';
import type { PageDiff, PageSource, SearchHit } from '../model.js';
import { pageUrl, sourceParam } from '../links.js';
import { badge, type Html } from './layout.js';
import { int, plural, signedInt, signedUsd, usd } from './format.js';

export interface DiffFormState {
  readonly userId: string | undefined;
  readonly a: PageSource | undefined;
  readonly b: PageSource | undefined;
  /** Pages this user has (from search), offered as choices. */
  readonly choices: readonly SearchHit[];
}

function sourceSelect(name: string, label: string, selected: PageSource | undefined, choices: readonly SearchHit[]): Html {
  const value = selected && sourceParam(selected);
  const options = choices.map((c) => sourceParam(c.source));
  // A source named in the URL but not among the choices (e.g. beyond the first page of search) stays selectable.
  const all = value && !options.includes(value) ? [value, ...options] : options;
  if (all.length === 0) return html`<label>${label}<input name="${name}" value="${value ?? ''}" placeholder="run:<id> or eval:<root>/<report>/<variant>"></label>`;
  return html`<label>${label}<select name="${name}">${all.map((v) => html`<option value="${v}" ${v === value ? 'selected' : ''}>${v}</option>`)}</select></label>`;
}

export function diffForm(s: DiffFormState): Html {
  return html`<form class="inline" method="get" action="/diff" id="diff-form">
<label>User<input name="user" value="${s.userId ?? ''}" required inputmode="numeric"></label>
${sourceSelect('a', 'A (before)', s.a, s.choices)}
${sourceSelect('b', 'B (after)', s.b, s.choices)}
<button>Compare</button>
</form>`;
}

function side(label: string, x: PageDiff['a'], userId: string): Html {
  return html`<div class="card"><div class="muted small">${label}</div>
<h3><a href="${pageUrl(x.source, userId)}">${x.label}</a></h3>
<div>${badge(x.status)} ${x.themes} themes · ${x.products} products</div>
<div class="small">cost ${usd(x.cost.costUsd)} · ${int(x.cost.inputTokens)} in / ${int(x.cost.outputTokens)} out tokens · ${plural(x.cost.calls, 'call')}</div></div>`;
}

const deltaClass = (n: number | undefined) => (n === undefined || n === 0 ? '' : n > 0 ? 'up' : 'down');

function list(items: readonly string[], cls: string, sign: string): Html {
  return items.length ? html`<ul class="plain">${items.map((i) => html`<li class="${cls}">${sign} ${i}</li>`)}</ul>` : html`<p class="muted small">None.</p>`;
}

export function diffView(d: PageDiff): Html {
  const changedKept = d.themesKept.filter((t) => t.productsAdded.length || t.productsRemoved.length || t.positionA !== t.positionB);
  return html`<div class="sides">${side('A', d.a, d.userId)}${side('B', d.b, d.userId)}</div>
<div class="stats">
<div class="stat"><b class="delta ${deltaClass(d.costDeltaUsd)}" id="cost-delta">${signedUsd(d.costDeltaUsd)}</b><small>cost B − A</small></div>
<div class="stat"><b>${signedInt(d.tokensDelta.input)} / ${signedInt(d.tokensDelta.output)}</b><small>tokens in / out B − A</small></div>
<div class="stat"><b><span class="added">+${d.themesAdded.length}</span> / <span class="removedtxt">−${d.themesRemoved.length}</span></b><small>themes added / removed</small></div>
<div class="stat"><b><span class="added">+${d.productsAdded.length}</span> / <span class="removedtxt">−${d.productsRemoved.length}</span></b><small>products added / removed</small></div>
</div>
<div class="sides">
<div class="card" id="themes-added"><h3>Themes only in B</h3>${list(d.themesAdded.map((t) => `#${t.position} ${t.title}`), 'added', '+')}</div>
<div class="card" id="themes-removed"><h3>Themes only in A</h3>${list(d.themesRemoved.map((t) => `#${t.position} ${t.title}`), 'removedtxt', '−')}</div>
</div>
<h2>Themes on both pages</h2>
${d.themesKept.length
  ? html`<table class="t" id="themes-kept"><thead><tr><th>Theme</th><th class="n">Position A → B</th><th>Products added</th><th>Products removed</th></tr></thead><tbody>${d.themesKept.map(
      (t) => html`<tr><td>${t.title}</td><td class="n">${t.positionA} → ${t.positionB}</td><td class="small added">${t.productsAdded.join(', ') || '–'}</td><td class="small removedtxt">${t.productsRemoved.join(', ') || '–'}</td></tr>`,
    )}</tbody></table>
<p class="muted small">${changedKept.length} of ${d.themesKept.length} shared themes moved or changed products.</p>`
  : html`<p class="muted">No theme is on both pages.</p>`}
<div class="sides" style="margin-top:1rem">
<div class="card"><h3>Products only in B</h3>${list(d.productsAdded, 'added', '+')}</div>
<div class="card"><h3>Products only in A</h3>${list(d.productsRemoved, 'removedtxt', '−')}</div>
</div>`;
}
