import type { HubgenConfig } from '../../config/config.js';
import type { Catalogue } from '../../catalogue/types.js';
import { isAlcoholCategory, isAlcoholDepartment } from '../../catalogue/restricted.js';
import { cleanText } from '../../base/text.js';

export type Policy = HubgenConfig['phases']['filter']['policy'];

export const POLICY_RULES = ['alcohol', 'tobacco', 'banned_term', 'health_claim', 'prompt_injection'] as const;
export type PolicyRule = (typeof POLICY_RULES)[number];

export interface PolicyViolation {
  readonly rule: PolicyRule;
  /** The text that matched, as it appears in the input. */
  readonly match: string;
}

// Word boundaries that also work next to non-ASCII letters.
const B = '(?<![\\p{L}\\p{N}])';
const E = '(?![\\p{L}\\p{N}])';
const rx = (body: string) => new RegExp(`${B}(?:${body})${E}`, 'giu');

/**
 * Alcohol words, with the grocery uses that are not alcohol carved out: red wine vinegar,
 * root/ginger beer, vodka pasta sauce, bourbon vanilla. Cider, ale and sake are left out
 * because "apple cider vinegar", "ginger ale" and "for the sake of" are far commoner here.
 */
const ALCOHOL = rx(
  [
    '(?<!(?:root|ginger|birch)\\s)beers?(?!\\s+(?:bread|batter|brats?|bratwursts?|cheese|mustard)' + E + ')',
    'wines?(?!\\s+vinegars?' + E + ')',
    'vodka(?!\\s+(?:cream\\s+)?(?:sauce|pasta)' + E + ')',
    'whiske?y', 'scotch(?!\\s+(?:egg|tape|bonnet)s?' + E + ')', 'bourbon(?!\\s+vanilla' + E + ')', 'tequila', 'mezcal', 'rum', 'gin', 'brandy', 'cognac',
    'liquor', 'liqueurs?', 'spirits', 'champagnes?(?!\\s+vinegars?' + E + ')', 'prosecco', 'sangria', 'lagers?', 'stouts?', 'ipas?', 'pale ales?',
    'hard ciders?', 'hard seltzers?', 'merlot', 'cabernet', 'chardonnay', 'pinot(?:\\s+\\p{L}+)?', 'sauvignon(?:\\s+blanc)?', 'riesling', 'ros[eé] wine',
    '(?<!(?:fruit|shrimp|tropical|prawn)\\s)cocktails?(?!\\s+(?:sauce|shrimp|onions?|franks|wieners|peanuts|napkins|picks|cherries|cups)' + E + ')',
    'alcohol(?:ic)?', 'booze', 'happy hour', 'wine coolers?', 'beers coolers', 'red wines', 'white wines', 'specialty wines champagnes',
  ].join('|'),
);
// "non-alcoholic" drinks are fine: the carve-out runs before the rule.
const NON_ALCOHOLIC = /(?<![\p{L}\p{N}])(?:non|no|zero)[\s-]*alcohol(?:ic)?(?![\p{L}\p{N}])/giu;

const TOBACCO = rx(
  ['tobacco', 'cigarettes?', 'e-cigarettes?', 'cigars?', 'cigarillos?', 'vapes?', 'vaping', 'vape pens?', 'nicotine', 'snus', 'hookah', 'shisha', 'rolling papers?', 'chewing tobacco', 'juul'].join('|'),
);

const HEALTH_CLAIMS = rx(
  [
    'cures?\\s+(?:for|your|all|any|cancer|diabetes|disease|colds?|flu)',
    'cures',
    'prevents?\\s+(?:cancer|diabetes|disease|heart disease|dementia|alzheimer\'?s|covid|colds?|flu|illness)',
    'fights?\\s+(?:cancer|disease|infection)', 'anti-?cancer', 'cancer[\\s-]fighting',
    'boosts?\\s+(?:your\\s+)?(?:immunity|immune(?:\\s+system)?)', 'immunity[\\s-]boost(?:ing|er|ers)?', 'immune[\\s-]boost(?:ing|er|ers)?',
    'detox(?:es|ing|ify|ifying|ification)?', 'cleanses?\\s+your\\s+(?:body|liver|colon|system)', 'flushes?\\s+(?:out\\s+)?toxins', 'toxin[\\s-]flushing',
    'clinically\\s+(?:proven|tested|shown)', 'scientifically\\s+proven', 'doctor[\\s-]recommended', 'medically\\s+proven',
    'burns?\\s+(?:belly\\s+)?fat', 'fat[\\s-]burning', 'melts?\\s+(?:away\\s+)?fat', 'lose\\s+weight\\s+fast', 'miracle\\s+(?:food|cure|diet)',
    'reverses?\\s+(?:aging|ageing|diabetes|disease)', 'heals?\\s+(?:your\\s+)?(?:gut|body|disease)', 'treats?\\s+(?:cancer|diabetes|disease|depression|anxiety)',
    'lowers?\\s+(?:your\\s+)?(?:cholesterol|blood\\s+pressure|blood\\s+sugar)',
  ].join('|'),
);

/** Text that addresses a model rather than a shopper. Kept to phrasings with no grocery meaning. */
const PROMPT_INJECTION = new RegExp(
  [
    `${B}(?:ignore|disregard|forget|override|bypass)\\s+(?:all\\s+|any\\s+|the\\s+|your\\s+|my\\s+|these\\s+|those\\s+)*(?:previous|prior|above|earlier|preceding|system|original)(?:\\s+\\p{L}+){0,2}${E}`,
    `${B}disregard\\s+(?:the\\s+|all\\s+|everything\\s+)?(?:above|before)${E}`,
    `${B}(?:ignore|forget)\\s+(?:all\\s+|your\\s+)?(?:instructions|rules|guidelines)${E}`,
    `${B}you\\s+are\\s+now${E}`,
    `${B}from\\s+now\\s+on\\s+you${E}`,
    `${B}(?:act|behave)\\s+as\\s+(?:an?\\s+)?(?:ai|assistant|system|admin|developer|dan|unrestricted)${E}`,
    `${B}pretend\\s+(?:to\\s+be|you\\s+are)${E}`,
    `${B}new\\s+instructions?\\s*:`,
    `(?:^|[\\s\\n\\[(])(?:system|assistant|developer)\\s*:`,
    `<\\|\\s*(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id)\\s*\\|>`,
    `\\[\\/?(?:INST|SYS)\\]`,
    `<\\/?(?:system|sys|instructions?)>`,
    `#{2,}\\s*(?:instruction|system)`,
    `${B}(?:reveal|print|repeat|show)\\s+(?:your|the)\\s+(?:system\\s+)?(?:prompt|instructions)${E}`,
    `${B}(?:jailbreak|developer\\s+mode|do\\s+anything\\s+now)${E}`,
    `${B}(?:set|mark)\\s+(?:every|all|each)\\s+(?:criteri(?:on|a)|verdicts?)\\s+(?:to\\s+)?(?:pass|true)${E}`,
  ].join('|'),
  'giu',
);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Compiled once per banned-term list: policies are few and long-lived.
const bannedCache = new Map<string, RegExp | undefined>();
function bannedRegex(terms: readonly string[]): RegExp | undefined {
  const cacheKey = JSON.stringify(terms);
  if (!bannedCache.has(cacheKey)) {
    const parts = terms.map((t) => cleanText(t).trim()).filter(Boolean).map((t) => escapeRegExp(t).replace(/\s+/g, '\\s+'));
    bannedCache.set(cacheKey, parts.length ? rx(parts.join('|')) : undefined);
  }
  return bannedCache.get(cacheKey);
}

function matches(re: RegExp, text: string): string[] {
  return [...text.matchAll(re)].map((m) => m[0].trim());
}

/**
 * Every policy rule the text breaks, with the matching text. Text is NFKC-normalised and stripped of
 * zero-width characters first, so look-alike and split words still match.
 */
export function checkPolicy(text: string, policy: Policy): PolicyViolation[] {
  const t = cleanText(text);
  const out: PolicyViolation[] = [];
  const add = (rule: PolicyRule, found: string[]) => {
    for (const match of new Set(found)) out.push({ rule, match });
  };
  add('prompt_injection', matches(PROMPT_INJECTION, t));
  if (!policy.allowAlcohol) add('alcohol', matches(ALCOHOL, t.replace(NON_ALCOHOLIC, ' ')));
  if (!policy.allowTobacco) add('tobacco', matches(TOBACCO, t));
  add('health_claim', matches(HEALTH_CLAIMS, t));
  const banned = bannedRegex(policy.bannedTerms);
  if (banned) add('banned_term', matches(banned, t));
  return out;
}

/** Violations from where an item sits in the catalogue (e.g. a keyword whose categories are all wine categories). */
export function checkCataloguePolicy(
  where: { readonly categoryIds: readonly string[]; readonly departmentIds: readonly string[] },
  catalogue: Catalogue,
  policy: Policy,
  /** 'any': one alcohol category is enough (themes); 'primary': the first-listed category/department decides (keywords). */
  mode: 'any' | 'primary',
): PolicyViolation[] {
  if (policy.allowAlcohol) return [];
  const categories = mode === 'primary' ? where.categoryIds.slice(0, 1) : where.categoryIds;
  const departments = mode === 'primary' ? where.departmentIds.slice(0, 1) : where.departmentIds;
  const out: PolicyViolation[] = [];
  for (const id of categories) {
    if (isAlcoholCategory(catalogue, id)) out.push({ rule: 'alcohol', match: `${catalogue.categories.get(id)!.name} (category)` });
  }
  for (const id of departments) {
    if (isAlcoholDepartment(catalogue, id)) out.push({ rule: 'alcohol', match: `${catalogue.departments.get(id)!.name} (department)` });
  }
  return out;
}

/** "alcohol: 'Wine', 'red wines (category)'; prompt_injection: 'ignore previous instructions'" — each match once, case-insensitively. */
export function describeViolations(violations: readonly PolicyViolation[]): string {
  const byRule = new Map<PolicyRule, Map<string, string>>();
  for (const v of violations) {
    const matches = byRule.get(v.rule) ?? new Map<string, string>();
    if (!matches.has(v.match.toLowerCase())) matches.set(v.match.toLowerCase(), v.match.slice(0, 60));
    byRule.set(v.rule, matches);
  }
  return [...byRule].map(([rule, m]) => `${rule}: ${[...m.values()].map((x) => `'${x}'`).join(', ')}`).join('; ');
}

/** Policy rules about product categories, judged on a theme's own text and categories. */
const CATEGORY_RULES: ReadonlySet<PolicyRule> = new Set(['alcohol', 'tobacco']);

/**
 * Violations in a theme's generated text. Concepts are retrieval hints mined from product names,
 * where category words occur inside ordinary groceries ("red wine" from "red wine vinegar"), so a
 * concept alone never puts a theme in a category; an instruction, banned term or health claim in
 * a concept still counts.
 */
export function checkThemeText(theme: { readonly title: string; readonly description: string; readonly concepts: readonly string[] }, policy: Policy): PolicyViolation[] {
  return [
    ...[theme.title, theme.description].flatMap((s) => checkPolicy(s, policy)),
    ...theme.concepts.flatMap((s) => checkPolicy(s, policy)).filter((v) => !CATEGORY_RULES.has(v.rule)),
  ];
}
