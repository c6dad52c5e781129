import { fileURLToPath } from 'node:url';
import { seededRandom, shuffled } from '../base/random.js';
import type { Catalogue, Dataset, Order, User } from '../catalogue/types.js';
import { loadDataset } from '../datasets/load.js';

/** The bundled synthetic example store (data/example): 281 products, small enough to index in a blink. */
export const EXAMPLE_DATA_DIR = fileURLToPath(new URL('../data/example/', import.meta.url));

/**
 * `count` invented shoppers over a catalogue, the same for a given seed on every machine and in
 * every process (a test and the worker processes it spawns build the same users). Each has a taste
 * of three categories, and 3–6 orders of 3–8 lines, mostly from that taste: distinct histories, so
 * distinct prompts, so no two users share an artefact or an LLM answer.
 */
export function syntheticUsers(catalogue: Catalogue, count: number, { seed = 13 }: { seed?: number } = {}): Dataset {
  const products = [...catalogue.products.values()].filter((p) => p.available);
  const byCategory = new Map<string, string[]>();
  for (const p of products) byCategory.set(p.categoryId, [...(byCategory.get(p.categoryId) ?? []), p.id]);
  const categories = [...byCategory.keys()].sort();
  const users = new Map<string, User>();
  const ordersByUser = new Map<string, Order[]>();
  for (let i = 0; i < count; i++) {
    const random = seededRandom(seed * 1_000_003 + i);
    const id = `s${i}`;
    const taste = shuffled(categories, random).slice(0, 3);
    const seen = new Set<string>();
    const orders: Order[] = [];
    const n = 3 + Math.floor(random() * 4);
    for (let seq = 1; seq <= n; seq++) {
      const lines = new Map<string, number>();
      const size = 3 + Math.floor(random() * 6);
      for (let k = 0; k < size; k++) {
        const pool = random() < 0.75 ? byCategory.get(taste[Math.floor(random() * taste.length)])! : products.map((p) => p.id);
        const pid = pool[Math.floor(random() * pool.length)];
        lines.set(pid, (lines.get(pid) ?? 0) + 1);
      }
      orders.push({
        id: `${id}-o${seq}`,
        userId: id,
        seq,
        day: (seq - 1) * 7,
        dow: Math.floor(random() * 7),
        hour: 8 + Math.floor(random() * 12),
        lines: [...lines].map(([productId, quantity]) => ({ productId, quantity, reordered: seen.has(productId) })),
      });
      for (const pid of lines.keys()) seen.add(pid);
    }
    users.set(id, { id, segment: 'synthetic', preferences: [] });
    ordersByUser.set(id, orders);
  }
  return { name: `synthetic-${count}`, catalogue, users, ordersByUser };
}

/** The example store's catalogue with `count` synthetic users. */
export async function syntheticDataset(count: number, options: { seed?: number } = {}): Promise<Dataset> {
  const { dataset } = await loadDataset(EXAMPLE_DATA_DIR);
  return syntheticUsers(dataset.catalogue, count, options);
}
