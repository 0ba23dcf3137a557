import type { TFunction } from 'i18next';

/**
 * A cron expression in a farmer's words when it is the kind the form makes ("minute hour * * days"):
 * "every day at 06:30", "Mon, Wed at 06:30". Anything else is shown as it is.
 */
export function cronInWords(cron: string, t: TFunction): string {
  const match = /^(\d{1,2}) (\d{1,2}) \* \* (\*|[0-6](?:,[0-6])*)$/.exec(cron.trim());
  if (!match) return t('schedules.cronSummary', { cron });
  const time = `${match[2]!.padStart(2, '0')}:${match[1]!.padStart(2, '0')}`;
  if (match[3] === '*') return t('schedules.everyDayAtTime', { time });
  const days = ['1', '2', '3', '4', '5', '6', '0']
    .filter((d) => match[3]!.split(',').includes(d))
    .map((d) => t(`weekdays.${d}`))
    .join(', ');
  return t('schedules.daysAtTime', { days, time });
}
