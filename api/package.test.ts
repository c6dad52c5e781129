import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * `import { createHubgen } from 'hubgen'` as a consumer gets it: the built dist/ through the
 * package's `exports` (Node resolves a package's own name from inside it), plain Node with no
 * TypeScript loader, and the emitted declarations under a strict NodeNext compile.
 */
describe('the hubgen package', () => {
  let workDir: string;
  const consumerTs = join(ROOT, 'dist', 'consumer-check.ts');

  beforeAll(async () => {
    await run(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT });
    workDir = await mkdtemp(join(tmpdir(), 'hubgen-pkg-'));
  }, 180_000);

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
    await rm(consumerTs, { force: true });
  });

  it('runs a page from the built JavaScript through the package exports, in plain Node', async () => {
    const script = `
      import { createHubgen, pageExportSchema } from 'hubgen';
      const hubgen = await createHubgen({ config: { dataDir: 'data/example', workDir: ${JSON.stringify(workDir)} }, env: {} });
      const [user] = hubgen.selectUsers('sample:1').users;
      const { page, record } = await hubgen.generatePage(user);
      console.log(JSON.stringify({ user, themes: page.themes.length, format: record.format, schema: pageExportSchema.$id }));
      await hubgen.close();
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 150_000 });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(out.themes).toBeGreaterThan(0);
    expect(out).toMatchObject({ format: 'hubgen.page-export.v1', schema: 'hubgen.page-export.v1' });
  }, 180_000);

  it('types a consumer from the emitted declarations, and rejects a misuse', async () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', consumerTs];
    await writeFile(
      consumerTs,
      `import { createHubgen, type GeneratedPage, type PageExportRecord } from 'hubgen';
       const hubgen = await createHubgen({ config: { workDir: '/tmp/x' } });
       const page: GeneratedPage = await hubgen.generatePage('1');
       const ids: string[] = page.page.themes.flatMap((t) => t.products.map((p) => p.productId));
       const record: PageExportRecord = page.record;
       export { ids, record };\n`,
    );
    await run(process.execPath, [tsc, ...args], { cwd: ROOT });
    // A product id is a string: treating it as a number must not type-check.
    await writeFile(consumerTs, `import { createHubgen } from 'hubgen';\nconst h = await createHubgen();\nconst n: number = (await h.generatePage('1')).page.themes[0].products[0].productId;\nexport { n };\n`);
    const failed = await run(process.execPath, [tsc, ...args], { cwd: ROOT }).then(() => undefined, (e: { stdout: string }) => e.stdout);
    expect(failed).toMatch(/productId[\s\S]*not assignable to type 'number'|Type 'string' is not assignable to type 'number'/);
  }, 120_000);
});
