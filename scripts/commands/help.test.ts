import { Command } from 'commander';
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { USERS_SPEC_HELP } from './options.js';
import { registerRunCommand } from './run.js';
import { registerEvalCommand } from './eval.js';
import { registerCalibrateCommand } from './calibrate.js';
import { registerScheduleCommand } from './schedule.js';

/** The CLI's commands as `hubgen --help` builds them, without running any. */
function program(): Command {
  const p = new Command('hubgen');
  for (const register of [registerRunCommand, registerEvalCommand, registerCalibrateCommand, registerScheduleCommand]) register(p, () => ({}));
  return p;
}
const option = (command: string, flag: string) => program().commands.find((c) => c.name() === command)!.options.find((o) => o.long === flag)!;

describe('the commands\' help', () => {
  it('every --users names every form parseUsers accepts', () => {
    for (const command of ['run', 'eval', 'calibrate', 'schedule']) {
      const help = option(command, '--users').description;
      expect(help, command).toContain(USERS_SPEC_HELP);
    }
    for (const form of ['@file', 'all', 'sample:N[:segment]']) expect(USERS_SPEC_HELP).toContain(form);
  });

  it("schedule's --cron example means what its help says it does: 02:00 every night", () => {
    const help = option('schedule', '--cron').description;
    const example = /e\.g\. "([^"]+)" for 02:00 nightly/.exec(help)?.[1];
    expect(example).toBeDefined();
    const runs = new Cron(example!, { timezone: 'UTC', paused: true }).nextRuns(3, new Date('2026-01-01T05:00:00Z'));
    expect(runs.map((d) => d.toISOString())).toEqual(['2026-01-02T02:00:00.000Z', '2026-01-03T02:00:00.000Z', '2026-01-04T02:00:00.000Z']);
  });
});
