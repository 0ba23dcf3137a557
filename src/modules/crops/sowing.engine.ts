/**
 * The sowing calendar's rules, pure: for one site and one year, each species' indoor sowing, outdoor
 * sowing, harvest and bloom windows as dates. No I/O and no clock: the year comes in.
 *
 * How a site is read:
 * - **Temperate** (the site has frost dates, or lies at |latitude| ≥ 23.4°): windows hang on the last
 *   frost. Indoor sowing runs from last frost − N weeks to the day before the last frost; outdoor sowing
 *   is a 14-day window from last frost + the species' offset, or else the species' sowing months.
 *   Frost-sensitive species (and those whose frost tolerance is unknown) never go outdoors before the
 *   safe date nor from the first frost on. Missing frost dates take defaults, named in the answer:
 *   last frost 1 May, first frost 15 October (Central European averages), safe date last frost + 14 days
 *   (15 May with the default: the end of the "Ice Saints"); in the southern hemisphere the same shifted
 *   by six months. The average last frost is a date with about even odds of a later frost, which is why
 *   the safe date keeps a margin after it.
 * - **Frost-free** (no frost dates and |latitude| < 23.4°): no indoor sowing; outdoor sowing from the
 *   species' sowing months, or, for a species the catalogue times by frost but gives no months, the
 *   start of the wet season (north of the equator May–July, the first half of the South-east Asian
 *   monsoon May–October; south of it November–January).
 * - **Months** in the shipped catalogue are written for the northern hemisphere (a Central European
 *   garden for temperate crops, lowland Cambodia for tropical ones): at a southern site they move by six
 *   months (March → September). A farm's own species' months are taken as the farm wrote them. Frost
 *   dates given for a site are used as they are, in either hemisphere.
 * - **The year's end**: windows are worked out for the seasons that touch the year and clipped to it; a
 *   window that crosses 31 December shows as two pieces (1 January → … and … → 31 December), each marked.
 */

export const TROPIC_LATITUDE = 23.4;
export const OUTDOOR_WINDOW_DAYS = 14;
export const SAFE_AFTER_LAST_FROST_DAYS = 14;
/** The defaults for a temperate site without frost dates, per hemisphere ("MM-DD"). */
export const DEFAULT_FROST = {
  north: { last: '05-01', first: '10-15' },
  south: { last: '11-01', first: '04-15' },
} as const;
/** The wet season's first months, when sowing without irrigation starts (per hemisphere). */
export const WET_SEASON_SOWING = { north: [5, 6, 7], south: [11, 12, 1] } as const;

export type Hemisphere = 'north' | 'south';
export type Climate = 'temperate' | 'frost-free';

/** What the site gives: its latitude and its frost dates ("MM-DD" or null). */
export interface SiteInput {
  latitude: number;
  lastFrost: string | null;
  firstFrost: string | null;
  frostSafe: string | null;
}

/** A value the calendar assumed because the site or the species did not give it. */
export interface Assumed {
  name: 'last_frost' | 'first_frost' | 'frost_safe' | 'wet_season' | 'southern_months';
  value: string;
  reason: string;
}

/** How a site's calendar is read for a year. */
export interface CalendarBasis {
  year: number;
  hemisphere: Hemisphere;
  climate: Climate;
  /** The frost dates in use ("MM-DD"; safe null: last frost + 14 days), null at a frost-free site. */
  frost: { last: string; first: string; safe: string | null } | null;
  /** The frost dates the calendar filled in (the site did not give them). */
  defaults: Assumed[];
}

/** What a species gives the calendar. */
export interface SpeciesInput {
  /** Null: unknown (treated as frost-sensitive, the safe side). */
  frostSensitive: boolean | null;
  sowIndoorWeeksBeforeLastFrost: number | null;
  sowOutdoorDaysAfterLastFrost: number | null;
  sowingMonths: readonly number[];
  harvestMonths: readonly number[];
  bloomMonths: readonly number[];
  /** The farm's own species: its months are the farm's, never moved for the hemisphere. */
  own: boolean;
}

/** A window within the year (ISO dates, both days included). */
export interface Window {
  start: string;
  end: string;
  /** The window began before 1 January (this piece is its end). */
  from_previous_year: boolean;
  /** The window goes on after 31 December (this piece is its beginning). */
  into_next_year: boolean;
}

export interface SpeciesWindows {
  indoorSowing: Window[];
  outdoorSowing: Window[];
  harvest: Window[];
  bloom: Window[];
  notes: string[];
  /** Which species-level defaults were used (named once in the answer). */
  assumed: ('wet_season' | 'southern_months')[];
}

// Days are counted as whole UTC days since 1970-01-01.
type Span = [number, number];
const DAY_MS = 86_400_000;
const dayOf = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day) / DAY_MS;
const iso = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
export const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** A "MM-DD" in a given year; 29 February is the 28th in a common year. */
function onYear(monthDay: string, year: number): number {
  const [month, day] = monthDay.split('-').map(Number) as [number, number];
  return dayOf(year, month, month === 2 && day === 29 && !isLeapYear(year) ? 28 : day);
}

const monthDayOf = (day: number) => iso(day).slice(5);

/** Six months on: the shipped catalogue's months read at a southern site. */
const shiftMonth = (month: number) => ((month + 5) % 12) + 1;

/** How a site is read: climate, hemisphere, and the frost dates in use with those it had to assume. */
export function calendarBasis(site: SiteInput, year: number): CalendarBasis {
  const hemisphere: Hemisphere = site.latitude < 0 ? 'south' : 'north';
  const hasFrost = site.lastFrost !== null || site.firstFrost !== null;
  if (!hasFrost && Math.abs(site.latitude) < TROPIC_LATITUDE)
    return { year, hemisphere, climate: 'frost-free', frost: null, defaults: [] };
  const defaults: Assumed[] = [];
  const fallback = DEFAULT_FROST[hemisphere];
  const where = hemisphere === 'north' ? '' : ' shifted six months for the southern hemisphere';
  const last = site.lastFrost ?? fallback.last;
  if (site.lastFrost === null)
    defaults.push({
      name: 'last_frost',
      value: last,
      reason: `the site has no last frost date: a Central European average${where}`,
    });
  const first = site.firstFrost ?? fallback.first;
  if (site.firstFrost === null)
    defaults.push({
      name: 'first_frost',
      value: first,
      reason: `the site has no first frost date: a Central European average${where}`,
    });
  // Without a safe date of the site's, each season's is its last frost + 14 days (named as this year's).
  const safe = site.frostSafe;
  if (safe === null)
    defaults.push({
      name: 'frost_safe',
      value: monthDayOf(onYear(last, year) + SAFE_AFTER_LAST_FROST_DAYS),
      reason:
        `the site has no safe date: last frost + ${SAFE_AFTER_LAST_FROST_DAYS} days` +
        (site.lastFrost === null && hemisphere === 'north' ? ' (15 May, the end of the "Ice Saints")' : ''),
    });
  return { year, hemisphere, climate: 'temperate', frost: { last, first, safe }, defaults };
}

/** Spans merged where they overlap or touch, in order. */
function merged(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const out: Span[] = [];
  for (const [start, end] of sorted) {
    const previous = out.at(-1);
    if (previous && start <= previous[1] + 1) previous[1] = Math.max(previous[1], end);
    else out.push([start, end]);
  }
  return out;
}

/** The spans' pieces within the year, each marked where it was cut. */
function withinYear(spans: Span[], year: number): Window[] {
  const first = dayOf(year, 1, 1);
  const last = dayOf(year, 12, 31);
  return merged(spans)
    .filter(([start, end]) => end >= first && start <= last)
    .map(([start, end]) => ({
      start: iso(Math.max(start, first)),
      end: iso(Math.min(end, last)),
      from_previous_year: start < first,
      into_next_year: end > last,
    }));
}

/** The parts of `spans` inside `allowed`. */
function intersect(spans: Span[], allowed: Span[]): Span[] {
  const out: Span[] = [];
  for (const [a, b] of spans)
    for (const [c, d] of allowed) {
      const start = Math.max(a, c);
      const end = Math.min(b, d);
      if (start <= end) out.push([start, end]);
    }
  return out;
}

/** A set of months (1–12) as spans for the years around `year`; a run may go over the year's end. */
function monthSpans(months: readonly number[], year: number): Span[] {
  const set = new Set(months.filter((m) => Number.isInteger(m) && m >= 1 && m <= 12));
  if (set.size === 0) return [];
  if (set.size === 12) return [[dayOf(year - 1, 1, 1), dayOf(year + 1, 12, 31)]];
  const spans: Span[] = [];
  for (const month of set) {
    if (set.has(month === 1 ? 12 : month - 1)) continue; // not the first month of its run
    let length = 1;
    while (set.has(((month + length - 1) % 12) + 1)) length++;
    for (const y of [year - 1, year, year + 1])
      // Date.UTC rolls month 13 over into the next year; day 0 is the previous month's last day.
      spans.push([dayOf(y, month, 1), dayOf(y, month + length, 0)]);
  }
  return spans;
}

/** A frost season: its last frost, safe date and first frost as days (the season may cross the year). */
interface Season {
  lastFrost: number;
  safe: number;
  firstFrost: number;
}

function season(frost: NonNullable<CalendarBasis['frost']>, year: number): Season {
  const lastFrost = onYear(frost.last, year);
  let safe = frost.safe === null ? lastFrost + SAFE_AFTER_LAST_FROST_DAYS : onYear(frost.safe, year);
  if (frost.safe !== null && safe < lastFrost) safe = onYear(frost.safe, year + 1);
  let firstFrost = onYear(frost.first, year);
  if (firstFrost <= lastFrost) firstFrost = onYear(frost.first, year + 1);
  return { lastFrost, safe, firstFrost };
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** One species' windows in the year of `basis`. */
export function speciesWindows(basis: CalendarBasis, species: SpeciesInput): SpeciesWindows {
  const { year } = basis;
  const assumed: SpeciesWindows['assumed'] = [];
  const notes: string[] = [];
  const shift = basis.hemisphere === 'south' && !species.own;
  const months = (list: readonly number[]) => {
    if (shift && list.length > 0 && !assumed.includes('southern_months')) assumed.push('southern_months');
    return monthSpans(shift ? list.map(shiftMonth) : list, year);
  };
  const harvest = withinYear(months(species.harvestMonths), year);
  const bloom = withinYear(months(species.bloomMonths), year);
  const weeks = species.sowIndoorWeeksBeforeLastFrost;
  const offset = species.sowOutdoorDaysAfterLastFrost;
  const timedByFrost = weeks !== null || offset !== null;

  if (basis.climate === 'frost-free' || basis.frost === null) {
    let outdoor: Span[];
    if (species.sowingMonths.length > 0) outdoor = months(species.sowingMonths);
    else if (timedByFrost) {
      const wet = WET_SEASON_SOWING[basis.hemisphere];
      outdoor = monthSpans(wet, year);
      assumed.push('wet_season');
      notes.push(
        `no sowing months: sown at the start of the wet season (${MONTH_NAMES[wet[0] - 1]}–${MONTH_NAMES[wet[2] - 1]})`,
      );
    } else outdoor = [];
    return { indoorSowing: [], outdoorSowing: withinYear(outdoor, year), harvest, bloom, notes, assumed };
  }

  const sensitive = species.frostSensitive !== false;
  // The seasons touching the year: one that began the year before may reach into it (southern sites).
  const seasons = [year - 1, year, year + 1].map((y) => season(basis.frost!, y));
  const indoor: Span[] = weeks === null ? [] : seasons.map((s): Span => [s.lastFrost - weeks * 7, s.lastFrost - 1]);
  let outdoor: Span[] = [];
  if (offset !== null) {
    for (const s of seasons) {
      let start = s.lastFrost + offset;
      let end = start + OUTDOOR_WINDOW_DAYS - 1;
      if (sensitive) {
        start = Math.max(start, s.safe);
        end = Math.min(start + OUTDOOR_WINDOW_DAYS - 1, s.firstFrost - 1);
      }
      if (start <= end) outdoor.push([start, end]);
    }
  } else if (weeks === null && species.sowingMonths.length > 0) {
    outdoor = months(species.sowingMonths);
    if (sensitive)
      outdoor = intersect(
        outdoor,
        seasons.map((s): Span => [s.safe, s.firstFrost - 1]),
      );
    notes.push('outdoor sowing from the sowing months (the species has no frost offsets)');
  } else if (weeks !== null) notes.push('raised indoors and planted out: no outdoor sowing');

  if (sensitive && (indoor.length > 0 || outdoor.length > 0)) {
    const current = seasons[1]!;
    notes.push(
      `frost-sensitive: not outdoors before ${iso(current.safe)}, nor from the first frost (${iso(current.firstFrost)})`,
    );
    if (species.frostSensitive === null) notes.push('frost tolerance unknown: treated as frost-sensitive');
  }
  return {
    indoorSowing: withinYear(indoor, year),
    outdoorSowing: withinYear(outdoor, year),
    harvest,
    bloom,
    notes,
    assumed,
  };
}

/** The species-level defaults, as the answer names them (once, for the species that used them). */
export function speciesDefault(name: 'wet_season' | 'southern_months', hemisphere: Hemisphere): Assumed {
  if (name === 'wet_season') {
    const [first, , last] = WET_SEASON_SOWING[hemisphere];
    return {
      name,
      // "05-01/07-31": from the first day of its first month to the last day of its last month.
      value: `${monthDayOf(dayOf(2001, first, 1))}/${monthDayOf(dayOf(2001, last + 1, 0))}`,
      reason:
        'species without sowing months are sown at the start of the wet season ' +
        (hemisphere === 'north'
          ? '(May–July: the South-east Asian monsoon runs May–October)'
          : '(November–January, the northern monsoon shifted six months)'),
    };
  }
  return {
    name,
    value: '+6 months',
    reason: 'the catalogue’s months are written for the northern hemisphere: moved by six months for this site',
  };
}
