import { describe, expect, it } from 'vitest';
import { isTimeZone, localTime } from './time-zones.js';

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
