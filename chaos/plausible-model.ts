import { slugify } from '../base/text.js';
import { promptTextOf, simulationResponder, reply, type Responder } from '../llm/simulator/scripted-server.js';
import { teacherPick } from '../testing/ui-fixture.js';

/**
 * Themes a careful model would write from the prompt alone: one per category the shopper buys from
 * most, named exactly as the catalogue list gives it, so the page fills with real products.
 */
export function plausibleThemes(prompt: string, maxThemes = 6): object {
  const shopper = /Shopper (\S+):/.exec(prompt)?.[1] ?? 'you';
  const top = (/^Categories this shopper buys from most: (.*)$/m.exec(prompt)?.[1] ?? '').split('; ').filter((c) => c && c !== '(none)');
  const categories = top.length ? top : ['fresh fruits'];
  // The page plan in the prompt says how many staples themes lead; the rest are discovery.
  const staples = Number(/(\d+) staples themes, then \d+ discovery themes/.exec(prompt)?.[1] ?? categories.length);
  const themes = categories.slice(0, maxThemes).map((category, i) => ({
    id: slugify(`your ${category}`).slice(0, 60) || `theme-${i}`,
    kind: i < staples ? 'staples' : 'discovery',
    title: `Your ${category}`.slice(0, 70),
    description: `Favourites from ${category}, the aisle shopper ${shopper} comes back to.`.slice(0, 280),
    concepts: [category.slice(0, 60)],
    categories: [category],
    departments: [],
    confidence: 0.9 - i * 0.05,
  }));
  return { pageTitle: `Picked for shopper ${shopper}`.slice(0, 90), themes };
}

const PASS_ALL = {
  criteria: Object.fromEntries(['relevant_to_user', 'coherent_title', 'keywords_match_theme', 'fit_for_grocery_page'].map((c) => [c, { pass: true, reason: 'fits the shopper and the aisle' }])),
  confidence: 0.9,
};

/**
 * A stand-in for a well-behaved LLM on hubgen's three structured calls: themes from the shopper's
 * top categories, keywords picked from the candidates (as the UI fixture's teacher does), a
 * passing judge. Anything else gets the simulator's schema-valid placeholder.
 */
export const plausibleModel: Responder = (request, info) => {
  const prompt = promptTextOf(request);
  switch (request.response_format?.json_schema?.name) {
    case 'hubgen_themes':
      return reply.json(plausibleThemes(prompt));
    case 'keyword_selection':
      return reply.json(teacherPick(prompt));
    case 'judge_verdict':
      return reply.json(PASS_ALL);
    default:
      return simulationResponder(request, info);
  }
};
