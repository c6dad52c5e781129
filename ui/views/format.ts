/** Number formatting shared by the views: "–" for unknown, never "NaN" or "undefined". */
const dash = '–';

export const int = (n: number | undefined | null): string => (n === undefined || n === null ? dash : Math.round(n).toLocaleString('en-US'));
export const pct = (n: number | undefined | null, digits = 0): string => (n === undefined || n === null ? dash : `${(n * 100).toFixed(digits)}%`);
export const num = (n: number | undefined | null, digits = 2): string => (n === undefined || n === null ? dash : n.toFixed(digits));

/** Dollars with enough digits to tell a local page ($0) from a cheap LLM one ($0.00031). */
export function usd(n: number | undefined | null): string {
  if (n === undefined || n === null) return dash;
  if (n === 0) return '$0';
  const abs = Math.abs(n);
  return `${n < 0 ? '−' : ''}$${abs >= 0.01 ? abs.toFixed(4) : abs.toPrecision(2)}`;
}

export const signedUsd = (n: number | undefined): string => (n === undefined ? dash : n > 0 ? `+${usd(n)}` : usd(n));
export const signedInt = (n: number | undefined): string => (n === undefined ? dash : n > 0 ? `+${int(n)}` : int(n));

export function ms(n: number | undefined | null): string {
  if (n === undefined || n === null) return dash;
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 120_000) return `${(n / 1000).toFixed(1)} s`;
  return `${Math.floor(n / 60_000)} min ${Math.round((n % 60_000) / 1000)} s`;
}

export const tokens = (input: number | undefined, output: number | undefined): string => `${int(input)} / ${int(output)}`;

/** "2026-12-03 16:51" in UTC: run ids are UTC too, so the two read alike. */
export const when = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').slice(0, 16) : dash);

/** "1 call", "2 calls". */
export const plural = (n: number, noun: string): string => `${int(n)} ${noun}${n === 1 ? '' : 's'}`;
