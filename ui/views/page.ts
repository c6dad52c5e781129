import { html } from 'hono/html';
import type { PageThemeView, PageView, ProductView, ThemeTrail } from '../model.js';
import { artefactUrl, diffUrl, evalUrl, reportTextUrl, runUrl } from '../links.js';
import { badge, crumbs, type Html } from './layout.js';
import { int, ms, num, pct, plural, usd } from './format.js';
import { trail } from './trail.js';

/**
 * What the score was made of, for its tooltip: relevance to the theme and the user's probability of
 * buying the product next (a staples theme ranks by the probability alone); pages made before
 * version 4 of the assemble phase also carry the popularity factor they multiplied in.
 */
function scoreParts(p: ProductView): string {
  const parts = [`relevance ${num(p.relevance)}`, `probability of buying next ${num(p.affinity, 4)}`];
  if (p.popularity !== undefined) parts.push(`popularity ${num(p.popularity)}`);
  return parts.join(' · ');
}

function productTile(p: ProductView): Html {
  const hit = p.inTarget === true;
  return html`<div class="product ${hit ? 'hit' : ''}" data-product="${p.id}">
<div class="name">${p.name}</div>
<div class="cat">${p.category.name} · ${p.department.name}</div>
<div class="foot"><span title="${scoreParts(p)}">score ${num(p.score, 3)}</span>${hit ? html`<span class="hitmark" title="in this user's evaluation order">✓ bought next</span>` : ''}</div>
</div>`;
}

function themeSection(t: PageThemeView, i: number, tr: ThemeTrail | undefined, page: PageView): Html {
  const hits = t.products.filter((p) => p.inTarget).length;
  return html`<section class="theme" id="theme-${t.id}">
<header><span class="pos">${i + 1}</span><h3>${t.title}</h3><span class="muted small">${t.products.length} products${page.target ? html` · ${hits} bought next` : ''}</span></header>
<p class="desc">${t.description}</p>
<div>${t.keywords.map((k) => html`<span class="chip">${k}</span>`)}</div>
<div class="products">${t.products.map(productTile)}</div>
${tr ? trail(tr, page.themesCascade) : ''}
</section>`;
}

function bars(items: readonly { name: string; share: number }[]): Html {
  const max = Math.max(...items.map((i) => i.share), 0.0001);
  return html`${items.map(
    (i) => html`<div class="bar"><span class="label" title="${i.name}">${i.name}</span><span class="track"><span class="fill" style="width:${Math.round((i.share / max) * 100)}%"></span></span><span class="v">${pct(i.share)}</span></div>`,
  )}`;
}

function sidebar(p: PageView): Html {
  const h = p.history;
  const history = h
    ? html`<div class="card" id="history"><h3>Shopper ${p.userId}</h3>
<p class="small" style="margin:0 0 .6rem">${h.orders} past orders · ${pct(h.reorderRate)} reorders</p>
<h3>Top categories</h3>${bars(h.topCategories)}
<h3 style="margin-top:.8rem">Departments</h3>${bars(h.topDepartments)}
<h3 style="margin-top:.8rem">Buys often</h3>
<ul class="plain">${h.frequentProducts.slice(0, 10).map((f) => html`<li>${f.name} <span class="muted">×${f.orders}</span></li>`)}</ul>
</div>`
    : html`<div class="card"><h3>Shopper ${p.userId}</h3><p class="small muted">History not available: the dataset is not loaded or does not have this user.</p></div>`;
  const t = p.target;
  // A failed user has no page, so nothing of their next order can be on it.
  const target = t && p.status === 'ok'
    ? html`<div class="card" id="target"><h3>${t.kind === 'next order' ? 'Their next order' : 'Held-out last order'}</h3>
<div><span class="big">${t.hits.length}</span> <span class="muted">of the ${t.products} products they bought are on this page (${pct(t.recall)})</span></div>
<ul class="plain" style="margin-top:.4rem">${t.hits.map((x) => html`<li class="added">✓ ${x.name}</li>`)}</ul>
</div>`
    : '';
  return html`<aside>${target}${history}</aside>`;
}

function artefactTable(p: PageView): Html {
  return html`<table class="t" id="artefacts"><thead><tr><th>Phase</th><th>Artefact</th><th>Checksum</th><th>Cache</th><th class="n">Time</th><th class="n">Cost</th></tr></thead><tbody>${p.artefacts.map(
    (a) => html`<tr><th>${a.phase}</th><td><a class="mono" href="${artefactUrl(a.hash)}">${a.hash.slice(0, 16)}…</a></td>
<td>${a.status === 'ok' ? badge('ok', 'verified') : html`${badge(a.status)} <span class="small err">${a.problem}</span>`}</td>
<td>${a.cached === undefined ? '–' : a.cached ? 'hit' : 'computed'}</td><td class="n">${ms(a.latencyMs)}</td><td class="n">${usd(a.usage?.costUsd)}</td></tr>`,
  )}</tbody></table>`;
}

function sourceCrumbs(p: PageView): Html {
  const s = p.source;
  return s.kind === 'run'
    ? crumbs(['Runs', '/runs'], [s.runId, runUrl(s.runId)], `user ${p.userId}`)
    : crumbs(['Evals', '/evals'], [`${s.root}/${s.report}`, evalUrl(s.root, s.report, { variant: s.variant })], s.variant, `user ${p.userId}`);
}

export function pageView(p: PageView): Html {
  const trails = new Map(p.trails.map((t) => [t.themeId, t]));
  const offPage = p.trails.filter((t) => t.fate.status !== 'on-page');
  const products = p.themes.reduce((n, t) => n + t.products.length, 0);
  const failed =
    p.status === 'failed'
      ? html`<div class="callout bad" id="failure"><b>No page: this user failed.</b> ${p.error}${p.source.kind === 'run' ? html`<div class="small" style="margin-top:.3rem">Re-run it with <code>hubgen run --run-id ${p.source.runId}</code>: users already done are skipped.</div>` : ''}</div>`
      : '';
  const broken = p.artefacts.filter((a) => a.status !== 'ok');
  const unreadable = broken.length
    ? html`<div class="callout bad" id="unreadable"><b>Some of this page's artefacts cannot be trusted.</b>${broken.map((a) => html`<div class="small">${a.phase}: ${a.status} — ${a.problem} (<a href="${artefactUrl(a.hash)}">${a.hash.slice(0, 12)}</a>)</div>`)}</div>`
    : '';
  const empty = p.status === 'ok' && p.themes.length === 0 && !broken.length ? html`<div class="callout"><b>Empty page.</b> Every theme was removed or dropped; the trails below say where and why.</div>` : '';
  return html`${sourceCrumbs(p)}
<h1>${p.title ?? `User ${p.userId}`}</h1>
<p class="sub">${badge(p.status)} ${p.sourceLabel} · user ${p.userId}${p.status === 'ok' ? html` · ${p.themes.length} themes, ${products} products · page cost ${usd(p.cost.costUsd)} (${int(p.cost.inputTokens)} in / ${int(p.cost.outputTokens)} out tokens, ${plural(p.cost.calls, 'call')})` : ''} · ${ms(p.wallMs)}
· <a href="${diffUrl(p.userId, p.source)}">compare…</a> · <a href="${reportTextUrl(p.source, p.userId)}">as text</a></p>
${failed}${unreadable}${empty}
<div class="pagegrid">
<div id="page">
${p.themes.map((t, i) => themeSection(t, i, trails.get(t.id), p))}
${offPage.length
  ? html`<h2>Not on the page</h2>${offPage.map(
      (t) => html`<section class="theme off" id="theme-${t.themeId}"><header><h3>${t.title}</h3>${badge(t.fate.status)}</header><p class="desc small">${t.fate.reason}</p>${trail(t, p.themesCascade)}</section>`,
    )}`
  : ''}
${p.artefacts.length ? html`<h2>Artefacts</h2>${artefactTable(p)}` : ''}
</div>
${sidebar(p)}
</div>`;
}
