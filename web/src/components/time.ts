import i18n from '../i18n';

/**
 * The locale Intl formats dates and numbers with: the page's language when the browser has its data
 * (Chromium ships none for Khmer), else day-first 24-hour British English, unambiguous for everyone.
 */
export function formatLocale(): string {
  return Intl.DateTimeFormat.supportedLocalesOf([i18n.language]).length ? i18n.language : 'en-GB';
}

/** "3 minutes ago" in the page's language (Croft's own words where the browser has none). */
export function timeAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (seconds > 60) return dateTime(iso);
  const ago = Math.max(0, -seconds);
  const [value, unit] =
    ago < 60
      ? [ago, 'second']
      : ago < 3600
        ? [Math.round(ago / 60), 'minute']
        : ago < 86_400
          ? [Math.round(ago / 3600), 'hour']
          : [Math.round(ago / 86_400), 'day'];
  if (Intl.RelativeTimeFormat.supportedLocalesOf([i18n.language]).length) {
    return new Intl.RelativeTimeFormat(i18n.language, { numeric: 'auto' }).format(
      -value,
      unit as Intl.RelativeTimeFormatUnit,
    );
  }
  if (ago < 10) return i18n.t('time.justNow');
  return i18n.t(`time.${unit}sAgo`, { count: value });
}

/** A date and time in the page's language (in a farm's time zone when given, else the device's). */
export function dateTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(formatLocale(), {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso));
}

/** A chart axis label: the time of day, or the date for ticks a day or more apart. */
export function axisLabel(epochSeconds: number, spanSeconds: number): string {
  const options: Intl.DateTimeFormatOptions =
    spanSeconds >= 86_400
      ? { day: 'numeric', month: 'short' }
      : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  return new Intl.DateTimeFormat(formatLocale(), options).format(new Date(epochSeconds * 1000));
}

/** A reading's value with its unit. */
export function formatValue(value: number, unit?: string | null): string {
  const text = new Intl.NumberFormat(formatLocale(), { maximumFractionDigits: 2 }).format(value);
  return unit ? `${text} ${unit}` : text;
}

/** A calendar date (YYYY-MM-DD) relative to today on this device: "today", "yesterday", "3 days ago". */
export function daysAgo(date: string): string {
  const today = new Date(new Date().toLocaleDateString('en-CA'));
  const days = Math.round((today.getTime() - new Date(date).getTime()) / 86_400_000);
  if (Intl.RelativeTimeFormat.supportedLocalesOf([i18n.language]).length) {
    return new Intl.RelativeTimeFormat(i18n.language, { numeric: 'auto' }).format(-days, 'day');
  }
  return days === 0 ? i18n.t('time.today') : i18n.t('time.daysAgo', { count: days });
}
