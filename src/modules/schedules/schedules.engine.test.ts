import { describe, expect, it } from 'vitest';
import {
  CATCH_UP_LIMIT,
  checkSpec,
  conditionStep,
  decide,
  evaluate,
  firingsBetween,
  INITIAL_CONDITION_STATE,
  inWindow,
  LATE_LIMIT_MS,
  nextFiring,
  outranks,
  patchWindow,
  planTick,
  runNowFiring,
  type ConditionSpec,
  type ConditionState,
  type DueSchedule,
  type FiringDecision,
  type TimedSchedule,
  windowChangeFiring,
} from './schedules.engine.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const BERLIN = 'Europe/Berlin';

describe('time schedules', () => {
  const daily = (cron: string): TimedSchedule => ({ kind: 'time', action: 'on', spec: { cron }, anchor: 0 });

  it('fire a skipped local time at the next valid moment, and a repeated one once', () => {
    // 2026-03-29: 02:00 → 03:00 in Berlin; 02:30 does not exist that night.
    expect(
      firingsBetween(daily('30 2 * * *'), BERLIN, at('2026-03-28T12:00:00Z'), at('2026-03-30T12:00:00Z')).map((f) =>
        iso(f.at),
      ),
    ).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    // 2026-10-25: 03:00 → 02:00; 02:30 happens twice and fires the first time only.
    expect(
      firingsBetween(daily('30 2 * * *'), BERLIN, at('2026-10-24T12:00:00Z'), at('2026-10-26T12:00:00Z')).map((f) =>
        iso(f.at),
      ),
    ).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    const hourly = firingsBetween(
      daily('0 * * * *'),
      BERLIN,
      at('2026-10-24T23:30:00Z'),
      at('2026-10-25T03:30:00Z'),
    ).map((f) => iso(f.at));
    expect(hourly).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00.000Z']);
  });

  it('switch on at a window’s start and off at its end, in local time', () => {
    const lights: TimedSchedule = {
      kind: 'time',
      action: 'set_value',
      value: 200,
      spec: { start: '06:00', end: '18:00' },
      anchor: 0,
    };
    expect(firingsBetween(lights, 'Asia/Phnom_Penh', at('2026-06-10T00:00:00Z'), at('2026-06-11T00:00:00Z'))).toEqual([
      { at: at('2026-06-10T11:00:00Z'), action: 'off' },
      { at: at('2026-06-10T23:00:00Z'), action: 'set_value', value: 200 },
    ]);
  });

  it('refuse bad settings in words', () => {
    expect(checkSpec('time', 'on', { cron: 'every day' }, BERLIN)[0]?.field).toBe('body.cron');
    expect(checkSpec('time', 'on', { start: '18:00', end: '18:00' }, BERLIN)).toEqual([
      { field: 'body.end', message: expect.stringContaining('hours 24 or 0') },
    ]);
    expect(checkSpec('duration', 'toggle', { on_s: 0, off_s: 10 }, BERLIN).map((p) => p.field)).toEqual([
      'body.on_s',
      'body.action',
    ]);
    expect(checkSpec('time', 'on', { cron: '*/5 * * * *' }, BERLIN)).toEqual([]);
  });
});

describe('daily windows', () => {
  const window = (spec: Record<string, unknown>, action: 'on' | 'off' | 'set_value' = 'on'): TimedSchedule => ({
    kind: 'time',
    action,
    ...(action === 'set_value' ? { value: 200 } : {}),
    spec: spec as TimedSchedule['spec'],
    anchor: 0,
  });
  /** Firings in (from, to] as "ISO action". */
  const fired = (s: TimedSchedule, from: string, to: string, zone = BERLIN) =>
    firingsBetween(s, zone, at(from), at(to)).map((f) => `${iso(f.at)} ${f.action}`);

  it('accept windows that cross midnight, end at 24:00 or last some hours, and refuse the rest naming the field', () => {
    const ok: Array<Record<string, unknown>> = [
      { start: '18:00', end: '06:00' },
      { start: '06:00', end: '24:00' },
      { start: '00:00', end: '24:00' },
      { start: '06:00', hours: 18 },
      { start: '18:00', hours: 12.5 },
      { start: '06:00', hours: 0 },
      { start: '06:00', hours: 24 },
    ];
    for (const spec of ok) expect(checkSpec('time', 'on', spec, BERLIN), JSON.stringify(spec)).toEqual([]);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ start: '06:00', hours: -1 }, 'body.hours'],
      [{ start: '06:00', hours: 25 }, 'body.hours'],
      [{ start: '06:00', hours: 12.345 }, 'body.hours'],
      [{ start: '06:00', hours: '12' }, 'body.hours'],
      [{ start: '25:00', end: '06:00' }, 'body.start'],
      [{ start: '24:00', hours: 6 }, 'body.start'],
      [{ start: '06:00', end: '24:30' }, 'body.end'],
      [{ start: '06:00', end: '18:00', hours: 12 }, 'body.hours'],
      [{ end: '06:00' }, 'body.start'],
      [{ start: '06:00' }, 'body.end'],
    ];
    for (const [spec, field] of bad)
      expect(
        checkSpec('time', 'on', spec, BERLIN).map((p) => p.field),
        JSON.stringify(spec),
      ).toEqual([field]);
    expect(
      checkSpec('duration', 'on', { on_s: 60, off_s: 60, window: { start: '22:00', end: '02:00' } }, BERLIN),
    ).toEqual([]);
    expect(
      checkSpec('duration', 'on', { on_s: 60, off_s: 60, window: { start: '22:00', hours: 30 } }, BERLIN).map(
        (p) => p.field,
      ),
    ).toEqual(['body.window.hours']);
  });

  it('switch on at 18:00 and off at 06:00 the next day', () => {
    // Berlin in June is UTC+2.
    expect(fired(window({ start: '18:00', end: '06:00' }), '2026-06-10T12:00:00Z', '2026-06-12T12:00:00Z')).toEqual([
      '2026-06-10T16:00:00.000Z on',
      '2026-06-11T04:00:00.000Z off',
      '2026-06-11T16:00:00.000Z on',
      '2026-06-12T04:00:00.000Z off',
    ]);
    // The same as 12 hours from 18:00; from inside a window, its end comes first.
    expect(fired(window({ start: '18:00', hours: 12 }), '2026-06-11T00:00:00Z', '2026-06-11T23:00:00Z')).toEqual([
      '2026-06-11T04:00:00.000Z off',
      '2026-06-11T16:00:00.000Z on',
    ]);
  });

  it('end 18 hours from 06:00 at the next local midnight, written 24:00 or as hours', () => {
    const expected = [
      '2026-06-10T04:00:00.000Z set_value',
      '2026-06-10T22:00:00.000Z off',
      '2026-06-11T04:00:00.000Z set_value',
    ];
    for (const spec of [
      { start: '06:00', end: '24:00' },
      { start: '06:00', hours: 18 },
    ])
      expect(fired(window(spec, 'set_value'), '2026-06-10T00:00:00Z', '2026-06-11T12:00:00Z')).toEqual(expected);
  });

  it('take decimal hours to the minute', () => {
    expect(fired(window({ start: '18:00', hours: 12.5 }), '2026-06-10T12:00:00Z', '2026-06-11T12:00:00Z')).toEqual([
      '2026-06-10T16:00:00.000Z on',
      '2026-06-11T04:30:00.000Z off',
    ]);
    expect(fired(window({ start: '06:00', hours: 0.25 }), '2026-06-10T00:00:00Z', '2026-06-10T12:00:00Z')).toEqual([
      '2026-06-10T04:00:00.000Z on',
      '2026-06-10T04:15:00.000Z off',
    ]);
  });

  it('keep the channel off all day at 0 h, and on all day at 24 h', () => {
    // 0 h: at the start, the undoing of the action (never the action itself).
    expect(fired(window({ start: '06:00', hours: 0 }), '2026-06-10T00:00:00Z', '2026-06-12T00:00:00Z')).toEqual([
      '2026-06-10T04:00:00.000Z off',
      '2026-06-11T04:00:00.000Z off',
    ]);
    expect(fired(window({ start: '06:00', hours: 0 }, 'off'), '2026-06-10T00:00:00Z', '2026-06-11T00:00:00Z')).toEqual([
      '2026-06-10T04:00:00.000Z on',
    ]);
    // 24 h: the action at the start each day, never undone.
    expect(
      firingsBetween(
        window({ start: '06:00', hours: 24 }, 'set_value'),
        BERLIN,
        at('2026-06-10T00:00:00Z'),
        at('2026-06-12T00:00:00Z'),
      ),
    ).toEqual([
      { at: at('2026-06-10T04:00:00Z'), action: 'set_value', value: 200 },
      { at: at('2026-06-11T04:00:00Z'), action: 'set_value', value: 200 },
    ]);
    expect(fired(window({ start: '00:00', end: '24:00' }), '2026-06-10T00:00:00Z', '2026-06-11T00:00:00Z')).toEqual([
      '2026-06-10T22:00:00.000Z on',
    ]);
  });

  it('end on the wall clock across daylight saving: 06:00 local after a 23-hour and a 25-hour night', () => {
    const night = window({ start: '18:00', hours: 12 });
    // 2026-03-29: clocks go 02:00 → 03:00; 18:00 CET to 06:00 CEST is 11 real hours.
    expect(fired(night, '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z')).toEqual([
      '2026-03-28T17:00:00.000Z on',
      '2026-03-29T04:00:00.000Z off',
    ]);
    // 2026-10-25: clocks go 03:00 → 02:00; 18:00 CEST to 06:00 CET is 13 real hours.
    expect(fired(night, '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z')).toEqual([
      '2026-10-24T16:00:00.000Z on',
      '2026-10-25T05:00:00.000Z off',
    ]);
    // A window of 24 h across the 23-hour day starts at 06:00 local both days, and is never undone.
    expect(fired(window({ start: '06:00', hours: 24 }), '2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z')).toEqual([
      '2026-03-28T05:00:00.000Z on',
      '2026-03-29T04:00:00.000Z on',
    ]);
  });

  it('start a window in the skipped hour at the next valid moment, and drop one wholly inside it', () => {
    // 02:30 does not exist on 2026-03-29 in Berlin: the window opens at 03:00 CEST and still ends at 06:30.
    expect(fired(window({ start: '02:30', hours: 4 }), '2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z on',
      '2026-03-28T05:30:00.000Z off',
      '2026-03-29T01:00:00.000Z on',
      '2026-03-29T04:30:00.000Z off',
    ]);
    // 02:00–02:30 lies wholly in the gap that night: nothing that day, the days around it as usual.
    expect(fired(window({ start: '02:00', end: '02:30' }), '2026-03-28T00:00:00Z', '2026-03-30T12:00:00Z')).toEqual([
      '2026-03-28T01:00:00.000Z on',
      '2026-03-28T01:30:00.000Z off',
      '2026-03-30T00:00:00.000Z on',
      '2026-03-30T00:30:00.000Z off',
    ]);
    // A window ending in the repeated hour of the fall-back night ends the first time it is 02:30.
    expect(fired(window({ start: '22:00', end: '02:30' }), '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z')).toEqual([
      '2026-10-24T20:00:00.000Z on',
      '2026-10-25T00:30:00.000Z off',
    ]);
  });

  it('tell whether a moment is inside the window, on the day after its start too', () => {
    const night = { start: '18:00', end: '06:00' };
    expect(inWindow(night, BERLIN, at('2026-06-11T00:00:00Z'))).toBe(true); // 02:00 local
    expect(inWindow(night, BERLIN, at('2026-06-11T04:00:00Z'))).toBe(false); // 06:00 local: just ended
    expect(inWindow(night, BERLIN, at('2026-06-11T10:00:00Z'))).toBe(false);
    expect(inWindow(night, BERLIN, at('2026-06-11T16:00:00Z'))).toBe(true); // 18:00 local: just began
    expect(inWindow(night, BERLIN, at('2026-10-25T04:30:00Z'))).toBe(true); // 05:30 CET after a 25-hour night
    expect(inWindow({ start: '06:00', hours: 24 }, BERLIN, at('2026-06-11T03:59:00Z'))).toBe(true);
    expect(inWindow({ start: '06:00', hours: 0 }, BERLIN, at('2026-06-11T04:00:00Z'))).toBe(false);
  });

  it('switch at once when a change of hours says otherwise about now, judging the old window by what it last fired', () => {
    const veg = window({ start: '06:00', hours: 18 }, 'set_value');
    const flower = window({ start: '06:00', hours: 12 }, 'set_value');
    const was = (timing: TimedSchedule, next: string | null) => ({
      timing,
      next_fire_at: next === null ? null : at(next),
    });
    // 20:00 local (18:00Z): 18 h still holds, 12 h ended at 18:00 local: off now.
    expect(windowChangeFiring(was(veg, '2026-06-10T22:00:00Z'), flower, BERLIN, at('2026-06-10T18:00:00Z'))).toEqual({
      at: at('2026-06-10T18:00:00Z'),
      action: 'off',
    });
    // Just after midnight, before the sweep fired the 18 h window's off: still off now.
    const justAfter = at('2026-06-10T22:00:01Z');
    expect(windowChangeFiring(was(veg, '2026-06-10T22:00:00Z'), flower, BERLIN, justAfter)).toEqual({
      at: justAfter,
      action: 'off',
    });
    // Once the sweep fired it (the next firing is tomorrow's 06:00), both agree: nothing.
    expect(windowChangeFiring(was(veg, '2026-06-11T04:00:00Z'), flower, BERLIN, justAfter)).toBeNull();
    // Back from 12 h to 18 h at 20:00: on again now, with the value.
    expect(windowChangeFiring(was(flower, '2026-06-11T04:00:00Z'), veg, BERLIN, at('2026-06-10T18:00:00Z'))).toEqual({
      at: at('2026-06-10T18:00:00Z'),
      action: 'set_value',
      value: 200,
    });
    // Both inside at 10:00, from a disabled schedule, or a cron: nothing.
    expect(windowChangeFiring(was(veg, '2026-06-10T22:00:00Z'), flower, BERLIN, at('2026-06-10T08:00:00Z'))).toBeNull();
    expect(windowChangeFiring(null, flower, BERLIN, at('2026-06-10T18:00:00Z'))).toBeNull();
    const cron: TimedSchedule = { kind: 'time', action: 'on', spec: { cron: '0 6 * * *' }, anchor: 0 };
    expect(windowChangeFiring(was(cron, null), flower, BERLIN, at('2026-06-10T18:00:00Z'))).toBeNull();
    // 24 h to 0 h at 02:00: off now.
    expect(
      windowChangeFiring(
        was(window({ start: '06:00', hours: 24 }), '2026-06-11T04:00:00Z'),
        window({ start: '06:00', hours: 0 }),
        BERLIN,
        at('2026-06-11T00:00:00Z'),
      ),
    ).toEqual({ at: at('2026-06-11T00:00:00Z'), action: 'off' });
  });

  it('change the hours of a window without repeating its start', () => {
    expect(patchWindow({ start: '06:00', hours: 18 }, { hours: 12 })).toEqual({ start: '06:00', hours: 12 });
    expect(patchWindow({ start: '06:00', end: '24:00' }, { hours: 12 })).toEqual({ start: '06:00', hours: 12 });
    expect(patchWindow({ start: '06:00', hours: 18 }, { start: '05:00' })).toEqual({ start: '05:00', hours: 18 });
    expect(patchWindow({ start: '06:00', hours: 18 }, { end: '20:00' })).toEqual({ start: '06:00', end: '20:00' });
    // A cron, or settings besides the window's, replace the old ones whole.
    expect(patchWindow({ cron: '0 6 * * *' }, { hours: 12 })).toEqual({ hours: 12 });
    expect(patchWindow({ start: '06:00', hours: 18 }, { cron: '0 6 * * *' })).toEqual({ cron: '0 6 * * *' });
  });

  it('fire, sweep after sweep, exactly the firings the preview shows', () => {
    const cases: Array<[TimedSchedule, string]> = [
      [window({ start: '18:00', end: '06:00' }), '2026-03-26T00:00:00Z'],
      [window({ start: '18:00', hours: 12 }), '2026-10-22T00:00:00Z'],
      [window({ start: '06:00', end: '24:00' }), '2026-10-22T00:00:00Z'],
      [window({ start: '02:30', hours: 4 }), '2026-03-26T00:00:00Z'],
      [window({ start: '06:00', hours: 0 }), '2026-03-26T00:00:00Z'],
      [window({ start: '06:00', hours: 24 }, 'set_value'), '2026-10-22T00:00:00Z'],
      [
        {
          kind: 'duration',
          action: 'on',
          spec: { on_s: 36_000, off_s: 36_000, window: { start: '06:00', hours: 24 } },
          anchor: 0,
        },
        '2026-03-26T00:00:00Z',
      ],
      [
        {
          kind: 'duration',
          action: 'on',
          spec: { on_s: 2_700, off_s: 2_700, window: { start: '22:00', end: '02:00' } },
          anchor: 0,
        },
        '2026-10-22T00:00:00Z',
      ],
    ];
    for (const [schedule, from] of cases) {
      const preview = firingsBetween(schedule, BERLIN, at(from), at(from) + 7 * 86_400_000);
      const swept: number[] = [];
      for (let cursor = at(from); ;) {
        const next = nextFiring(schedule, BERLIN, cursor);
        if (!next || next.at > at(from) + 7 * 86_400_000) break;
        swept.push(next.at);
        cursor = next.at;
      }
      expect(swept, JSON.stringify(schedule.spec)).toEqual(preview.map((f) => f.at));
      expect(new Set(swept).size, 'never two firings at one moment').toBe(swept.length);
    }
  });
});

describe('duration schedules', () => {
  it('cycle on and off inside the daily window, ending off at the window’s end', () => {
    const pump: TimedSchedule = {
      kind: 'duration',
      action: 'on',
      spec: { on_s: 300, off_s: 7200, window: { start: '06:00', end: '12:00' } },
      anchor: 0,
    };
    const day = firingsBetween(pump, 'UTC', at('2026-06-10T00:00:00Z'), at('2026-06-10T23:59:00Z')).map(
      (f) => `${iso(f.at).slice(11, 16)} ${f.action}`,
    );
    expect(day).toEqual(['06:00 on', '06:05 off', '08:05 on', '08:10 off', '10:10 on', '10:15 off']);
  });

  it('cycle inside a window that crosses midnight, and run on through a window of 24 h', () => {
    const pump = (window: Record<string, unknown>, on_s: number, off_s: number): TimedSchedule => ({
      kind: 'duration',
      action: 'on',
      spec: { on_s, off_s, window: window as { start: string; end: string } },
      anchor: 0,
    });
    const hhmm = (s: TimedSchedule, from: string, to: string) =>
      firingsBetween(s, 'UTC', at(from), at(to)).map((f) => `${iso(f.at).slice(8, 16)} ${f.action}`);
    expect(
      hhmm(pump({ start: '22:00', end: '02:00' }, 3_600, 1_800), '2026-06-10T12:00:00Z', '2026-06-11T12:00:00Z'),
    ).toEqual(['10T22:00 on', '10T23:00 off', '10T23:30 on', '11T00:30 off', '11T01:00 on', '11T02:00 off']);
    // 10 h on, 10 h off, all day: the on-period cut by the day's end (from 02:00, of the window that began
    // the day before) runs on into the next day's first.
    expect(
      hhmm(pump({ start: '06:00', hours: 24 }, 36_000, 36_000), '2026-06-10T00:00:00Z', '2026-06-11T23:00:00Z'),
    ).toEqual(['10T02:00 on', '10T06:00 on', '10T16:00 off', '11T02:00 on', '11T06:00 on', '11T16:00 off']);
    // 0 h: no cycle, the pump kept off.
    expect(hhmm(pump({ start: '06:00', hours: 0 }, 60, 60), '2026-06-10T00:00:00Z', '2026-06-11T00:00:00Z')).toEqual([
      '10T06:00 off',
    ]);
  });

  it('keep a window to the weekdays it lists (0 = Sunday, as in cron), also across midnight', () => {
    // 2026-06-07 is a Sunday; Mondays and Thursdays at 07:30, 90 s each, twice 6 h apart (a watering pump).
    const pump: TimedSchedule = {
      kind: 'duration',
      action: 'on',
      spec: { on_s: 90, off_s: 21_510, repeat: 2, window: { start: '07:30', hours: 12, days: [4, 1] } },
      anchor: 0,
    };
    const week = firingsBetween(pump, 'UTC', at('2026-06-07T00:00:00Z'), at('2026-06-14T00:00:00Z')).map(
      (f) => `${iso(f.at).slice(8, 19)} ${f.action}`,
    );
    expect(week).toEqual([
      '08T07:30:00 on',
      '08T07:31:30 off',
      '08T13:30:00 on',
      '08T13:31:30 off',
      '11T07:30:00 on',
      '11T07:31:30 off',
      '11T13:30:00 on',
      '11T13:31:30 off',
    ]);
    // A Saturday window from 23:58 runs into Sunday; Sunday itself starts none.
    const night: TimedSchedule = {
      ...pump,
      spec: { on_s: 60, off_s: 60, repeat: 3, window: { start: '23:58', hours: 1, days: [6] } },
    };
    expect(
      firingsBetween(night, 'UTC', at('2026-06-12T00:00:00Z'), at('2026-06-15T00:00:00Z')).map((f) =>
        iso(f.at).slice(8, 16),
      ),
    ).toEqual(['13T23:58', '13T23:59', '14T00:00', '14T00:01', '14T00:02', '14T00:03']);
    expect(inWindow({ start: '07:30', hours: 12, days: [1] }, 'UTC', at('2026-06-08T08:00:00Z'))).toBe(true);
    expect(inWindow({ start: '07:30', hours: 12, days: [1] }, 'UTC', at('2026-06-09T08:00:00Z'))).toBe(false);
    const bad = (days: unknown) =>
      checkSpec('duration', 'on', { on_s: 60, off_s: 60, window: { start: '07:30', hours: 1, days } }, BERLIN).map(
        (p) => p.field,
      );
    expect(bad([0, 6])).toEqual([]);
    for (const days of [[7], [], [1, 1], [-1], [1.5], 'mon'])
      expect(bad(days), JSON.stringify(days)).toEqual(['body.window.days']);
  });

  it('decide no more cycles than the firings asked for, however short the cycle and long the span', () => {
    let decided = 0;
    // Counts the cycles looked at: each reads `repeat` once.
    const spec = {
      on_s: 1,
      off_s: 1,
      get repeat() {
        decided++;
        return undefined;
      },
    };
    const flicker: TimedSchedule = { kind: 'duration', action: 'on', spec, anchor: at('2026-06-10T00:00:00Z') };
    const from = at('2026-06-10T00:00:00Z');
    const month = firingsBetween(flicker, 'UTC', from, from + 31 * 86_400_000, 5_000);
    expect(month).toHaveLength(5_000);
    expect(iso(month[0]!.at)).toBe('2026-06-10T00:00:01.000Z');
    expect(decided).toBeLessThan(5_000);
    decided = 0;
    expect(nextFiring(flicker, 'UTC', from)).toEqual({ at: from + 1000, action: 'off' });
    expect(decided).toBeLessThan(10);
    const windowed = { ...flicker, spec: { on_s: 1, off_s: 1, window: { start: '06:00', end: '18:00' } } };
    expect(firingsBetween(windowed, 'UTC', from, from + 31 * 86_400_000, 100)).toHaveLength(100);
  });

  it('stop after the cycles asked for, counting from the anchor without a window', () => {
    const mister: TimedSchedule = {
      kind: 'duration',
      action: 'on',
      spec: { on_s: 60, off_s: 60, repeat: 2 },
      anchor: at('2026-06-10T10:00:00Z'),
    };
    expect(
      firingsBetween(mister, 'UTC', at('2026-06-10T09:00:00Z'), at('2026-06-11T00:00:00Z')).map((f) =>
        iso(f.at).slice(11, 16),
      ),
    ).toEqual(['10:00', '10:01', '10:02', '10:03']);
    expect(nextFiring(mister, 'UTC', at('2026-06-10T10:03:00Z'))).toBeUndefined();
    expect(nextFiring(mister, 'UTC', at('2026-06-10T10:01:30Z'))).toEqual({
      at: at('2026-06-10T10:02:00Z'),
      action: 'on',
    });
  });
});

describe('condition schedules', () => {
  const fan: ConditionSpec = {
    condition: { device: 'house-1', metric: 'temperature', operator: '>', value: 30 },
    hysteresis: 2,
    min_hold_s: 60,
    max_age_s: 120,
  };
  const run = (spec: ConditionSpec, value: number | undefined, now: number, state: ConditionState, readingAge = 0) => {
    const { truth, since } = evaluate(
      spec,
      () => (value === undefined ? undefined : { value, ts: now - readingAge * 1000 }),
      now,
      state,
    );
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
    const spec: ConditionSpec = {
      condition: {
        all: [
          { device: 'h', metric: 'humidity', operator: '<', value: 40, for_s: 300 },
          { not: [{ device: 'h', metric: 'rain', operator: '>', value: 0 }] },
        ],
      },
    };
    const readings = (humidity: number, rain: number) => (_d: string, m: string) => ({
      value: m === 'humidity' ? humidity : rain,
      ts: 0,
    });
    let state: ConditionState = INITIAL_CONDITION_STATE;
    const first = evaluate(spec, readings(35, 0), 0, state);
    expect(first.truth).toBe(false);
    state = { ...state, since: first.since };
    expect(evaluate(spec, readings(35, 0), 300_000, state).truth).toBe(true);
    expect(evaluate(spec, readings(35, 1), 300_000, state).truth).toBe(false);
    expect(
      evaluate(
        {
          condition: {
            any: [
              { device: 'h', metric: 'x', operator: '>', value: 1 },
              { device: 'h', metric: 'humidity', operator: '<', value: 40 },
            ],
          },
        },
        (_d, m) => (m === 'humidity' ? { value: 30, ts: 0 } : undefined),
        0,
        INITIAL_CONDITION_STATE,
      ).truth,
    ).toBe(true);
  });
});

describe('firing due schedules', () => {
  const hourly: TimedSchedule = { kind: 'time', action: 'on', spec: { cron: '0 * * * *' }, anchor: 0 };
  const due = (over: Partial<DueSchedule> = {}): DueSchedule => ({
    id: 'fan',
    name: 'Fan',
    farm_id: 'farm',
    device_id: 'relay',
    channel: 'fan',
    priority: 0,
    created_at: 0,
    next_fire_at: at('2026-06-10T06:00:00Z'),
    timing: hourly,
    zone: 'UTC',
    ...over,
  });
  const FIRE: FiringDecision = { kind: 'fire' };
  const MISSED: FiringDecision = {
    kind: 'skip',
    reason: 'missed',
    error: 'Missed: Croft was not running at that time',
    skipped_by: null,
  };
  const STOPPED: FiringDecision = {
    kind: 'skip',
    reason: 'emergency_stop',
    error: 'An emergency stop holds the farm',
    skipped_by: null,
  };
  /** Each planned firing as [schedule, time, decision], and each schedule's next firing. */
  const plan = (schedules: DueSchedule[], now: string, stops: string[] = []) => {
    const { firings, next } = planTick(schedules, at(now), new Set(stops));
    return {
      firings: firings.map((f) => [f.schedule.id, iso(f.firing.at), f.decision] as const),
      next: Object.fromEntries(next.map((n) => [n.schedule.id, n.at === null ? null : iso(n.at)])),
    };
  };
  const limit = new Date(at('2026-06-10T06:00:00Z') + LATE_LIMIT_MS).toISOString();

  // [case, now, farms an emergency stop holds, firings (local HH:MM, decision), next firing HH:MM]
  const single: Array<[string, string, string[], Array<[string, FiringDecision]>, string]> = [
    ['on time', '2026-06-10T06:00:00.000Z', [], [['06:00', FIRE]], '07:00'],
    ['late within the limit', '2026-06-10T06:00:45.000Z', [], [['06:00', FIRE]], '07:00'],
    ['late by exactly the limit', limit, [], [['06:00', FIRE]], '07:00'],
    ['late by a millisecond more than the limit', '2026-06-10T06:01:00.001Z', [], [['06:00', MISSED]], '07:00'],
    [
      'missed beyond the limit, each firing since',
      '2026-06-10T08:30:00.000Z',
      [],
      [
        ['06:00', MISSED],
        ['07:00', MISSED],
        ['08:00', MISSED],
      ],
      '09:00',
    ],
    [
      'after a restart: older ones missed, the one of the last minute run',
      '2026-06-10T08:00:30.000Z',
      [],
      [
        ['06:00', MISSED],
        ['07:00', MISSED],
        ['08:00', FIRE],
      ],
      '09:00',
    ],
    ['not due yet', '2026-06-10T05:59:59.000Z', [], [], '06:00'],
    ['while an emergency stop holds the farm', '2026-06-10T06:00:10.000Z', ['farm'], [['06:00', STOPPED]], '07:00'],
    [
      'missed while a stop holds: recorded as missed',
      '2026-06-10T07:00:10.000Z',
      ['farm'],
      [
        ['06:00', MISSED],
        ['07:00', STOPPED],
      ],
      '08:00',
    ],
    ['a stop holding another farm', '2026-06-10T06:00:10.000Z', ['other'], [['06:00', FIRE]], '07:00'],
  ];
  it.each(single)('%s', (_case, now, stops, firings, next) => {
    const result = plan([due()], now, stops);
    expect(result.firings).toEqual(firings.map(([hhmm, decision]) => ['fan', `2026-06-10T${hhmm}:00.000Z`, decision]));
    expect(result.next).toEqual({ fan: `2026-06-10T${next}:00.000Z` });
  });

  it('catches up at most CATCH_UP_LIMIT firings of a schedule, and then looks ahead from now', () => {
    const everyMinute = due({ timing: { kind: 'time', action: 'on', spec: { cron: '* * * * *' }, anchor: 0 } });
    const result = plan([everyMinute], '2026-06-10T09:00:00.000Z');
    expect(result.firings).toHaveLength(CATCH_UP_LIMIT);
    expect(result.firings.every(([, , decision]) => decision.kind === 'skip')).toBe(true);
    expect(result.firings[0]?.[1]).toBe('2026-06-10T06:00:00.000Z');
    expect(result.next).toEqual({ fan: '2026-06-10T09:01:00.000Z' });
  });

  it('fires a duration cycle’s switch-off with no value, and has no next firing after its last cycle', () => {
    const mister = due({
      timing: {
        kind: 'duration',
        action: 'set_value',
        value: 80,
        spec: { on_s: 60, off_s: 60, repeat: 1 },
        anchor: at('2026-06-10T06:00:00Z'),
      },
    });
    const { firings, next } = planTick([mister], at('2026-06-10T06:01:00Z'), new Set());
    expect(firings.map((f) => [iso(f.firing.at), f.firing.action, f.firing.value, f.decision.kind])).toEqual([
      ['2026-06-10T06:00:00.000Z', 'set_value', 80, 'fire'],
      ['2026-06-10T06:01:00.000Z', 'off', undefined, 'fire'],
    ]);
    expect(next).toEqual([{ schedule: mister, at: null }]);
  });

  const low = due({ id: 'low', name: 'Low', priority: 1, created_at: 1 });
  const outranked = (by: string, name: string, priority: number): FiringDecision => ({
    kind: 'skip',
    reason: 'outranked',
    skipped_by: by,
    error: `Skipped for "${name}" (priority ${priority})`,
  });
  const halfMinute: TimedSchedule = { kind: 'time', action: 'off', spec: { cron: '30 0 * * * *' }, anchor: 0 };
  // [case, the other schedule, now, the decision on Low's firing, the decision on the other's]
  const rivals: Array<[string, DueSchedule, string, FiringDecision, FiringDecision]> = [
    [
      'higher priority wins',
      due({ id: 'high', name: 'High', priority: 5, created_at: 2 }),
      '2026-06-10T06:00:00.000Z',
      outranked('high', 'High', 5),
      FIRE,
    ],
    [
      'equal priority: the older schedule wins',
      due({ id: 'older', name: 'Older', priority: 1, created_at: 0 }),
      '2026-06-10T06:00:00.000Z',
      outranked('older', 'Older', 1),
      FIRE,
    ],
    [
      'equal priority, the other one newer',
      due({ id: 'newer', name: 'Newer', priority: 1, created_at: 5 }),
      '2026-06-10T06:00:00.000Z',
      FIRE,
      outranked('low', 'Low', 1),
    ],
    [
      'lower priority loses, however old',
      due({ id: 'lower', name: 'Lower', priority: -3, created_at: 0 }),
      '2026-06-10T06:00:00.000Z',
      FIRE,
      outranked('low', 'Low', 1),
    ],
    [
      'another channel: both fire',
      due({ id: 'pump', name: 'Pump', priority: 5, channel: 'pump' }),
      '2026-06-10T06:00:00.000Z',
      FIRE,
      FIRE,
    ],
    [
      'another device: both fire',
      due({ id: 'other', name: 'Other', priority: 5, device_id: 'relay-2' }),
      '2026-06-10T06:00:00.000Z',
      FIRE,
      FIRE,
    ],
    [
      'another moment: both fire',
      due({ id: 'half', name: 'Half', priority: 5, timing: halfMinute }),
      '2026-06-10T06:00:40.000Z',
      FIRE,
      FIRE,
    ],
    [
      'both missed: missed, not outranked',
      due({ id: 'high', name: 'High', priority: 5 }),
      '2026-06-10T06:05:00.000Z',
      MISSED,
      MISSED,
    ],
  ];
  it.each(rivals)('on one channel at one moment: %s', (_case, other, now, lowDecision, otherDecision) => {
    const { firings } = plan([low, other], now);
    expect(firings).toHaveLength(2);
    const decisions = Object.fromEntries(firings.map(([id, , decision]) => [id, decision]));
    expect(decisions).toEqual({ low: lowDecision, [other.id]: otherDecision });
  });

  it('ranks by priority, then age', () => {
    const cases: Array<[[number, number], [number, number], boolean]> = [
      [[2, 9], [1, 0], true],
      [[1, 0], [2, 9], false],
      [[1, 0], [1, 9], true],
      [[1, 9], [1, 0], false],
      [[1, 5], [1, 5], false],
    ];
    for (const [[pa, ca], [pb, cb], wins] of cases) {
      const a = { priority: pa, created_at: ca };
      expect(outranks(a, { priority: pb, created_at: cb }), `${pa}/${ca} over ${pb}/${cb}`).toBe(wins);
    }
  });

  it('runs a schedule by hand now, unless an emergency stop holds the farm', () => {
    const now = at('2026-06-10T06:17:03Z');
    expect(runNowFiring({ action: 'set_value', value: 40 }, now, false)).toEqual({
      ok: true,
      firing: { at: now, action: 'set_value', value: 40 },
    });
    expect(runNowFiring({ action: 'on' }, now, true)).toEqual({
      ok: false,
      code: 'EMERGENCY_STOP',
      message: 'An emergency stop holds this farm',
    });
  });
});

describe('condition steps', () => {
  const spec: ConditionSpec = {
    condition: { device: 'probe', metric: 'temperature', operator: '>', value: 30, for_s: 60 },
  };
  const fan = { action: 'set_value' as const, value: 200, spec };
  const held = { c: 0 };
  type Step = ReturnType<typeof conditionStep>;
  // [case, stored state, reading, now, emergency stop, the step]
  const cases: Array<[string, Partial<ConditionState>, number, number, boolean, Step]> = [
    [
      'a leaf starts holding: its timer starts, nothing fires',
      {},
      31,
      10_000,
      false,
      { state: { active: false, changed_at: null, since: { c: 10_000 } }, changed: true, firing: null },
    ],
    [
      'held long enough: switches its action on, with its value',
      { since: held },
      31,
      60_000,
      false,
      {
        state: { active: true, changed_at: 60_000, since: held },
        changed: true,
        firing: { at: 60_000, action: 'set_value', value: 200 },
      },
    ],
    [
      'an emergency stop holds: decides nothing, the timer runs on',
      { since: held },
      31,
      60_000,
      true,
      { state: { active: false, changed_at: null, since: held }, changed: false, firing: null },
    ],
    [
      'the condition gone: undoes the action',
      { active: true, changed_at: 0, since: held },
      20,
      120_000,
      false,
      {
        state: { active: false, changed_at: 120_000, since: { c: null } },
        changed: true,
        firing: { at: 120_000, action: 'off' },
      },
    ],
    [
      'still true while in force: nothing changes',
      { active: true, changed_at: 0, since: held },
      31,
      120_000,
      false,
      { state: { active: true, changed_at: 0, since: held }, changed: false, firing: null },
    ],
  ];
  it.each(cases)('%s', (_case, stored, value, now, stop, step) => {
    expect(conditionStep(fan, stored, () => ({ value, ts: 0 }), now, stop)).toEqual(step);
  });
});
