import { describe, expect, it } from 'vitest';
import type { CalibrationRecord } from './records.js';
import { calibrationSection } from './section.js';

const record = (i: number, role: string, by: string, accepted: boolean): CalibrationRecord => ({
  userId: `u${i}`,
  phase: 'keywords',
  step: 'theme:t',
  role,
  model: `${role}-m`,
  threshold: role === 'student' ? 0.55 : 0,
  confidence: (i % 10) / 10,
  outcome: 'accepted',
  laterRoles: [],
  costUsd: 0,
  label: { accepted, source: 'judge', by },
});

describe('calibrationSection', () => {
  it('counts which records a simulated tier answered, which a simulated role labelled, and which are real', () => {
    const records = [
      ...Array.from({ length: 30 }, (_, i) => record(i, 'student', 'local', i % 3 === 0)),
      ...Array.from({ length: 10 }, (_, i) => record(i, 'student', 'cheap+local', i % 2 === 0)),
      ...Array.from({ length: 5 }, (_, i) => record(i, 'teacher', 'local', true)),
    ];
    const section = calibrationSection({ records, simulatedRoles: ['cheap', 'teacher'], source: 'a test' });
    expect(section.summary[1]).toMatch(/^Simulated roles: cheap, teacher\. 5 of 45 records are answers of a simulated tier/);
    expect(section.summary[2]).toMatch(/^10 more are real tiers' answers labelled by a simulated role/);
    expect(section.summary[3]).toMatch(/^30 records are real on both sides/);
    expect(section.tables[0].table.rows).toEqual([
      ['keywords · student', 'student-m', expect.any(String), '0 / 40', '37.5%', '10'],
      ['keywords · teacher (simulated)', 'teacher-m', expect.any(String), '0 / 5', '100.0%', '0'],
    ]);
  });

  it('says when a tier\'s labels never vary, so its ECE is not read as calibration', () => {
    const section = calibrationSection({ records: Array.from({ length: 40 }, (_, i) => record(i, 'student', 'local', true)), simulatedRoles: [], source: 'a test' });
    expect(section.summary).toContain('keywords · student: 100.0% of its 40 labels are "accepted", so they cannot separate its good answers from its bad ones; its ECE only says how far its confidence sits from 100%, and a stricter label source (an LLM judge) is needed to calibrate it.');
    const varied = calibrationSection({ records: Array.from({ length: 40 }, (_, i) => record(i, 'student', 'local', i % 2 === 0)), simulatedRoles: [], source: 'a test' });
    expect(varied.summary.join(' ')).not.toContain('cannot separate');
  });

  it('says there are no records rather than drawing empty tables', () => {
    const none = calibrationSection({ records: [], simulatedRoles: [], source: 'run 1' });
    expect(none).toMatchObject({ tables: [], plots: [], analysis: undefined });
    expect(none.lines[0]).toMatch(/^No calibration records in run 1: no cascade answer was labelled/);
  });
});
