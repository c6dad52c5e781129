import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { HTTPException } from 'hono/http-exception';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import type { EvalRoot, UiData } from './data.js';
import type { PageSource, RunDetail } from './model.js';
import { parseSource, sourceParam } from './links.js';
import { pageParam } from './pagination.js';
import { plainName, UnsafePathError } from './paths.js';
import { CSS, FAVICON } from './views/style.js';
import { errorView, artefactView, searchView } from './views/misc.js';
import { layout, notFound, type Html, type LayoutOptions } from './views/layout.js';
import { runDetail, runsList } from './views/runs.js';
import { pageView } from './views/page.js';
import { diffForm, diffView } from './views/diff.js';
import { evalDetail, evalsList } from './views/evals.js';

export interface InspectorOptions {
  readonly data: UiData;
  /** Shown on the evals page: where reports are read from. */
  readonly evalRoots: readonly EvalRoot[];
  /**
   * Host header values accepted (without port). A page on another site can make a browser send
   * requests to 127.0.0.1; refusing foreign Host headers stops DNS-rebinding reads. Unset: any.
   */
  readonly allowedHosts?: readonly string[];
}

type Env = { Variables: { secureHeadersNonce?: string } };

interface Rendered {
  readonly title: string;
  readonly section?: LayoutOptions['section'];
  readonly body: Html;
}

const userParam = (c: Context, name = 'userId'): string => plainName(c.req.param(name) ?? '', 'user id');

function runSource(c: Context): PageSource {
  return { kind: 'run', runId: plainName(c.req.param('runId') ?? '', 'run id') };
}

function evalSource(c: Context): PageSource {
  return { kind: 'eval', root: plainName(c.req.param('root') ?? '', 'eval root'), report: plainName(c.req.param('report') ?? '', 'eval report'), variant: c.req.param('variant') ?? '' };
}

/**
 * The inspector: every view at one address that can be pasted, its data as JSON under /api at the
 * same path, read-only (GET and HEAD only).
 */
export function createInspectorApp({ data, evalRoots, allowedHosts }: InspectorOptions): Hono<Env> {
  const app = new Hono<Env>();

  app.use('*', async function readOnly(c, next) {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return c.text('The inspector is read-only: only GET and HEAD.', 405, { Allow: 'GET, HEAD' });
    if (allowedHosts) {
      // The node adapter builds the request URL from the Host header, so its hostname is what the client asked for.
      const host = new URL(c.req.url).hostname.replace(/^\[(.*)\]$/, '$1');
      if (!allowedHosts.includes(host)) return c.text(`Host "${host}" is not this inspector: open it at http://${allowedHosts[0]}`, 403);
    }
    await next();
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'"],
        scriptSrc: [NONCE],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
    }),
  );

  app.onError((err, c) => {
    const status = UnsafePathError.isInstance(err) ? 400 : err instanceof HTTPException ? err.status : 500;
    if (c.req.path.startsWith('/api/')) return c.json({ error: err.message }, status);
    return c.html(layout({ title: 'Error', nonce: c.get('secureHeadersNonce') }, errorView(status, err.message)), status);
  });
  app.notFound((c) => (c.req.path.startsWith('/api/') ? c.json({ error: `no such endpoint: ${c.req.path}` }, 404) : c.html(layout({ title: 'Not found', nonce: c.get('secureHeadersNonce') }, errorView(404, `Nothing at ${c.req.path}.`)), 404)));

  /**
   * One view: the HTML page at `path` and its data at /api + path, from the same loader, so the two
   * never disagree. A loader returning undefined is a 404.
   */
  function view<T>(path: string, load: (c: Context<Env>) => Promise<T | undefined>, render: (d: T, c: Context<Env>) => Rendered, missing: (c: Context<Env>) => string) {
    app.get(`/api${path}`, async (c) => {
      const d = await load(c);
      return d === undefined ? c.json({ error: missing(c) }, 404) : c.json(d);
    });
    app.get(path, async (c) => {
      const d = await load(c);
      const nonce = c.get('secureHeadersNonce');
      if (d === undefined) return c.html(layout({ title: 'Not found', nonce }, notFound(missing(c))), 404);
      const r = render(d, c);
      const url = new URL(c.req.url);
      return c.html(layout({ title: r.title, section: r.section, nonce, api: `/api${url.pathname}${url.search}` }, r.body));
    });
  }

  app.get('/', (c) => c.redirect('/runs'));
  app.get('/favicon.ico', (c) => c.body(FAVICON, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=86400' }));
  app.get('/assets/inspector.css', (c) => c.body(CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }));

  view(
    '/runs',
    (c) => data.listRuns(pageParam(c.req.query('page'))),
    (runs) => ({ title: 'Runs', section: 'runs', body: runsList(runs) }),
    () => 'no runs',
  );

  view(
    '/runs/:runId',
    (c) => {
      const filter = c.req.query('filter');
      return data.runDetail(c.req.param('runId') ?? '', { page: pageParam(c.req.query('page')), filter: (['ok', 'failed', 'empty'].includes(filter ?? '') ? filter : 'all') as RunDetail['filter'] });
    },
    (d) => ({ title: `Run ${d.run.runId}`, section: 'runs', body: runDetail(d) }),
    (c) => `No run "${c.req.param('runId')}" in this work dir.`,
  );

  const pageRoute = (path: string, source: (c: Context<Env>) => PageSource) => {
    view(
      path,
      (c) => data.page(source(c), userParam(c)),
      (p) => ({ title: `User ${p.userId} · ${p.sourceLabel}`, section: 'runs', body: pageView(p) }),
      (c) => `User ${c.req.param('userId')} has no page in ${sourceParam(source(c))}.`,
    );
    app.get(`${path}/report.txt`, async (c) => {
      const text = await data.pageReport(source(c), userParam(c));
      return text === undefined ? c.text(`User ${c.req.param('userId')} has no page in ${sourceParam(source(c))}.`, 404) : c.text(text);
    });
  };
  pageRoute('/runs/:runId/users/:userId', runSource);
  pageRoute('/evals/:root/:report/variants/:variant/users/:userId', evalSource);

  view(
    '/artefacts/:hash',
    (c) => data.artefact(c.req.param('hash') ?? ''),
    (a) => ({ title: `Artefact ${a.hash.slice(0, 12)}`, body: artefactView(a) }),
    (c) => `No artefact ${c.req.param('hash')} in the store.`,
  );

  view(
    '/evals',
    (c) => data.listEvals(pageParam(c.req.query('page'))),
    (evals) => ({ title: 'Evals', section: 'evals', body: evalsList(evals, evalRoots) }),
    () => 'no evals',
  );

  view(
    '/evals/:root/:report',
    (c) => data.evalDetail(c.req.param('root') ?? '', c.req.param('report') ?? '', { variant: c.req.query('variant'), page: pageParam(c.req.query('page')) }),
    (d) => ({ title: `Eval ${d.eval.report}`, section: 'evals', body: evalDetail(d) }),
    (c) => `No eval report ${c.req.param('root')}/${c.req.param('report')}.`,
  );

  app.get('/evals/:root/:report/plots/:file', async (c) => {
    const svg = await data.evalPlot(c.req.param('root') ?? '', c.req.param('report') ?? '', c.req.param('file') ?? '');
    // Served as an image: an <img> never runs an SVG's scripts, and the CSP forbids them anyway.
    return svg === undefined ? c.notFound() : c.body(svg, 200, { 'content-type': 'image/svg+xml', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
  });

  // Search and diff take their inputs from the query string, so a filled-in form is a deep link too.
  view(
    '/search',
    async (c) => {
      const user = c.req.query('user')?.trim();
      if (!user) throw new HTTPException(400, { message: 'Give a user id: /search?user=<id>' });
      const cursor = Math.max(0, Math.trunc(Number(c.req.query('cursor')) || 0));
      return { user: plainName(user, 'user id'), cursor, ...(await data.search(plainName(user, 'user id'), cursor)) };
    },
    (r) => ({ title: `User ${r.user}`, section: 'search', body: searchView(r.user, r, r.cursor) }),
    () => 'no results',
  );

  app.get('/api/diff', async (c) => {
    const { user, a, b } = diffInputs(c);
    if (!user || !a || !b) throw new HTTPException(400, { message: 'Give user, a and b: /api/diff?user=<id>&a=run:<id>&b=run:<id> (or eval:<root>/<report>/<variant>)' });
    const d = await data.diff(a, b, user);
    return 'missing' in d ? c.json({ error: `user ${user} has no page in ${d.missing.map(sourceParam).join(' and ')}` }, 404) : c.json(d);
  });

  app.get('/diff', async (c) => {
    const { user, a: givenA, b: givenB } = diffInputs(c);
    const nonce = c.get('secureHeadersNonce');
    const choices = user ? (await data.search(user)).hits : [];
    // With only a user, compare the two newest pages it has: the usual question is "what did the last change do".
    const a = givenA ?? choices[1]?.source;
    const b = givenB ?? (givenA ? choices.find((h) => sourceParam(h.source) !== sourceParam(givenA))?.source : choices[0]?.source);
    const form = diffForm({ userId: user, a, b, choices });
    const intro = html`<h1>Compare two pages</h1><p class="sub">One user's page from two runs, or two variants of an eval: themes added and removed, products changed, cost.</p>${form}`;
    let body: Html = intro;
    let status: 200 | 404 = 200;
    if (user && a && b) {
      const d = await data.diff(a, b, user);
      if ('missing' in d) {
        status = 404;
        body = html`${intro}<div class="callout bad">User ${user} has no page in ${d.missing.map(sourceParam).join(' and ')}.</div>`;
      } else body = html`${intro}${diffView(d)}`;
    } else if (user && choices.length < 2) body = html`${intro}<div class="callout">User ${user} has ${choices.length} page${choices.length === 1 ? '' : 's'}: nothing to compare yet.</div>`;
    return c.html(layout({ title: user ? `Diff · user ${user}` : 'Diff', section: 'diff', nonce, api: user && a && b ? `/api/diff?${new URLSearchParams({ user, a: sourceParam(a), b: sourceParam(b) })}` : undefined }, body), status);
  });

  return app;
}

function diffInputs(c: Context): { user: string | undefined; a: PageSource | undefined; b: PageSource | undefined } {
  const user = c.req.query('user')?.trim() || undefined;
  const parse = (name: string) => {
    const v = c.req.query(name)?.trim();
    if (!v) return undefined;
    const s = parseSource(v);
    if (!s) throw new HTTPException(400, { message: `${name}="${v}" is not a page source: use run:<id> or eval:<root>/<report>/<variant>` });
    return s;
  };
  return { user: user && plainName(user, 'user id'), a: parse('a'), b: parse('b') };
}
