import { html } from 'hono/html';
import type { ArtefactView, SearchHit } from '../model.js';
import { artefactUrl, pageUrl, searchUrl } from '../links.js';
import { badge, crumbs, type Html } from './layout.js';
import { when } from './format.js';

export function artefactView(a: ArtefactView): Html {
  return html`${crumbs(['Runs', '/runs'], 'artefact')}
<h1>${a.phase ?? 'Artefact'} artefact</h1>
<dl class="kv card" style="margin-bottom:1rem">
<dt>Address</dt><dd class="mono">${a.hash}</dd>
<dt>Checksum</dt><dd class="mono">${a.checksum ?? '–'}</dd>
<dt>Status</dt><dd id="checksum-status">${a.status === 'ok' ? html`${badge('ok', 'verified')} <span class="small muted">the stored data and provenance hash to this checksum, and the key hashes to this address</span>` : html`${badge('corrupt')} <span class="err">${a.problem}</span>`}</dd>
<dt>Created</dt><dd>${when(a.createdAt)}</dd>
<dt>Inputs</dt><dd>${a.inputs.map((i) => html`<div class="mono small">${i.inStore ? html`<a href="${artefactUrl(i.value)}">${i.value}</a> <span class="muted">artefact</span>` : i.value}</div>`)}</dd>
</dl>
<pre class="json">${a.json}</pre>`;
}

export function searchView(userId: string, r: { hits: readonly SearchHit[]; nextCursor: number | undefined; scanned: number; runs: number }, cursor: number): Html {
  return html`<h1>User ${userId}</h1>
<p class="sub">Runs and eval variants with a page for this user, newest run first${cursor ? ` (from run ${cursor + 1} of ${r.runs})` : ''}.</p>
<table class="t" id="hits"><thead><tr><th>Page</th><th>Status</th><th>Created</th></tr></thead><tbody>
${r.hits.length
  ? r.hits.map((h) => html`<tr><td><a href="${pageUrl(h.source, userId)}">${h.label}</a></td><td>${badge(h.status)}</td><td>${when(h.createdAt)}</td></tr>`)
  : html`<tr><td colspan="3" class="muted">No run${cursor ? ' after these' : ''} has user ${userId}.</td></tr>`}
</tbody></table>
${r.nextCursor !== undefined ? html`<div class="pager"><a href="${searchUrl(userId, r.nextCursor)}">Search older runs →</a></div>` : ''}`;
}

export function errorView(status: number, message: string): Html {
  return html`<h1>${status === 400 ? 'Bad request' : status === 404 ? 'Not found' : 'Something went wrong'}</h1><p class="sub">${message}</p><p><a href="/runs">Back to runs</a></p>`;
}
