import { describe, expect, it } from 'vitest';
import {
  calendarBasis,
  isLeapYear,
  speciesDefault,
  speciesWindows,
  type SiteInput,
  type SpeciesInput,
  type Window,
} from './sowing.engine.js';

const site = (over: Partial<SiteInput> = {}): SiteInput => ({
  latitude: 50.1,
  lastFrost: null,
  firstFrost: null,
  frostSafe: null,
  ...over,
});

const species = (over: Partial<SpeciesInput> = {}): SpeciesInput => ({
  frostSensitive: false,
  sowIndoorWeeksBeforeLastFrost: null,
  sowOutdoorDaysAfterLastFrost: null,
  sowingMonths: [],
  harvestMonths: [],
  bloomMonths: [],
  own: false,
  ...over,
});

// Shapes of the shipped catalogue's rows.
const tomato = species({
  frostSensitive: true,
  sowIndoorWeeksBeforeLastFrost: 7,
  sowingMonths: [3, 4],
  harvestMonths: [7, 8, 9, 10],
  bloomMonths: [6, 7, 8, 9],
});
const cucumber = species({
  frostSensitive: true,
  sowIndoorWeeksBeforeLastFrost: 4,
  sowOutdoorDaysAfterLastFrost: 14,
  sowingMonths: [4, 5, 6],
});
const pea = species({ sowOutdoorDaysAfterLastFrost: -42, sowingMonths: [3, 4, 5] });
const rice = species({ frostSensitive: true, sowingMonths: [5, 6, 7, 8], harvestMonths: [10, 11, 12] });
const garlic = species({ sowingMonths: [10, 11, 2, 3], harvestMonths: [6, 7, 8] });
const cassava = species({ frostSensitive: true, sowingMonths: [4, 5, 6], harvestMonths: [11, 12, 1, 2, 3] });
const coneflower = species({ sowIndoorWeeksBeforeLastFrost: 8, bloomMonths: [7, 8, 9] });
const tulip = species({ bloomMonths: [4, 5] });

/** A window that neither begins before nor runs past the year. */
const w = (start: string, end: string, from_previous_year = false, into_next_year = false): Window => ({
  start,
  end,
  from_previous_year,
  into_next_year,
});

describe('how a site is read', () => {
  it('takes a temperate site’s own frost dates and assumes nothing', () => {
    const basis = calendarBasis(site({ lastFrost: '04-20', firstFrost: '10-20', frostSafe: '05-10' }), 2026);
    expect(basis).toEqual({
      year: 2026,
      hemisphere: 'north',
      climate: 'temperate',
      frost: { last: '04-20', first: '10-20', safe: '05-10' },
      defaults: [],
    });
  });

  it('fills in missing frost dates with Central European defaults and names each one', () => {
    const basis = calendarBasis(site(), 2026);
    expect(basis.climate).toBe('temperate');
    expect(basis.defaults.map((d) => [d.name, d.value])).toEqual([
      ['last_frost', '05-01'],
      ['first_frost', '10-15'],
      ['frost_safe', '05-15'],
    ]);
    expect(basis.defaults[2]!.reason).toContain('Ice Saints');
    // A site that gives only its last frost: the first frost and the safe date are assumed from it.
    const half = calendarBasis(site({ lastFrost: '04-10' }), 2026);
    expect(half.defaults.map((d) => [d.name, d.value])).toEqual([
      ['first_frost', '10-15'],
      ['frost_safe', '04-24'],
    ]);
  });

  it('reads a site without frost dates inside the tropics as frost-free, and one with frost dates as temperate', () => {
    expect(calendarBasis(site({ latitude: 11.56 }), 2026)).toMatchObject({
      climate: 'frost-free',
      hemisphere: 'north',
      frost: null,
      defaults: [],
    });
    expect(calendarBasis(site({ latitude: -23.39 }), 2026).climate).toBe('frost-free');
    expect(calendarBasis(site({ latitude: 23.4 }), 2026).climate).toBe('temperate');
    // A tropical highland that knows its frosts is temperate.
    expect(calendarBasis(site({ latitude: 11.56, lastFrost: '02-01' }), 2026).climate).toBe('temperate');
  });

  it('shifts the default frost dates by six months in the southern hemisphere', () => {
    const basis = calendarBasis(site({ latitude: -37.8 }), 2026);
    expect(basis.hemisphere).toBe('south');
    expect(basis.defaults.map((d) => [d.name, d.value])).toEqual([
      ['last_frost', '11-01'],
      ['first_frost', '04-15'],
      ['frost_safe', '11-15'],
    ]);
    expect(basis.defaults[0]!.reason).toContain('southern hemisphere');
  });
});

describe('a temperate site in the north with its own frost dates', () => {
  const basis = calendarBasis(site({ lastFrost: '04-20', firstFrost: '10-20' }), 2026);

  it('sows indoors from last frost − N weeks to the day before the last frost; a transplant is not sown outdoors', () => {
    const tom = speciesWindows(basis, tomato);
    expect(tom.indoorSowing).toEqual([w('2026-03-02', '2026-04-19')]);
    expect(tom.outdoorSowing).toEqual([]);
    expect(tom.harvest).toEqual([w('2026-07-01', '2026-10-31')]);
    expect(tom.bloom).toEqual([w('2026-06-01', '2026-09-30')]);
    expect(tom.notes).toEqual([
      'raised indoors and planted out: no outdoor sowing',
      'frost-sensitive: not outdoors before 2026-05-04, nor from the first frost (2026-10-20)',
    ]);
  });

  it('sows outdoors for 14 days from last frost + the offset, a hardy crop even before the last frost', () => {
    expect(speciesWindows(basis, pea).outdoorSowing).toEqual([w('2026-03-09', '2026-03-22')]);
    // Cucumber: last frost + 14 days is the safe date itself (last frost + 14 without a site safe date).
    const cuc = speciesWindows(basis, cucumber);
    expect(cuc.indoorSowing).toEqual([w('2026-03-23', '2026-04-19')]);
    expect(cuc.outdoorSowing).toEqual([w('2026-05-04', '2026-05-17')]);
  });

  it('never puts a frost-sensitive crop outdoors before the site’s safe date', () => {
    const later = calendarBasis(site({ lastFrost: '04-20', firstFrost: '10-20', frostSafe: '05-15' }), 2026);
    expect(speciesWindows(later, cucumber).outdoorSowing).toEqual([w('2026-05-15', '2026-05-28')]);
    // A frost-hardy crop with the same offset is not held back.
    expect(speciesWindows(later, { ...cucumber, frostSensitive: false }).outdoorSowing).toEqual([
      w('2026-05-04', '2026-05-17'),
    ]);
    // Sowing months of a frost-sensitive crop are cut to the frost-free season.
    expect(speciesWindows(later, rice).outdoorSowing).toEqual([w('2026-05-15', '2026-08-31')]);
  });

  it('treats a species of unknown frost tolerance as frost-sensitive, and says so', () => {
    const unknown = speciesWindows(basis, { ...rice, frostSensitive: null });
    expect(unknown.outdoorSowing).toEqual([w('2026-05-04', '2026-08-31')]);
    expect(unknown.notes).toContain('frost tolerance unknown: treated as frost-sensitive');
  });

  it('sows a crop without frost offsets in its months, outside any frost clamp when it is hardy', () => {
    const g = speciesWindows(basis, garlic);
    expect(g.outdoorSowing).toEqual([w('2026-02-01', '2026-03-31'), w('2026-10-01', '2026-11-30')]);
    expect(g.notes).toEqual(['outdoor sowing from the sowing months (the species has no frost offsets)']);
    expect(g.assumed).toEqual([]);
  });
});

describe('a temperate site without frost dates', () => {
  const basis = calendarBasis(site(), 2026);

  it('uses the defaults: frost-sensitive crops out from 15 May', () => {
    expect(speciesWindows(basis, cucumber).outdoorSowing).toEqual([w('2026-05-15', '2026-05-28')]);
    const bean = species({ frostSensitive: true, sowOutdoorDaysAfterLastFrost: 10 });
    expect(speciesWindows(basis, bean).outdoorSowing).toEqual([w('2026-05-15', '2026-05-28')]);
    expect(speciesWindows(basis, tomato).indoorSowing).toEqual([w('2026-03-13', '2026-04-30')]);
    expect(speciesWindows(basis, rice).outdoorSowing).toEqual([w('2026-05-15', '2026-08-31')]);
  });
});

describe('a frost-free site (Phnom Penh, 11.56° N)', () => {
  const basis = calendarBasis(site({ latitude: 11.56 }), 2026);

  it('has no indoor sowing and sows in the species’ months', () => {
    const r = speciesWindows(basis, rice);
    expect(r.indoorSowing).toEqual([]);
    expect(r.outdoorSowing).toEqual([w('2026-05-01', '2026-08-31')]);
    expect(r.harvest).toEqual([w('2026-10-01', '2026-12-31')]); // ends with the year, not over it
    expect(r.notes).toEqual([]);
    expect(speciesWindows(basis, tomato).outdoorSowing).toEqual([w('2026-03-01', '2026-04-30')]);
  });

  it('sows a species timed by frost but without months at the start of the wet season, and says so', () => {
    const c = speciesWindows(basis, coneflower);
    expect(c.outdoorSowing).toEqual([w('2026-05-01', '2026-07-31')]);
    expect(c.indoorSowing).toEqual([]);
    expect(c.assumed).toEqual(['wet_season']);
    expect(c.notes).toEqual(['no sowing months: sown at the start of the wet season (May–July)']);
    expect(speciesDefault('wet_season', 'north')).toMatchObject({ name: 'wet_season', value: '05-01/07-31' });
    // A species the catalogue gives no sowing at all (a bulb with bloom months) gets none.
    expect(speciesWindows(basis, tulip)).toMatchObject({
      outdoorSowing: [],
      bloom: [w('2026-04-01', '2026-05-31')],
      assumed: [],
    });
  });
});

describe('the southern hemisphere', () => {
  it('moves the catalogue’s months by six months and uses the shifted defaults (Melbourne, 37.8° S)', () => {
    const basis = calendarBasis(site({ latitude: -37.8 }), 2026);
    const tom = speciesWindows(basis, tomato);
    expect(tom.indoorSowing).toEqual([w('2026-09-13', '2026-10-31')]);
    expect(tom.harvest).toEqual([w('2026-01-01', '2026-04-30')]);
    expect(tom.assumed).toEqual(['southern_months']);
    expect(tom.notes).toContain(
      'frost-sensitive: not outdoors before 2026-11-15, nor from the first frost (2027-04-15)',
    );
    expect(speciesWindows(basis, cucumber).outdoorSowing).toEqual([w('2026-11-15', '2026-11-28')]);
    // Rice's May–August is November–February there, cut to the frost-free season (15 November – 14 April).
    expect(speciesWindows(basis, rice).outdoorSowing).toEqual([
      w('2026-01-01', '2026-02-28', true),
      w('2026-11-15', '2026-12-31', false, true),
    ]);
    // Garlic: October, November, February, March → April, May, August, September.
    expect(speciesWindows(basis, garlic).outdoorSowing).toEqual([
      w('2026-04-01', '2026-05-31'),
      w('2026-08-01', '2026-09-30'),
    ]);
  });

  it('uses a southern site’s own frost dates as they are, across the year’s end', () => {
    const basis = calendarBasis(site({ latitude: -33.9, lastFrost: '09-20', firstFrost: '05-01' }), 2026);
    expect(basis.defaults.map((d) => [d.name, d.value])).toEqual([['frost_safe', '10-04']]);
    expect(speciesWindows(basis, cucumber).outdoorSowing).toEqual([w('2026-10-04', '2026-10-17')]);
    expect(speciesWindows(basis, pea).outdoorSowing).toEqual([w('2026-08-09', '2026-08-22')]);
  });

  it('takes a farm’s own species’ months as written', () => {
    const basis = calendarBasis(site({ latitude: -37.8 }), 2026);
    const own = speciesWindows(basis, { ...garlic, own: true });
    expect(own.harvest).toEqual([w('2026-06-01', '2026-08-31')]);
    expect(own.assumed).toEqual([]);
  });

  it('sows at the start of the southern wet season at a frost-free site (8.6° S), across the year’s end', () => {
    const basis = calendarBasis(site({ latitude: -8.6 }), 2026);
    expect(speciesWindows(basis, coneflower).outdoorSowing).toEqual([
      w('2026-01-01', '2026-01-31', true),
      w('2026-11-01', '2026-12-31', false, true),
    ]);
    expect(speciesDefault('wet_season', 'south').value).toBe('11-01/01-31');
  });
});

describe('windows over the year’s end', () => {
  it('splits a harvest from November to March into its two pieces, each marked', () => {
    const basis = calendarBasis(site({ latitude: 11.56 }), 2026);
    expect(speciesWindows(basis, cassava).harvest).toEqual([
      w('2026-01-01', '2026-03-31', true, false),
      w('2026-11-01', '2026-12-31', false, true),
    ]);
  });

  it('splits an indoor sowing that starts the year before (an early last frost, a long head start)', () => {
    const basis = calendarBasis(site({ latitude: 38, lastFrost: '02-10', firstFrost: '12-01' }), 2026);
    const slow = species({ frostSensitive: false, sowIndoorWeeksBeforeLastFrost: 12 });
    // 12 weeks before 10 February 2026 is 18 November 2025; the next season's starts 18 November 2026.
    expect(speciesWindows(basis, slow).indoorSowing).toEqual([
      w('2026-01-01', '2026-02-09', true),
      w('2026-11-18', '2026-12-31', false, true),
    ]);
  });

  it('marks a year-round crop as running on at both ends', () => {
    const banana = species({ frostSensitive: true, harvestMonths: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] });
    expect(speciesWindows(calendarBasis(site({ latitude: 11.56 }), 2026), banana).harvest).toEqual([
      w('2026-01-01', '2026-12-31', true, true),
    ]);
  });
});

describe('leap years', () => {
  it('knows them', () => {
    expect([2024, 2025, 2028, 2100, 2000].map(isLeapYear)).toEqual([true, false, true, false, true]);
  });

  it('ends February on the 29th in a leap year and on the 28th otherwise', () => {
    const feb = species({ sowingMonths: [2] });
    const frostFree = (year: number) => calendarBasis(site({ latitude: 5 }), year);
    expect(speciesWindows(frostFree(2028), feb).outdoorSowing).toEqual([w('2028-02-01', '2028-02-29')]);
    expect(speciesWindows(frostFree(2027), feb).outdoorSowing).toEqual([w('2027-02-01', '2027-02-28')]);
  });

  it('reads a last frost on 29 February as the 28th in a common year, and counts days across the leap day', () => {
    const leapFrost = (year: number) =>
      calendarBasis(site({ latitude: 35, lastFrost: '02-29', firstFrost: '11-30' }), year);
    const oneWeek = species({ sowIndoorWeeksBeforeLastFrost: 1, sowOutdoorDaysAfterLastFrost: 0 });
    expect(speciesWindows(leapFrost(2028), oneWeek)).toMatchObject({
      indoorSowing: [w('2028-02-22', '2028-02-28')],
      outdoorSowing: [w('2028-02-29', '2028-03-13')],
    });
    expect(speciesWindows(leapFrost(2027), oneWeek)).toMatchObject({
      indoorSowing: [w('2027-02-21', '2027-02-27')],
      outdoorSowing: [w('2027-02-28', '2027-03-13')],
    });
    // The assumed safe date is counted in days: 14 days after 29 February 2028 is 14 March.
    expect(leapFrost(2028).defaults).toEqual([expect.objectContaining({ name: 'frost_safe', value: '03-14' })]);
    expect(leapFrost(2027).defaults).toEqual([expect.objectContaining({ name: 'frost_safe', value: '03-14' })]);
  });
});
