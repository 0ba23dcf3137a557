import { Cron } from 'croner';

/**
 * The first firing of a cron expression strictly after `after`, read in `timeZone`. Five fields are
 * minute precision; six put seconds first.
 */
export function nextCronRun(expression: string, timeZone: string, after: Date): Date {
  const cron = new Cron(expression, { timezone: timeZone, paused: true });
  const next = cron.nextRun(after);
  if (!next) throw new Error(`Cron expression "${expression}" never fires again`);
  return next;
}

/** Throws a clear message when the expression or the zone cannot be read. */
export function checkCronSpec(expression: string, timeZone: string): void {
  try {
    nextCronRun(expression, timeZone, new Date(0));
  } catch (error) {
    throw new Error(`Cron "${expression}" in ${timeZone} is not valid: ${(error as Error).message}`);
  }
}
