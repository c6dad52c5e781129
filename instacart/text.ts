/**
 * Normalised text for matching and mining: lower case, accents and apostrophes removed ("Jerry's" →
 * "jerrys"), every other non-alphanumeric run → one space. "%" survives after a digit ("2%").
 */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
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
