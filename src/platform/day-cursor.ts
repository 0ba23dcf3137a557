import { invalid } from './errors.js';
import { isUuid } from './ids.js';

/**
 * Lists of records kept by day (harvests, treatments, inspections) are read newest day first, then by id:
 * a page's cursor names its last row as `YYYY-MM-DD|uuid`.
 */
export interface DayKey {
  day: string;
  id: string;
}

/** Whether `day` is a real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function isCalendarDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === day;
}

/** The cursor of the page after the one ending at `last`, when there is more. */
export const nextDayCursor = (more: boolean, last: DayKey | undefined): string | null =>
  more && last ? `${last.day}|${last.id}` : null;

/**
 * The row a page starts after, from `?cursor=`, and the `?from=`/`?to=` days checked in order: a 400
 * naming the query parameter for a cursor this list did not give, or a range that ends before it starts.
 */
export function dayPage(query: { cursor?: string | undefined; from?: string | undefined; to?: string | undefined }): {
  before: DayKey | undefined;
} {
  let before: DayKey | undefined;
  if (query.cursor) {
    const [day, id, ...rest] = query.cursor.split('|');
    if (!day || !isCalendarDay(day) || !id || !isUuid(id) || rest.length > 0)
      throw invalid('Not a cursor of this list', { fields: [{ field: 'querystring.cursor', message: 'malformed' }] });
    before = { day, id };
  }
  if (query.from && query.to && query.from > query.to)
    throw invalid('from is after to', { fields: [{ field: 'querystring.from', message: 'after to' }] });
  return { before };
}
