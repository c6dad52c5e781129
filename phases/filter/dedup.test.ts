import { describe, expect, it } from 'vitest';
import { hashingEmbedder } from '../../testing/hashing-embedder.js';
import { dedupKeywords, dedupThemes } from './dedup.js';

const embedder = hashingEmbedder();
const theme = (id: string, title: string, concepts: string[]) => ({ id, title, concepts });

describe('dedupThemes', () => {
  it('removes the worse-ranked of two near-duplicate themes and keeps distinct ones', async () => {
    const themes = [
      theme('greek-yogurt', 'Greek yogurt breakfast', ['greek yogurt', 'granola', 'fresh berries', 'honey']),
      theme('pasta', 'Weeknight pasta night', ['spaghetti', 'marinara sauce', 'parmesan']),
      theme('greek-yogurt-2', 'Greek yogurt breakfasts', ['greek yogurt', 'granola', 'berries', 'honey']),
      theme('yogurt-bowls', 'Breakfast bowls with Greek yogurt', ['greek yogurt', 'granola', 'fresh berries', 'honey']),
    ];
    const { kept, removals } = await dedupThemes(themes, embedder, 0.8);
    expect(kept.map((t) => t.id)).toEqual(['greek-yogurt', 'pasta']);
    expect(removals.map((r) => [r.themeId, r.step, r.kind])).toEqual([
      ['greek-yogurt-2', 'dedup', 'theme'],
      ['yogurt-bowls', 'dedup', 'theme'],
    ]);
    // The plural variant is the same theme after normalisation; the reworded one is caught by its embedding.
    expect(removals[0].reason).toBe("exact duplicate of 'Greek yogurt breakfast' after normalisation");
    expect(removals[1].reason).toMatch(/^near-duplicate of 'Greek yogurt breakfast' \(cos 0\.\d\d\)$/);
    expect(removals[1].score).toBeGreaterThanOrEqual(0.8);
  });

  it('keeps everything when nothing reaches the threshold', async () => {
    const themes = [theme('a', 'Greek yogurt breakfast', ['greek yogurt']), theme('b', 'Backyard barbecue', ['burgers', 'hot dog buns'])];
    const { kept, removals } = await dedupThemes(themes, embedder, 0.5);
    expect(kept).toHaveLength(2);
    expect(removals).toEqual([]);
  });

  it('uses the threshold: a lower threshold removes more', async () => {
    const themes = [theme('a', 'Greek yogurt breakfast', ['greek yogurt', 'granola']), theme('b', 'Granola snacks', ['granola', 'greek yogurt', 'trail mix'])];
    const strict = await dedupThemes(themes, embedder, 0.99);
    const loose = await dedupThemes(themes, embedder, 0.3);
    expect(strict.kept).toHaveLength(2);
    expect(loose.kept.map((t) => t.id)).toEqual(['a']);
  });
});

describe('dedupKeywords', () => {
  it('removes duplicates within a theme and across themes, the better-ranked theme keeping the keyword', async () => {
    const themes = [
      { id: 't1', title: 'Breakfast', keywords: [{ text: 'greek yogurt' }, { text: 'Greek Yogurts' }, { text: 'granola' }] },
      { id: 't2', title: 'Snacks', keywords: [{ text: 'granola' }, { text: 'trail mix' }, { text: 'plain greek yogurt' }] },
    ];
    const { kept, removals } = await dedupKeywords(themes, embedder, 0.75);
    expect(kept.map((t) => t.keywords.map((k) => k.text))).toEqual([['greek yogurt', 'granola'], ['trail mix']]);
    expect(removals.map((r) => [r.themeId, r.item, r.kind, r.step])).toEqual([
      ['t1', 'Greek Yogurts', 'keyword', 'dedup'],
      ['t2', 'granola', 'keyword', 'dedup'],
      ['t2', 'plain greek yogurt', 'keyword', 'dedup'],
    ]);
    expect(removals[0].reason).toBe("exact duplicate of 'greek yogurt' in the same theme after normalisation");
    expect(removals[1].reason).toBe("exact duplicate of 'granola' in theme 'Breakfast' after normalisation");
    expect(removals[2].reason).toMatch(/^near-duplicate of 'greek yogurt' in theme 'Breakfast' \(cos 0\.\d\d\)$/);
  });
});
