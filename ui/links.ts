import type { PageSource } from './model.js';

/**
 * Every URL the inspector links to, built in one place so each view has one address that can be
 * pasted: the same address serves the page and, under /api, its data.
 */
const seg = encodeURIComponent;

export const runsUrl = (page = 1): string => (page > 1 ? `/runs?page=${page}` : '/runs');
export const runUrl = (runId: string, opts: { page?: number; filter?: string } = {}): string => {
  const q = new URLSearchParams();
  if (opts.filter && opts.filter !== 'all') q.set('filter', opts.filter);
  if (opts.page && opts.page > 1) q.set('page', String(opts.page));
  return `/runs/${seg(runId)}${q.size ? `?${q}` : ''}`;
};
export const evalsUrl = (page = 1): string => (page > 1 ? `/evals?page=${page}` : '/evals');
export const evalUrl = (root: string, report: string, opts: { variant?: string; page?: number } = {}): string => {
  const q = new URLSearchParams();
  if (opts.variant) q.set('variant', opts.variant);
  if (opts.page && opts.page > 1) q.set('page', String(opts.page));
  return `/evals/${seg(root)}/${seg(report)}${q.size ? `?${q}` : ''}`;
};
export const plotUrl = (root: string, report: string, id: string): string => `/evals/${seg(root)}/${seg(report)}/plots/${seg(id)}.svg`;

export const pageUrl = (source: PageSource, userId: string): string =>
  source.kind === 'run' ? `/runs/${seg(source.runId)}/users/${seg(userId)}` : `/evals/${seg(source.root)}/${seg(source.report)}/variants/${seg(source.variant)}/users/${seg(userId)}`;
export const reportTextUrl = (source: PageSource, userId: string): string => `${pageUrl(source, userId)}/report.txt`;
export const artefactUrl = (hash: string): string => `/artefacts/${seg(hash)}`;
export const searchUrl = (userId: string, cursor?: number): string => `/search?user=${seg(userId)}${cursor ? `&cursor=${cursor}` : ''}`;

/** A page source as one query value: "run:<id>" or "eval:<root>/<report>/<variant>". */
export function sourceParam(s: PageSource): string {
  return s.kind === 'run' ? `run:${s.runId}` : `eval:${s.root}/${s.report}/${s.variant}`;
}

export function parseSource(text: string | undefined): PageSource | undefined {
  if (!text) return undefined;
  const run = /^run:(.+)$/.exec(text);
  if (run) return { kind: 'run', runId: run[1] };
  const ev = /^eval:([^/]+)\/([^/]+)\/(.+)$/.exec(text);
  return ev ? { kind: 'eval', root: ev[1], report: ev[2], variant: ev[3] } : undefined;
}

export const diffUrl = (userId: string, a?: PageSource, b?: PageSource): string => {
  const q = new URLSearchParams({ user: userId });
  if (a) q.set('a', sourceParam(a));
  if (b) q.set('b', sourceParam(b));
  return `/diff?${q}`;
};

/** The JSON twin of an HTML address. */
export const apiUrl = (url: string): string => `/api${url}`;
