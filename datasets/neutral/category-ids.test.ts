import { describe, expect, it } from 'vitest';
import { categoryIds, slug, splitCategoryPath } from './category-ids.js';

describe('slug', () => {
  it('keeps letters and digits of any script in lower case and folds everything else to one "-"', () => {
    expect(slug('Dairy & Eggs')).toBe('dairy-eggs');
    expect(slug('  Crème Fraîche ')).toBe('creme-fraiche');
    expect(slug('Fruit/Veg 2-for-1')).toBe('fruit-veg-2-for-1');
    expect(slug('日本の食品')).toBe('日本の食品');
    expect(slug('&')).toBe('');
  });
});

describe('categoryIds', () => {
  it('joins the slugs of the path so far with "/", top level first', () => {
    expect(categoryIds(['Dairy & Eggs', 'Cheese', 'Hard Cheese'])).toEqual(['dairy-eggs', 'dairy-eggs/cheese', 'dairy-eggs/cheese/hard-cheese']);
  });

  it('gives a one-level path one id, the department and category at once', () => {
    expect(categoryIds(['Bakery'])).toEqual(['bakery']);
  });

  it('gives the same name under two parents, or at two depths, two ids', () => {
    expect(categoryIds(['Frozen', 'Desserts']).at(-1)).not.toBe(categoryIds(['Bakery', 'Desserts']).at(-1));
    expect(categoryIds(['Snacks', 'Chips']).at(-1)).not.toBe(categoryIds(['Snacks', 'Salty', 'Chips']).at(-1));
  });

  it('cannot be fooled by a "/" in a name', () => {
    expect(categoryIds(['Fruit/Veg']).at(-1)).not.toBe(categoryIds(['Fruit', 'Veg']).at(-1));
  });
});

describe('splitCategoryPath', () => {
  it('splits on ">" and trims, leaving an empty level for the caller to reject', () => {
    expect(splitCategoryPath('Dairy & Eggs > Yogurt')).toEqual(['Dairy & Eggs', 'Yogurt']);
    expect(splitCategoryPath('Bakery>Bread')).toEqual(['Bakery', 'Bread']);
    expect(splitCategoryPath('Bakery > ')).toEqual(['Bakery', '']);
  });
});
