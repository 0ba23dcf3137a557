import { describe, expect, it } from 'vitest';
import { isTimeZone, localTime, startOfLocalDay } from './time-zones.js';

describe('time zones', () => {
  it('know IANA zones and read local day, month, hour and minute', () => {
    expect(isTimeZone('Asia/Phnom_Penh')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(localTime(new Date('2026-12-31T17:30:00Z'), 'Asia/Phnom_Penh')).toEqual({
      date: '2027-01-01',
      month: 1,
      hour: 0,
      minuteOfDay: 30,
    });
    expect(localTime(new Date('2026-06-10T10:05:00Z'), 'UTC')).toEqual({
      date: '2026-06-10',
      month: 6,
      hour: 10,
      minuteOfDay: 605,
    });
  });
});

describe('startOfLocalDay', () => {
  it('is local midnight, on either side of daylight saving, and the first hour where midnight is skipped', () => {
    expect(startOfLocalDay('2026-06-01', 'Asia/Phnom_Penh').toISOString()).toBe('2026-05-31T17:00:00.000Z');
    expect(startOfLocalDay('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfLocalDay('2026-10-25', 'Europe/Berlin').toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(startOfLocalDay('2026-03-01', 'Asia/Kolkata').toISOString()).toBe('2026-02-28T18:30:00.000Z');
    // Chile moves its clocks at midnight: 6 September 2026 begins at 01:00 (−03:00).
    expect(startOfLocalDay('2026-09-06', 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(startOfLocalDay('2028-02-29', 'UTC').toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });
});
