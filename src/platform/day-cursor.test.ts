import { describe, expect, it } from 'vitest';
import { dayPage, isCalendarDay, nextDayCursor } from './day-cursor.js';

const id = '0b9f4c3e-6d2a-4e71-9a4b-1c2d3e4f5a6b';

describe('pages of lists kept by day', () => {
  it('knows a calendar day from a day-shaped string', () => {
    expect(isCalendarDay('2026-02-28')).toBe(true);
    expect(isCalendarDay('2028-02-29')).toBe(true);
    expect(isCalendarDay('2026-02-30')).toBe(false);
    expect(isCalendarDay('2026-2-3')).toBe(false);
  });

  it('reads back the cursor it gave, and gives none on the last page', () => {
    const cursor = nextDayCursor(true, { day: '2026-06-01', id })!;
    expect(dayPage({ cursor })).toEqual({ before: { day: '2026-06-01', id } });
    expect(nextDayCursor(false, { day: '2026-06-01', id })).toBeNull();
    expect(nextDayCursor(true, undefined)).toBeNull();
    expect(dayPage({})).toEqual({ before: undefined });
  });

  it.each([`2026-02-30|${id}`, '2026-06-01|not-a-uuid', `2026-06-01|${id}|more`, 'garbage'])(
    'refuses the cursor %s, naming the query parameter',
    (cursor) => {
      expect(() => dayPage({ cursor })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    },
  );

  it('refuses a range that ends before it starts', () => {
    expect(() => dayPage({ from: '2026-06-02', to: '2026-06-01' })).toThrow('from is after to');
    expect(dayPage({ from: '2026-06-01', to: '2026-06-01' })).toEqual({ before: undefined });
  });
});
