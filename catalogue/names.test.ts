import { describe, expect, it } from 'vitest';
import { aisleLinks, NAME_FOLDS, PLACEHOLDER_NAMES, resolveNames, resolvePlacement } from './names.js';
import type { Catalogue, Product } from './types.js';

function catalogue(): Catalogue {
  const aisles: [number, string][] = [[120, 'yogurt'], [57, 'granola'], [6, 'other'], [9, 'dairy & eggs aisle'], [31, 'refrigerated']];
  const departments: [number, string][] = [[16, 'dairy eggs'], [14, 'breakfast'], [2, 'other'], [7, 'beverages']];
  // Aisle 31 has two products in department 7 and one in 16; aisle 57's vote is a tie (lower id wins).
  const products: [number, number, number][] = [[1, 120, 16], [2, 120, 16], [3, 57, 16], [4, 57, 14], [5, 6, 2], [6, 31, 16], [7, 31, 7], [8, 31, 7]];
  return {
    aisles: new Map(aisles.map(([id, name]) => [id, { id, name }])),
    departments: new Map(departments.map(([id, name]) => [id, { id, name }])),
    products: new Map(products.map(([id, aisleId, departmentId]): [number, Product] => [id, { id, name: `p${id}`, aisleId, departmentId }])),
  };
}

describe('aisleLinks', () => {
  it('gives each aisle the department most of its products sit in, the lower id on a tie, and counts its products', () => {
    const links = aisleLinks(catalogue());
    expect(Object.fromEntries(links.departmentOfAisle)).toEqual({ 120: 16, 57: 14, 6: 2, 31: 7 });
    expect(Object.fromEntries(links.productsPerAisle)).toEqual({ 120: 2, 57: 2, 6: 1, 31: 3 });
    expect(links.departmentOfAisle.has(9)).toBe(false);
  });

  it('is computed once per catalogue object', () => {
    const c = catalogue();
    expect(aisleLinks(c)).toBe(aisleLinks(c));
    expect(aisleLinks(catalogue())).not.toBe(aisleLinks(c));
  });
});

describe('resolveNames', () => {
  it('maps names to ids once each, in first-named order, with the catalogue spelling, and reports unknown names as written', () => {
    expect(resolveNames(catalogue(), 'aisle', [' Granola ', 'YOGURT', 'granola', 'moon cheese'], 'case')).toEqual({
      ids: [57, 120],
      names: ['granola', 'yogurt'],
      unknown: ['moon cheese'],
    });
    expect(resolveNames(catalogue(), 'department', ['Breakfast', 'bakery'], 'spaces')).toEqual({ ids: [14], names: ['breakfast'], unknown: ['bakery'] });
  });

  it('matches as loosely as the fold says, and no looser', () => {
    const c = catalogue();
    const ids = (names: string[], fold: 'text' | 'spaces' | 'case') => resolveNames(c, 'department', names, fold).ids;
    // Doubled white space: only the case fold keeps it.
    expect(ids(['dairy  eggs'], 'case')).toEqual([]);
    expect(ids(['dairy  eggs'], 'spaces')).toEqual([16]);
    expect(ids(['dairy  eggs'], 'text')).toEqual([16]);
    // Punctuation: only the text fold drops it, on both sides.
    expect(ids(['Dairy & Eggs'], 'spaces')).toEqual([]);
    expect(ids(['Dairy & Eggs'], 'text')).toEqual([16]);
    expect(resolveNames(c, 'aisle', ['dairy eggs aisle'], 'text').ids).toEqual([9]);
    expect(resolveNames(c, 'aisle', ['dairy eggs aisle'], 'spaces').ids).toEqual([]);
  });

  it('folds names exactly as the phases did', () => {
    expect(NAME_FOLDS.case('  Dairy  Eggs ')).toBe('dairy  eggs');
    expect(NAME_FOLDS.spaces('  Dairy \t Eggs ')).toBe('dairy eggs');
    expect(NAME_FOLDS.text("Ben & Jerry's 2%")).toBe('ben jerrys 2%');
  });
});

describe('resolvePlacement', () => {
  it('adds the named aisles’ departments after the named departments, and lists unknown aisles before unknown departments', () => {
    expect(resolvePlacement(catalogue(), ['refrigerated', 'moon cheese', 'yogurt'], ['Breakfast', 'bakery', 'beverages'], 'spaces')).toEqual({
      aisleIds: [31, 120],
      departmentIds: [14, 7, 16],
      unknown: ['moon cheese', 'bakery'],
    });
  });

  it('places nothing for no names', () => {
    expect(resolvePlacement(catalogue(), [], [], 'text')).toEqual({ aisleIds: [], departmentIds: [], unknown: [] });
  });
});

describe('PLACEHOLDER_NAMES', () => {
  it('are the Instacart placeholder categories', () => {
    expect([...PLACEHOLDER_NAMES].sort()).toEqual(['missing', 'other']);
  });
});
