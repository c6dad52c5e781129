import { describe, expect, it } from 'vitest';
import { categoryLinks, NAME_FOLDS, PLACEHOLDER_NAMES, resolveNames, resolvePlacement } from './names.js';
import type { Catalogue } from './types.js';
import { catalogueOf } from '../testing/catalogue-builder.js';

function catalogue(): Catalogue {
  return catalogueOf({
    departments: [['d16', 'dairy eggs'], ['d14', 'breakfast'], ['d2', 'other'], ['d7', 'beverages']],
    categories: [['a120', 'yogurt', 'd16'], ['a57', 'granola', 'd14'], ['a6', 'other', 'd2'], ['a9', 'dairy & eggs category', 'd16'], ['a31', 'refrigerated', 'd7']],
    products: [[1, 'a120'], [2, 'a120'], [3, 'a57'], [4, 'a57'], [5, 'a6'], [6, 'a31'], [7, 'a31'], [8, 'a31']].map(([id, categoryId]) => ({ id, name: `p${id}`, categoryId })),
  });
}

describe('categoryLinks', () => {
  it("gives each category its tree's department, and counts its products", () => {
    const links = categoryLinks(catalogue());
    expect(Object.fromEntries(links.departmentOfCategory)).toEqual({ a120: 'd16', a57: 'd14', a6: 'd2', a9: 'd16', a31: 'd7' });
    expect(Object.fromEntries(links.productsPerCategory)).toEqual({ a120: 2, a57: 2, a6: 1, a31: 3 });
  });

  it('is computed once per catalogue object', () => {
    const c = catalogue();
    expect(categoryLinks(c)).toBe(categoryLinks(c));
    expect(categoryLinks(catalogue())).not.toBe(categoryLinks(c));
  });
});

describe('resolveNames', () => {
  it('maps names to ids once each, in first-named order, with the catalogue spelling, and reports unknown names as written', () => {
    expect(resolveNames(catalogue(), 'category', [' Granola ', 'YOGURT', 'granola', 'moon cheese'], 'case')).toEqual({
      ids: ['a57', 'a120'],
      names: ['granola', 'yogurt'],
      unknown: ['moon cheese'],
    });
    expect(resolveNames(catalogue(), 'department', ['Breakfast', 'bakery'], 'spaces')).toEqual({ ids: ['d14'], names: ['breakfast'], unknown: ['bakery'] });
  });

  it('matches as loosely as the fold says, and no looser', () => {
    const c = catalogue();
    const ids = (names: string[], fold: 'text' | 'spaces' | 'case') => resolveNames(c, 'department', names, fold).ids;
    // Doubled white space: only the case fold keeps it.
    expect(ids(['dairy  eggs'], 'case')).toEqual([]);
    expect(ids(['dairy  eggs'], 'spaces')).toEqual(['d16']);
    expect(ids(['dairy  eggs'], 'text')).toEqual(['d16']);
    // Punctuation: only the text fold drops it, on both sides.
    expect(ids(['Dairy & Eggs'], 'spaces')).toEqual([]);
    expect(ids(['Dairy & Eggs'], 'text')).toEqual(['d16']);
    expect(resolveNames(c, 'category', ['dairy eggs category'], 'text').ids).toEqual(['a9']);
    expect(resolveNames(c, 'category', ['dairy eggs category'], 'spaces').ids).toEqual([]);
  });

  it('folds names exactly as the phases did', () => {
    expect(NAME_FOLDS.case('  Dairy  Eggs ')).toBe('dairy  eggs');
    expect(NAME_FOLDS.spaces('  Dairy \t Eggs ')).toBe('dairy eggs');
    expect(NAME_FOLDS.text("Ben & Jerry's 2%")).toBe('ben jerrys 2%');
  });
});

describe('resolvePlacement', () => {
  it('adds the named categories’ departments after the named departments, and lists unknown categories before unknown departments', () => {
    expect(resolvePlacement(catalogue(), ['refrigerated', 'moon cheese', 'yogurt'], ['Breakfast', 'bakery', 'beverages'], 'spaces')).toEqual({
      categoryIds: ['a31', 'a120'],
      departmentIds: ['d14', 'd7', 'd16'],
      unknown: ['moon cheese', 'bakery'],
    });
  });

  it('places nothing for no names', () => {
    expect(resolvePlacement(catalogue(), [], [], 'text')).toEqual({ categoryIds: [], departmentIds: [], unknown: [] });
  });
});

describe('PLACEHOLDER_NAMES', () => {
  it('are the Instacart placeholder categories', () => {
    expect([...PLACEHOLDER_NAMES].sort()).toEqual(['missing', 'other']);
  });
});
