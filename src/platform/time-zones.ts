/** Whether `zone` is an IANA time zone this runtime knows (Europe/Berlin, Asia/Phnom_Penh, UTC …). */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(zone) && zone !== 'UTC') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The local calendar day (YYYY-MM-DD), month (1–12), hour (0–23) and minute of the day at `at` in `zone`. */
export function localTime(at: Date, zone: string): { date: string; month: number; hour: number; minuteOfDay: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '0';
  const hour = Number(get('hour'));
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    month: Number(get('month')),
    hour,
    minuteOfDay: hour * 60 + Number(get('minute')),
  };
}

/**
 * The instant a local calendar day (YYYY-MM-DD) begins in `zone`: its local midnight, or the first
 * hour of the day where daylight saving skips midnight (Chile, Cuba …).
 */
export function startOfLocalDay(day: string, zone: string): Date {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  const offsetAt = (at: number) => {
    const local = localTime(new Date(at), zone);
    return Date.parse(`${local.date}T00:00:00Z`) + local.minuteOfDay * 60_000 - Math.floor(at / 60_000) * 60_000;
  };
  // The zone's offset near that midnight, taken twice: the second lands on the right side of a change.
  let start = utcMidnight - offsetAt(utcMidnight);
  start = utcMidnight - offsetAt(start);
  while (localTime(new Date(start), zone).date < day) start += 3_600_000;
  while (localTime(new Date(start - 3_600_000), zone).date === day) start -= 3_600_000;
  return new Date(start);
}
