/**
 * Normalised text for matching and mining: lower case, accents and apostrophes removed ("Jerry's" →
 * "jerrys"), every other non-alphanumeric run → one space. "%" survives after a digit ("2%").
 */
export function normaliseText(text: string): string {
  // Most names are ASCII; decomposing accents only when needed halves the cost over a whole catalogue.
  const ascii = /^[\x00-\x7f]*$/.test(text) ? text : text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  return ascii
    .toLowerCase()
    .replace(/['\u2018\u2019`]/g, '')
    .replace(/(?<!\d)%/g, ' ')
    .replace(/[^a-z0-9%]+/g, ' ')
    .trim();
}

export function tokens(text: string): string[] {
  const n = normaliseText(text);
  return n === '' ? [] : n.split(' ');
}
