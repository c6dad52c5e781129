import { normaliseText } from './text.js';

/** A dietary / production attribute and the normalised spellings that signal it in a product name. */
export interface AttributeTerm {
  readonly term: string;
  readonly aliases: readonly string[];
}

/** Attribute terms shoppers filter by; each alias is matched as whole words in the normalised name. */
export const ATTRIBUTE_TERMS: readonly AttributeTerm[] = [
  { term: 'organic', aliases: ['organic'] },
  { term: 'gluten free', aliases: ['gluten free', 'glutenfree'] },
  { term: 'vegan', aliases: ['vegan'] },
  { term: 'vegetarian', aliases: ['vegetarian'] },
  { term: 'plant based', aliases: ['plant based'] },
  { term: 'non gmo', aliases: ['non gmo', 'nongmo'] },
  { term: 'low fat', aliases: ['low fat', 'lowfat', 'reduced fat'] },
  { term: 'fat free', aliases: ['fat free', 'nonfat', 'non fat'] },
  { term: 'sugar free', aliases: ['sugar free', 'no sugar added', 'zero sugar'] },
  { term: 'unsweetened', aliases: ['unsweetened'] },
  { term: 'low sodium', aliases: ['low sodium', 'reduced sodium', 'no salt added'] },
  { term: 'low calorie', aliases: ['low calorie', 'zero calorie', 'diet'] },
  { term: 'whole wheat', aliases: ['whole wheat'] },
  { term: 'whole grain', aliases: ['whole grain', 'whole grains'] },
  { term: 'sprouted', aliases: ['sprouted'] },
  { term: 'kosher', aliases: ['kosher'] },
  { term: 'grass fed', aliases: ['grass fed'] },
  { term: 'free range', aliases: ['free range', 'cage free', 'pasture raised'] },
  { term: 'wild caught', aliases: ['wild caught'] },
  { term: 'antibiotic free', aliases: ['antibiotic free', 'no antibiotics'] },
  { term: 'uncured', aliases: ['uncured'] },
  { term: 'dairy free', aliases: ['dairy free', 'non dairy', 'nondairy'] },
  { term: 'lactose free', aliases: ['lactose free'] },
  { term: 'decaf', aliases: ['decaf', 'decaffeinated', 'caffeine free'] },
  { term: 'all natural', aliases: ['all natural', '100 natural'] },
  { term: 'high protein', aliases: ['high protein'] },
  { term: 'probiotic', aliases: ['probiotic', 'probiotics'] },
  { term: 'raw', aliases: ['raw'] },
  { term: 'fair trade', aliases: ['fair trade'] },
  { term: 'paleo', aliases: ['paleo'] },
];

/** The attribute terms a product name carries, in ATTRIBUTE_TERMS order. */
export function attributesOf(productName: string): string[] {
  return attributesOfNormalised(normaliseText(productName));
}

/** attributesOf for a name already passed through normaliseText. */
export function attributesOfNormalised(normalisedName: string): string[] {
  const padded = ` ${normalisedName.replace(/%/g, '')} `;
  const found: string[] = [];
  for (const { term, needles } of PADDED_ALIASES) {
    for (const needle of needles) {
      if (padded.includes(needle)) {
        found.push(term);
        break;
      }
    }
  }
  return found;
}

/** Aliases padded with spaces once, so whole-word matching allocates nothing per name. */
const PADDED_ALIASES = ATTRIBUTE_TERMS.map((a) => ({ term: a.term, needles: a.aliases.map((alias) => ` ${alias} `) }));
