import { describe, expect, it } from 'vitest';
import {
  beeHourly,
  insightRules,
  insightsFrom,
  markingColour,
  winterMonths,
  type InsightRule,
  type Insights,
} from './beekeeping.engine.js';

describe('beekeeping rules', () => {
  it('marks queens by birth year: white 1/6, yellow 2/7, red 3/8, green 4/9, blue 5/0', () => {
    expect([2021, 2022, 2023, 2024, 2025, 2026, 2030].map(markingColour)).toEqual([
      'white',
      'yellow',
      'red',
      'green',
      'blue',
      'white',
      'blue',
    ]);
  });

  it('builds BeeAPI hourly fields from per-metric rollups', () => {
    const hour = new Date('2026-06-10T10:00:00Z');
    expect(
      beeHourly({
        temperature: [{ ts: hour, min: 34, max: 36, sum: 350, count: 10 }],
        weight: [{ ts: hour, min: 44, max: 46, sum: 450, count: 10 }],
      }),
    ).toEqual([
      {
        hour: hour.toISOString(),
        avg_temperature: 35,
        avg_humidity: null,
        avg_weight: 45,
        avg_sound_level: null,
        min_temperature: 34,
        max_temperature: 36,
        min_humidity: null,
        max_humidity: null,
        reading_count: 10,
      },
    ]);
  });
});

describe('insights', () => {
  const swarm: InsightRule = { name: 'Swarm suspected — Orchard', kind: 'swarm', severity: 'critical', window_s: 900 };
  const brood = (winter: number[]): InsightRule => ({
    name: 'Brood nest temperature — Orchard',
    kind: 'threshold',
    metric: 'temperature',
    operator: 'outside',
    value: [33, 36],
    aggregate: 'avg',
    window_s: 3600,
    severity: 'warning',
    exclude_months: winter,
  });
  const silent = (minutes: number): InsightRule => ({
    name: 'Hive silent — Orchard',
    kind: 'silent',
    minutes,
    severity: 'warning',
  });
  const loss = (kg: number): InsightRule => ({
    name: 'Daily weight loss — Orchard',
    kind: 'threshold',
    metric: 'weight',
    operator: '<=',
    value: -kg,
    aggregate: 'change',
    window_s: 86_400,
    severity: 'info',
  });
  const NORTH = [11, 12, 1, 2];
  const SOUTH = [5, 6, 7, 8];

  const latitudes: Array<[number | null, number[]]> = [
    [null, NORTH],
    [11.55, NORTH],
    [0, NORTH],
    [-0.5, SOUTH],
    [-33.9, SOUTH],
  ];
  it.each(latitudes)('keeps brood-nest alerts out of winter: at latitude %s, months %j', (latitude, months) => {
    expect(winterMonths(latitude)).toEqual(months);
  });

  // [case, latitude, what is asked, the preset changes in order]
  const cases: Array<[string, number | null, Partial<Insights>, Array<[string, InsightRule | null]>]> = [
    ['nothing asked: nothing changes', 11.55, {}, []],
    [
      'all on, in preset order',
      11.55,
      { daily_loss_kg: 0.8, silent_hours: 6, brood_temperature: true, swarm: true },
      [
        ['swarm', swarm],
        ['brood_temperature', brood(NORTH)],
        ['silent', silent(360)],
        ['daily_loss', loss(0.8)],
      ],
    ],
    ['brood season south of the equator', -33.9, { brood_temperature: true }, [['brood_temperature', brood(SOUTH)]]],
    [
      'all off',
      11.55,
      { swarm: false, brood_temperature: false, silent_hours: null, daily_loss_kg: null },
      [
        ['swarm', null],
        ['brood_temperature', null],
        ['silent', null],
        ['daily_loss', null],
      ],
    ],
    [
      'only what is named changes',
      null,
      { swarm: false, silent_hours: 1.5 },
      [
        ['swarm', null],
        ['silent', silent(90)],
      ],
    ],
    ['silent hours rounded to whole minutes', null, { silent_hours: 0.0125 }, [['silent', silent(1)]]],
  ];
  it.each(cases)('switching: %s', (_case, latitude, wanted, changes) => {
    expect(insightRules('Orchard', latitude, wanted).map((c) => [c.preset, c.rule])).toEqual(changes);
  });

  it('reads the insights back from the preset rules, as they were switched on', () => {
    // What the alerts module keeps of each rule switched on: its preset, minutes and (single) value.
    const stored = (wanted: Partial<Insights>) =>
      insightRules('Orchard', 11.55, wanted).flatMap(({ preset, rule }) =>
        rule
          ? [{ preset, minutes: rule.minutes ?? null, value: typeof rule.value === 'number' ? rule.value : null }]
          : [],
      );
    const cases: Insights[] = [
      { swarm: false, brood_temperature: false, silent_hours: null, daily_loss_kg: null },
      { swarm: true, brood_temperature: true, silent_hours: 6, daily_loss_kg: 0.8 },
      { swarm: false, brood_temperature: true, silent_hours: 1.5, daily_loss_kg: null },
    ];
    for (const insights of cases) expect(insightsFrom(stored(insights))).toEqual(insights);
    expect(insightsFrom([{ preset: null, minutes: 5, value: 3 }])).toEqual(cases[0]);
  });
});
