import { describe, expect, it } from 'vitest';
import { postProcessThemes } from './postprocess.js';
import { sliceCatalogue } from '../../testing/themes-fixture.js';
import type { Theme, Themes } from './schema.js';

const theme = (over: Partial<Theme>): Theme => ({
  id: 'fruit',
  kind: 'discovery',
  title: 'Fresh fruit',
  description: 'Fruit you buy every week.',
  concepts: ['banana'],
  categories: [],
  departments: [],
  confidence: 0.8,
  ...over,
});
const catalogue = sliceCatalogue();
const limits = { minThemes: 2, maxThemes: 3 };

describe('postProcessThemes', () => {
  it('maps category and department names to the catalogue spelling, case-insensitively', () => {
    const raw: Themes = { pageTitle: 'Hub', themes: [theme({ categories: ['Fresh Fruits', ' YOGURT '], departments: ['Produce'] }), theme({ id: 'b' })] };
    const { themes, warnings } = postProcessThemes(raw, catalogue, limits);
    expect(themes.themes[0].categories).toEqual(['fresh fruits', 'yogurt']);
    expect(themes.themes[0].departments).toEqual(['produce']);
    expect(warnings).toEqual([]);
  });

  it('drops names the catalogue does not have, with a warning each, and de-duplicates', () => {
    const raw: Themes = { pageTitle: 'Hub', themes: [theme({ categories: ['fresh fruits', 'Space Food', 'FRESH FRUITS'], departments: ['produce', 'moon'] }), theme({ id: 'b' })] };
    const { themes, warnings, droppedNames } = postProcessThemes(raw, catalogue, limits);
    expect(themes.themes[0].categories).toEqual(['fresh fruits']);
    expect(themes.themes[0].departments).toEqual(['produce']);
    expect(droppedNames).toBe(2);
    expect(warnings).toEqual(['theme "fruit": unknown category "Space Food" dropped', 'theme "fruit": unknown department "moon" dropped']);
  });

  it('fills departments from categories when the model named none that exist', () => {
    const raw: Themes = { pageTitle: 'Hub', themes: [theme({ categories: ['dry pasta', 'yogurt'], departments: ['Italian'] }), theme({ id: 'b' })] };
    const { themes } = postProcessThemes(raw, catalogue, limits);
    expect(themes.themes[0].departments).toEqual(['dry goods pasta', 'dairy eggs']);
  });

  it('clamps to maxThemes, warns below minThemes, and makes ids unique', () => {
    const many: Themes = { pageTitle: 'Hub', themes: ['a', 'b', 'a', 'c'].map((id) => theme({ id })) };
    const clamped = postProcessThemes(many, catalogue, limits);
    expect(clamped.themes.themes.map((t) => t.id)).toEqual(['a', 'b', 'a-2']);
    expect(clamped.warnings.join('\n')).toMatch(/4 themes clamped to maxThemes 3/);
    const one = postProcessThemes({ pageTitle: 'Hub', themes: [theme({})] }, catalogue, limits);
    expect(one.warnings.join('\n')).toMatch(/fewer than minThemes 2/);
  });
});
