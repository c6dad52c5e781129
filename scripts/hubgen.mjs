#!/usr/bin/env node
// Entry point for the `hubgen` bin: registers tsx so the TypeScript sources run as they are,
// with no build step between a checkout and a nightly run.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
