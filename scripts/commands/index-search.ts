import type { Command } from 'commander';
import { ensureIndexed, withHubgen, type GlobalOptions } from './shared.js';
import { COLLECTIONS } from '../../retrieval/collections.js';
import { NAME_FOLDS } from '../../catalogue/names.js';

export function registerIndexCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('index')
    .description('embed the keyword corpus and the product catalogue into the vector store (reuses what is current)')
    .option('--force', 're-embed and re-upsert everything')
    .action(async (opts: { force?: boolean }) => {
      await withHubgen(globals(), async (hubgen) => {
        const rt = hubgen.runtime;
        const t0 = performance.now();
        const summaries = await ensureIndexed(hubgen, { force: opts.force });
        const kinds = new Map<string, number>();
        for (const t of rt.ctx.corpus.terms) kinds.set(t.kind, (kinds.get(t.kind) ?? 0) + 1);
        const stats = (rt.ctx.embedder as { stats?: () => { hits: number; misses: number } }).stats?.();
        console.log(
          [
            `catalogue: ${rt.ctx.catalogue.products.size} products, ${rt.ctx.catalogue.categories.size} categories, ${rt.ctx.catalogue.departments.size} departments`,
            `keyword corpus: ${rt.ctx.corpus.terms.length} terms (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')})`,
            ...summaries.map((s) => `${s.collection}: ${s.points} points, ${s.reused ? 'reused' : 'written'}`),
            stats ? `embedding cache: ${stats.hits} hits, ${stats.misses} newly embedded` : '',
            `done in ${((performance.now() - t0) / 1000).toFixed(1)}s`,
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });

  program
    .command('search <text>')
    .description('show the nearest keywords and products for a text')
    .option('-k, --top <n>', 'results per collection', (v) => Number.parseInt(v, 10), 10)
    .option('--category <name>', 'restrict products to a category (name)')
    .action(async (text: string, opts: { top: number; category?: string }) => {
      await withHubgen(globals(), async (hubgen) => {
        const rt = hubgen.runtime;
        await ensureIndexed(hubgen, { quiet: true });
        const [v] = await rt.ctx.embedder.embed([text]);
        // Case-blind: Instacart's category names are lower case, a retailer's usually are not.
        const category = opts.category ? [...rt.ctx.catalogue.categories.values()].find((a) => NAME_FOLDS.case(a.name) === NAME_FOLDS.case(opts.category!)) : undefined;
        if (opts.category && !category) throw new Error(`--category: no category named "${opts.category}"`);
        const keywords = await rt.ctx.vectors.search(COLLECTIONS.keywords, v, { k: opts.top });
        const products = await rt.ctx.vectors.search(COLLECTIONS.products, v, {
          k: opts.top,
          filter: category ? { must: [{ key: 'categoryId', match: { value: category.id } }] } : undefined,
        });
        const categoryName = (id: string) => rt.ctx.catalogue.categories.get(id)?.name ?? String(id);
        console.log(`keywords for "${text}":`);
        for (const h of keywords) {
          const categories = (h.payload.categories as string[]).slice(0, 3).map(categoryName).join(', ');
          console.log(`  ${h.score.toFixed(3)}  ${String(h.payload.text).padEnd(32)} ${String(h.payload.kind).padEnd(10)} df=${h.payload.df}  [${categories}]`);
        }
        console.log(`products for "${text}"${category ? ` in ${category.name}` : ''}:`);
        for (const h of products) {
          console.log(`  ${h.score.toFixed(3)}  ${String(h.payload.name).slice(0, 60).padEnd(60)} ${categoryName(String(h.payload.categoryId))}`);
        }
      });
    });
}
