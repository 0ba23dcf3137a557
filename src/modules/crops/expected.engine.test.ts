import { describe, expect, it } from 'vitest';
import { startOfLocalDay } from '../../platform/time-zones.js';
import { dayRuleReached, expectedChanges } from './expected.engine.js';
import { addDays, autoMove, localDay } from './growth.engine.js';
import { wholeDaysBetween, type PhaseRules, type SequenceRules } from './phases.engine.js';

const phase = (key: string, position: number, days: number | null, more: Partial<PhaseRules> = {}): PhaseRules => ({
  key,
  position,
  days,
  gdd: null,
  terminal: false,
  ...more,
});

const annual: SequenceRules = {
  lifecycle: 'annual',
  dormancyRequired: false,
  restartPhase: null,
  phases: [
    phase('germination', 0, 7),
    phase('seedling', 1, 21),
    phase('vegetative', 2, 28),
    phase('flowering', 3, null, { gdd: 400 }),
    phase('harvest', 4, 14, { terminal: true }),
  ],
};

const ZONE = 'Asia/Phnom_Penh';

describe('dayRuleReached', () => {
  it('is the first full day in the phase plus its days', () => {
    // 10:00 local on 1 March: the first full day is 2 March; seven days later the plant is a seedling.
    expect(dayRuleReached(new Date('2026-03-01T03:00:00Z'), 7, ZONE)).toBe('2026-03-09');
    // A phase begun at local midnight counts that day whole.
    expect(dayRuleReached(startOfLocalDay('2026-03-01', ZONE), 7, ZONE)).toBe('2026-03-08');
    expect(dayRuleReached(startOfLocalDay('2026-03-01', ZONE), 1, ZONE)).toBe('2026-03-02');
  });

  it('agrees with the daily growth job on every day rule, across daylight-saving changes', () => {
    // The job judges each closed local day D with autoMove and moves the plant at the start of D + 1.
    const jobMovesOn = (startedAt: Date, days: number, zone: string): string => {
      const rules = phase('a', 0, days);
      const sequence: SequenceRules = { ...annual, phases: [rules, phase('b', 1, null)] };
      for (let day = localDay(startedAt, zone); ; day = addDays(day, 1)) {
        const daysInPhase = wholeDaysBetween(startedAt, startOfLocalDay(addDays(day, 1), zone));
        const move = autoMove({
          phase: rules,
          next: sequence.phases[1]!,
          daysInPhase,
          gdd: null,
          sequence,
          dormancy: null,
          currentKey: 'a',
        });
        if (move) return addDays(day, 1);
      }
    };
    // Starts every 5 hours over the three days before each daylight-saving change of each zone (and a
    // zone without one), with day rules of 1 to 5 days, so the changes fall inside the counted days.
    const changes: Record<string, string[]> = {
      'Europe/Berlin': ['2026-03-29', '2026-10-25'],
      'America/Santiago': ['2026-04-05', '2026-09-06'],
      'Australia/Lord_Howe': ['2026-04-05', '2026-10-04'],
      'Asia/Phnom_Penh': ['2026-06-01'],
    };
    for (const [zone, days] of Object.entries(changes)) {
      for (const change of days) {
        for (let k = 0; k < 15; k++) {
          const startedAt = new Date(Date.parse(`${change}T00:00:00Z`) - 3 * 86_400_000 + k * 5 * 3_600_000);
          const ruleDays = 1 + (k % 5);
          expect(dayRuleReached(startedAt, ruleDays, zone), `${zone} ${startedAt.toISOString()} ${ruleDays}`).toBe(
            jobMovesOn(startedAt, ruleDays, zone),
          );
        }
      }
    }
  });
});

describe('expectedChanges', () => {
  it('follows the sequence phase by phase while the phases have day rules', () => {
    const changes = expectedChanges({
      sequence: annual,
      currentKey: 'germination',
      startedAt: new Date('2026-03-01T03:00:00Z'),
      timeZone: ZONE,
      through: '2026-12-31',
    });
    // Each next phase begins at local midnight, so it is followed from that day whole.
    expect(changes).toEqual([
      { from: 'germination', to: 'seedling', on: '2026-03-09' },
      { from: 'seedling', to: 'vegetative', on: '2026-03-30' },
      // Flowering has only a growing-degree-day rule: its end cannot be told ahead, so following stops.
      { from: 'vegetative', to: 'flowering', on: '2026-04-27' },
    ]);
  });

  it('stops at `through`, at a terminal phase, and for a phase not in the sequence', () => {
    const from = { sequence: annual, startedAt: new Date('2026-03-01T03:00:00Z'), timeZone: ZONE };
    expect(expectedChanges({ ...from, currentKey: 'germination', through: '2026-03-29' })).toEqual([
      { from: 'germination', to: 'seedling', on: '2026-03-09' },
    ]);
    expect(expectedChanges({ ...from, currentKey: 'germination', through: '2026-03-08' })).toEqual([]);
    expect(expectedChanges({ ...from, currentKey: 'harvest', through: '2026-12-31' })).toEqual([]);
    expect(expectedChanges({ ...from, currentKey: 'flowering', through: '2026-12-31' })).toEqual([]);
    expect(expectedChanges({ ...from, currentKey: 'gone', through: '2026-12-31' })).toEqual([]);
  });

  it('shows a change already due (the job has not moved the plant yet) on the day it was due', () => {
    const changes = expectedChanges({
      sequence: annual,
      currentKey: 'germination',
      startedAt: new Date('2026-01-01T03:00:00Z'),
      timeZone: ZONE,
      through: '2026-01-09',
    });
    expect(changes).toEqual([{ from: 'germination', to: 'seedling', on: '2026-01-09' }]);
  });

  it('follows the phases by position, whatever their order in the list, and never more than 20 ahead', () => {
    const shuffled = { phases: [...annual.phases].reverse() };
    expect(
      expectedChanges({
        sequence: shuffled,
        currentKey: 'seedling',
        startedAt: startOfLocalDay('2026-03-09', ZONE),
        timeZone: ZONE,
        through: '2026-12-31',
      }).map((c) => c.to),
    ).toEqual(['vegetative', 'flowering']);
    const long = { phases: Array.from({ length: 40 }, (_, i) => phase(`p${i}`, i, 1)) };
    const changes = expectedChanges({
      sequence: long,
      currentKey: 'p0',
      startedAt: startOfLocalDay('2026-03-01', ZONE),
      timeZone: ZONE,
      through: '2027-12-31',
    });
    expect(changes).toHaveLength(20);
    expect(changes[19]).toEqual({ from: 'p19', to: 'p20', on: '2026-03-21' });
  });
});
