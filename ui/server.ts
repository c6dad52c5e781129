import { basename, join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createInspectorApp } from './app.js';
import { createUiData, type EvalRoot } from './data.js';
import type { Dataset } from '../catalogue/types.js';

export interface StartInspectorOptions {
  readonly workDir: string;
  /** @default 4310; 0 picks a free port. */
  readonly port?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** Folders of eval reports to browse besides <workDir>/evals. */
  readonly evalDirs?: readonly string[];
  readonly loadDataset?: () => Promise<Dataset | undefined>;
}

export interface RunningInspector {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

/** "docs" for ./docs; repeated names get a suffix, so every root has its own URL segment. */
export function evalRootsOf(workDir: string, dirs: readonly string[]): EvalRoot[] {
  const used = new Set(['work']);
  return dirs.map((d) => {
    const base = basename(resolve(d)).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'evals';
    let label = base;
    for (let i = 2; used.has(label); i++) label = `${base}-${i}`;
    used.add(label);
    return { label, dir: resolve(d) };
  });
}

/** Serves the inspector until close(). Bound to loopback unless told otherwise, and then it answers only to loopback names. */
export async function startInspector({ workDir, port = 4310, host = '127.0.0.1', evalDirs = [], loadDataset }: StartInspectorOptions): Promise<RunningInspector> {
  const evalRoots = evalRootsOf(workDir, evalDirs);
  const data = createUiData({ workDir, evalRoots, loadDataset });
  const app = createInspectorApp({ data, evalRoots: [{ label: 'work', dir: join(resolve(workDir), 'evals') }, ...evalRoots], allowedHosts: LOOPBACK.includes(host) ? LOOPBACK : undefined });
  return new Promise((resolveStart, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
      const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolveStart({
        url: `http://${shown}:${info.port}`,
        port: info.port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          // Keep-alive connections from a browser would hold close() open until they time out.
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        }),
      });
    });
    server.once('error', reject);
  });
}
