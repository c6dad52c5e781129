import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ChaosConfigOptions {
  /** The scripted server every LLM role talks to. */
  readonly baseURL: string;
  /** Per-call limit: a hang is cut off after this and retried. */
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
  /** Calls the provider lets run at once. */
  readonly providerConcurrency?: number;
}

/** Output cap per role: what a call can cost at most, so a budget can reserve it before the call. */
export const MAX_OUTPUT_TOKENS = 1200;

/**
 * A config whose cascades really reach the LLM tiers: Phase 1 has LLM tiers only (cheap, then
 * strong), so a page can fail when both fail; Phase 2's student and Phase 3's local judge must be
 * near-certain to be accepted, so nearly every theme escalates to the teacher and the LLM judge.
 * Rate limits are lifted: the scripted server is local and the figures are about faults, not pacing.
 * Pages are kept small (3–5 themes, 30 keyword candidates) so hundreds of them fit on two cores.
 */
export function chaosConfig({ baseURL, timeoutMs = 1500, maxRetries = 3, providerConcurrency = 8 }: ChaosConfigOptions): object {
  const role = (model: string) => ({ provider: 'openai', model, temperature: 0, maxOutputTokens: MAX_OUTPUT_TOKENS });
  return {
    providers: {
      openai: { kind: 'openai', baseURL, limits: { concurrency: providerConcurrency, requestsPerMinute: 1_000_000, tokensPerMinute: 1_000_000_000, timeoutMs, maxRetries } },
    },
    roles: { cheap: role('gpt-4o-mini'), strong: role('gpt-4o'), teacher: role('gpt-4o'), judge: role('gpt-4o-mini') },
    phases: {
      themes: { cascade: [{ role: 'cheap', threshold: 0.5 }, { role: 'strong', threshold: 0 }], minThemes: 3, maxThemes: 5 },
      keywords: { cascade: [{ role: 'student', threshold: 0.99 }, { role: 'teacher', threshold: 0 }], candidates: 30 },
      filter: { judgeCascade: [{ role: 'local', threshold: 0.99 }, { role: 'judge', threshold: 0.5 }, { role: 'strong', threshold: 0 }] },
    },
  };
}

/** Writes the config as `<dir>/<name>.config.json` and returns its path (for `hubgen --config`). */
export async function writeChaosConfig(dir: string, name: string, options: ChaosConfigOptions): Promise<string> {
  const file = join(dir, `${name}.config.json`);
  await writeFile(file, JSON.stringify(chaosConfig(options), null, 1));
  return file;
}
