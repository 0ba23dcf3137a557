import { describe, expect, it } from 'vitest';
import { checkSpec, decide, evaluate, firingsBetween, INITIAL_CONDITION_STATE, nextFiring, type ConditionSpec, type ConditionState, type TimedSchedule } from './schedules.engine.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const BERLIN = 'Europe/Berlin';

describe('time schedules', () => {
  const daily = (cron: string): TimedSchedule => ({ kind: 'time', action: 'on', spec: { cron }, anchor: 0 });

  it('fire a skipped local time at the next valid moment, and a repeated one once', () => {
    // 2026-03-29: 02:00 → 03:00 in Berlin; 02:30 does not exist that night.
    expect(firingsBetween(daily('30 2 * * *'), BERLIN, at('2026-03-28T12:00:00Z'), at('2026-03-30T12:00:00Z')).map((f) => iso(f.at)))
      .toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    // 2026-10-25: 03:00 → 02:00; 02:30 happens twice and fires the first time only.
    expect(firingsBetween(daily('30 2 * * *'), BERLIN, at('2026-10-24T12:00:00Z'), at('2026-10-26T12:00:00Z')).map((f) => iso(f.at)))
      .toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    const hourly = firingsBetween(daily('0 * * * *'), BERLIN, at('2026-10-24T23:30:00Z'), at('2026-10-25T03:30:00Z')).map((f) => iso(f.at));
    expect(hourly).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00.000Z']);
  });

  it('switch on at a window’s start and off at its end, in local time', () => {
    const lights: TimedSchedule = { kind: 'time', action: 'set_value', value: 200, spec: { start: '06:00', end: '18:00' }, anchor: 0 };
    expect(firingsBetween(lights, 'Asia/Phnom_Penh', at('2026-06-10T00:00:00Z'), at('2026-06-11T00:00:00Z')))
      .toEqual([{ at: at('2026-06-10T11:00:00Z'), action: 'off' }, { at: at('2026-06-10T23:00:00Z'), action: 'set_value', value: 200 }]);
  });

  it('refuse bad settings in words', () => {
    expect(checkSpec('time', 'on', { cron: 'every day' }, BERLIN)[0]?.field).toBe('body.cron');
    expect(checkSpec('time', 'on', { start: '18:00', end: '06:00' }, BERLIN)).toEqual([{ field: 'body.end', message: expect.stringContaining('after start') }]);
    expect(checkSpec('duration', 'toggle', { on_s: 0, off_s: 10 }, BERLIN).map((p) => p.field)).toEqual(['body.on_s', 'body.action']);
    expect(checkSpec('time', 'on', { cron: '*/5 * * * *' }, BERLIN)).toEqual([]);
  });
});

describe('duration schedules', () => {
  it('cycle on and off inside the daily window, ending off at the window’s end', () => {
    const pump: TimedSchedule = { kind: 'duration', action: 'on', spec: { on_s: 300, off_s: 7200, window: { start: '06:00', end: '12:00' } }, anchor: 0 };
    const day = firingsBetween(pump, 'UTC', at('2026-06-10T00:00:00Z'), at('2026-06-10T23:59:00Z')).map((f) => `${iso(f.at).slice(11, 16)} ${f.action}`);
    expect(day).toEqual(['06:00 on', '06:05 off', '08:05 on', '08:10 off', '10:10 on', '10:15 off']);
  });

  it('stop after the cycles asked for, counting from the anchor without a window', () => {
    const mister: TimedSchedule = { kind: 'duration', action: 'on', spec: { on_s: 60, off_s: 60, repeat: 2 }, anchor: at('2026-06-10T10:00:00Z') };
    expect(firingsBetween(mister, 'UTC', at('2026-06-10T09:00:00Z'), at('2026-06-11T00:00:00Z')).map((f) => iso(f.at).slice(11, 16)))
      .toEqual(['10:00', '10:01', '10:02', '10:03']);
    expect(nextFiring(mister, 'UTC', at('2026-06-10T10:03:00Z'))).toBeUndefined();
    expect(nextFiring(mister, 'UTC', at('2026-06-10T10:01:30Z'))).toEqual({ at: at('2026-06-10T10:02:00Z'), action: 'on' });
  });
});

describe('condition schedules', () => {
  const fan: ConditionSpec = { condition: { device: 'house-1', metric: 'temperature', operator: '>', value: 30 }, hysteresis: 2, min_hold_s: 60, max_age_s: 120 };
  const run = (spec: ConditionSpec, value: number | undefined, now: number, state: ConditionState, readingAge = 0) => {
    const { truth, since } = evaluate(spec, () => (value === undefined ? undefined : { value, ts: now - readingAge * 1000 }), now, state);
    return { truth, since, decision: decide(state, truth, now, spec.min_hold_s) };
  };

  it('switches on above the threshold and off only below it minus the hysteresis', () => {
    let state: ConditionState = INITIAL_CONDITION_STATE;
    expect(run(fan, 30.5, 0, state).decision).toBe('on');
    state = { active: true, changed_at: 0, since: {} };
    expect(run(fan, 29, 120_000, state).decision).toBeNull(); // still above 28
    expect(run(fan, 27.9, 120_000, state).decision).toBe('off');
  });

  it('holds a change for the minimum time, so a fan does not flap', () => {
    const state: ConditionState = { active: true, changed_at: 0, since: {} };
    expect(run(fan, 20, 30_000, state).decision).toBeNull();
    expect(run(fan, 20, 60_000, state).decision).toBe('off');
  });

  it('treats a stale or missing reading as unknown, which decides nothing', () => {
    expect(run(fan, 35, 0, INITIAL_CONDITION_STATE, 121)).toMatchObject({ truth: 'unknown', decision: null });
    expect(run(fan, undefined, 0, INITIAL_CONDITION_STATE)).toMatchObject({ truth: 'unknown', decision: null });
  });

  it('needs a leaf to hold for for_s, and combines leaves with all, any and not', () => {
    const spec: ConditionSpec = { condition: { all: [
      { device: 'h', metric: 'humidity', operator: '<', value: 40, for_s: 300 },
      { not: [{ device: 'h', metric: 'rain', operator: '>', value: 0 }] },
    ] } };
    const readings = (humidity: number, rain: number) => (_d: string, m: string) => ({ value: m === 'humidity' ? humidity : rain, ts: 0 });
    let state: ConditionState = INITIAL_CONDITION_STATE;
    const first = evaluate(spec, readings(35, 0), 0, state);
    expect(first.truth).toBe(false);
    state = { ...state, since: first.since };
    expect(evaluate(spec, readings(35, 0), 300_000, state).truth).toBe(true);
    expect(evaluate(spec, readings(35, 1), 300_000, state).truth).toBe(false);
    expect(evaluate({ condition: { any: [{ device: 'h', metric: 'x', operator: '>', value: 1 }, { device: 'h', metric: 'humidity', operator: '<', value: 40 }] } },
      (_d, m) => (m === 'humidity' ? { value: 30, ts: 0 } : undefined), 0, INITIAL_CONDITION_STATE).truth).toBe(true);
  });
});
