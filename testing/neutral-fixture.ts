import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small valid dataset in the neutral format: CSV products with a mixed-depth tree, JSONL users, CSV events. */
export function neutralFiles(): Record<string, string> {
  return {
    'products.csv': [
      'id,name,category,brand,price,size,tags,available',
      'p1,Greek Yogurt,Dairy & Eggs > Yogurt,Green Valley,2.49,500 g,organic|High Protein,true',
      'p2,"Cheddar, Mature",Dairy & Eggs > Cheese > Hard Cheese,,4.10,200 g,,1',
      'p3,Sourdough Loaf,Bakery,Harbor Farms,3.00,,,',
      'p4,Frozen Peas,Frozen > Vegetables,,1.20,1 kg,,0',
      'p5,Plain Yogurt,Dairy & Eggs > Yogurt,,1.10,,,true',
    ].join('\n') + '\n',
    'users.jsonl': [
      JSON.stringify({ id: 'u1', segment: 'loyalty', preferences: ['vegetarian'] }),
      JSON.stringify({ id: 'u2' }),
      JSON.stringify({ id: 'u3', segment: 'new' }),
    ].join('\n') + '\n',
    'events.csv': [
      'user_id,order_id,timestamp,seq,product_id,quantity',
      'u1,o2,2024-03-08T10:00:00Z,,p1,2',
      'u1,o1,2024-03-01T18:30:00Z,,p1,',
      'u1,o1,2024-03-01T18:31:00Z,,p3,1',
      'u1,o2,2024-03-08T10:00:05Z,,p2,1',
      'u2,,,2,p1,1',
      'u2,,,1,p5,1',
      'u2,,,1,p4,3',
    ].join('\n') + '\n',
  };
}

/** Writes files (name → text) into a fresh temp dir; `remove` deletes it. */
export async function writeFiles(files: Record<string, string>): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hubgen-neutral-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
