import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalRootsOf, startInspector, type RunningInspector } from './server.js';

const HUBGEN = fileURLToPath(new URL('../scripts/hubgen.mjs', import.meta.url));

/** A raw GET: the path goes out exactly as given (fetch would normalise "..") with the Host header we choose. */
function rawGet(url: string, path: string, host?: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startInspector', () => {
  let work: string;
  let inspector: RunningInspector;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hubgen-ui-server-'));
    inspector = await startInspector({ workDir: work, port: 0 });
  });
  afterAll(async () => {
    await inspector.close();
    await rm(work, { recursive: true, force: true });
  });

  it('binds 127.0.0.1 by default', () => {
    expect(inspector.url).toBe(`http://127.0.0.1:${inspector.port}`);
  });

  it('answers to loopback names and refuses any other Host (DNS rebinding)', async () => {
    expect((await rawGet(inspector.url, '/api/runs')).status).toBe(200);
    expect((await rawGet(inspector.url, '/api/runs', `localhost:${inspector.port}`)).status).toBe(200);
    const evil = await rawGet(inspector.url, '/api/runs', 'attacker.example');
    expect(evil.status).toBe(403);
    expect(evil.body).not.toContain('items');
  });

  it('refuses a raw ".." path that no browser would normalise first', async () => {
    for (const path of ['/runs/../../../etc/passwd', '/artefacts/../../etc/passwd', '/evals/work/x/plots/../../../../etc/passwd']) {
      const res = await rawGet(inspector.url, path);
      expect([400, 404]).toContain(res.status);
      expect(res.body).not.toContain('root:');
    }
  });
});

describe('evalRootsOf', () => {
  it('names each folder by its base name, unique and URL-safe', () => {
    expect(evalRootsOf('/w', ['/a/docs', '/b/docs', '/c/my evals', '/d/.hidden']).map((r) => r.label)).toEqual(['docs', 'docs-2', 'my-evals', 'hidden']);
  });

  it('never reuses "work", the label of <workDir>/evals', () => {
    expect(evalRootsOf('/w', ['/x/work']).map((r) => r.label)).toEqual(['work-2']);
  });
});

describe('hubgen ui', () => {
  it('prints its address, serves, and exits cleanly on SIGTERM', async () => {
    const work = await mkdtemp(join(tmpdir(), 'hubgen-ui-cli-'));
    try {
      const child = spawn(process.execPath, [HUBGEN, '--work-dir', work, 'ui', '--port', '0'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d;
          const m = /^hubgen inspector on (http:\/\/127\.0\.0\.1:\d+) \(work dir .+; read-only; Ctrl-C to stop\)$/m.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`hubgen ui exited ${code} before listening: ${out}`)));
      });
      expect((await fetch(`${url}/api/runs`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 60_000);
});
