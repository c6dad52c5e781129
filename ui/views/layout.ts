import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Paged } from '../model.js';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface LayoutOptions {
  readonly title: string;
  /** Which top-level section to highlight. */
  readonly section?: 'runs' | 'evals' | 'diff' | 'search';
  /** The JSON twin of this page, linked in the footer. */
  readonly api?: string;
  /** CSP nonce for the one inline script. */
  readonly nonce?: string;
}

// The only script: a trail opened by a link (#trail-…) opens on arrival, and opening or closing one
// updates the address bar, so the URL of an expanded trail can be pasted as it is.
const SCRIPT = `
const open = () => { const el = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1))); if (el && el.tagName === 'DETAILS') { el.open = true; el.scrollIntoView({ block: 'start' }); } };
open(); addEventListener('hashchange', open);
document.querySelectorAll('details[id]').forEach((d) => d.addEventListener('toggle', () => { if (d.open) history.replaceState(null, '', '#' + d.id); else if (location.hash === '#' + d.id) history.replaceState(null, '', location.pathname + location.search); }));
`;

export function layout({ title, section, api, nonce }: LayoutOptions, body: Html): Html {
  const nav = (id: LayoutOptions['section'], href: string, label: string) => html`<a href="${href}" class="${section === id ? 'on' : ''}">${label}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · hubgen inspector</title>
<link rel="stylesheet" href="/assets/inspector.css">
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
</head>
<body>
<header class="top"><div class="wrap">
<a class="brand" href="/runs">hubgen <span>inspector</span></a>
<nav>${nav('runs', '/runs', 'Runs')}${nav('evals', '/evals', 'Evals')}${nav('diff', '/diff', 'Diff')}</nav>
<form action="/search" method="get" role="search"><input name="user" placeholder="User id" inputmode="numeric" aria-label="User id"><button>Find</button></form>
</div></header>
<main class="wrap">${body}
${api ? html`<p class="muted small" style="margin-top:2.5rem">Data for this view: <a href="${api}"><code>${api}</code></a></p>` : ''}
</main>
<script nonce="${nonce ?? ''}">${raw(SCRIPT)}</script>
</body>
</html>`;
}

export function pager<T>(p: Paged<T>, urlFor: (page: number) => string, noun: string): Html {
  if (p.pages <= 1) return html`<div class="pager">${p.total} ${noun}</div>`;
  return html`<nav class="pager" aria-label="pages">
${p.page > 1 ? html`<a href="${urlFor(p.page - 1)}" rel="prev">← Previous</a>` : ''}
<span class="cur">page ${p.page} of ${p.pages}</span>
${p.page < p.pages ? html`<a href="${urlFor(p.page + 1)}" rel="next">Next →</a>` : ''}
<span>${p.total} ${noun}</span>
</nav>`;
}

export function badge(kind: string, text: string = kind): Html {
  return html`<span class="badge ${kind}">${text}</span>`;
}

export function crumbs(...parts: (readonly [string, string] | string)[]): Html {
  return html`<div class="crumbs">${parts.map((p, i) => html`${i ? ' › ' : ''}${typeof p === 'string' ? p : html`<a href="${p[1]}">${p[0]}</a>`}`)}</div>`;
}

export function notFound(what: string, hint: Html | string = ''): Html {
  return html`<h1>Not found</h1><p class="sub">${what}</p>${hint}`;
}
