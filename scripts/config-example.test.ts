import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';

describe('hubgen.config.example.json', () => {
  it('is a valid config whose LLM roles join only when their provider is reachable', () => {
    const cfg = loadConfig({ file: 'hubgen.config.example.json', env: {} });
    expect(cfg.roles.cheap?.provider).toBe('ollama');
    expect(cfg.providers.ollama.baseURL).toMatch(/^http:\/\/127\.0\.0\.1/);
    // untouched roles keep the offline defaults
    expect(cfg.providers[cfg.roles.student!.provider].kind).toBe('local');
    expect(cfg.run.budgetUsd).toBe(25);
  });
});
