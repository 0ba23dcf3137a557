import { describe, expect, it } from 'vitest';
import {
  acceptedLanguages,
  cultivarProblems,
  decodeCursor,
  encodeCursor,
  familyProblems,
  freeKey,
  keyFromName,
  likePattern,
  normalizeSpecies,
  overridden,
  shortDayLight,
  parseZone,
  searchLanguages,
  seedProblems,
  sequenceProblems,
  sequenceWarnings,
  speciesProblems,
  type FamilyInput,
  type PhaseInput,
  type SequenceInput,
  type SpeciesInput,
} from './catalog.engine.js';

const fields = (problems: { field: string }[]) => problems.map((p) => p.field);

describe('a family', () => {
  const family: FamilyInput = { name: 'Solanaceae', order: 'Solanales', ph: [5.5, 7], nutrient_demand: 'heavy' };

  it('passes as shipped', () => {
    expect(familyProblems(family)).toEqual([]);
  });

  it.each<[string, Partial<FamilyInput>, string, RegExp]>([
    ['a name not ending in aceae', { name: 'Compositae' }, 'name', /end in "aceae"/],
    ['a name of two words', { name: 'Solan aceae' }, 'name', /one word/],
    ['a name in lower case', { name: 'solanaceae' }, 'name', /capital/],
    ['an order not ending in ales', { order: 'Solanoida' }, 'order', /end in "ales"/],
    [
      'a nitrogen-fixer that feeds heavily',
      { nitrogen_fixing: true, nutrient_demand: 'heavy' },
      'nutrient_demand',
      /never a heavy feeder/,
    ],
    ['a pH under 3', { ph: [2.9, 7] }, 'ph[0]', /between 3 and 9/],
    ['a pH over 9', { ph: [5, 9.1] }, 'ph[1]', /between 3 and 9/],
    ['a pH range upside down', { ph: [7, 6] }, 'ph', /lower pH comes first/],
    ['a common name in no language', { common_names: { english: 'x' } }, 'common_names.english', /language code/],
    ['a rotation pause of 0 years', { rotation_pause_years: 0 }, 'rotation_pause_years', /between 1 and 20/],
    ['a blank pest', { pests: ['aphids', '  '] }, 'pests[1]', /empty/],
  ])('refuses %s, naming the field', (_what, change, field, message) => {
    const problems = familyProblems({ ...family, ...change });
    expect(fields(problems)).toEqual([field]);
    expect(problems[0]!.message).toMatch(message);
  });

  it('lets a nitrogen-fixer feed lightly, and a pH range be one value', () => {
    expect(familyProblems({ name: 'Fabaceae', nitrogen_fixing: true, nutrient_demand: 'light', ph: [6, 6] })).toEqual(
      [],
    );
  });
});

describe('a species', () => {
  const species: SpeciesInput = {
    scientific_name: 'Solanum lycopersicum',
    family: 'solanaceae',
    category: 'vegetable',
    sequence: 'annual-fruiting',
    hardiness_zones: ['10a', '12b'],
    sowing_months: [3, 4],
    watering_interval_days: 3,
    phases: { fruiting: { days: 30, gdd: 600 } },
  };
  const phaseKeys = ['germination', 'fruiting'];

  it('passes as shipped', () => {
    expect(speciesProblems(species, { phaseKeys })).toEqual([]);
  });

  it.each<[string, Partial<SpeciesInput>, string]>([
    ['a one-word name', { scientific_name: 'Tomato' }, 'scientific_name'],
    ['zone 0', { hardiness_zones: ['0', '5'] }, 'hardiness_zones[0]'],
    ['zone 14', { hardiness_zones: ['7a', '14'] }, 'hardiness_zones[1]'],
    ['zone 99b', { hardiness_zones: ['99b', '9b'] }, 'hardiness_zones[0]'],
    ['zone 7c', { hardiness_zones: ['7c', '9b'] }, 'hardiness_zones[0]'],
    ['zones upside down', { hardiness_zones: ['9a', '7b'] }, 'hardiness_zones'],
    ['a half zone upside down', { hardiness_zones: ['7b', '7a'] }, 'hardiness_zones'],
    ['month 0', { sowing_months: [0, 3] }, 'sowing_months[0]'],
    ['month 13', { harvest_months: [12, 13] }, 'harvest_months[1]'],
    ['a half month', { bloom_months: [6.5] }, 'bloom_months[0]'],
    ['watering every 0 days', { watering_interval_days: 0 }, 'watering_interval_days'],
    ['watering every 91 days', { watering_interval_days: 91 }, 'watering_interval_days'],
    ['a GDD threshold of 0', { phases: { fruiting: { gdd: 0 } } }, 'phases.fruiting.gdd'],
    ['a negative GDD threshold', { phases: { fruiting: { gdd: -5 } } }, 'phases.fruiting.gdd'],
    ['an override of a phase the sequence lacks', { phases: { bolting: { days: 3 } } }, 'phases.bolting'],
    ['an override of 0 days', { phases: { fruiting: { days: 0 } } }, 'phases.fruiting.days'],
    ['an upper GDD cap at the base', { base_temp_c: 10, upper_temp_c: 10 }, 'upper_temp_c'],
    ['a base temperature of 41 °C', { base_temp_c: 41 }, 'base_temp_c'],
    ['a critical day length of 25 h', { critical_day_length_h: 25 }, 'critical_day_length_h'],
    ['sowing indoors 27 weeks ahead', { sow_indoor_weeks_before_last_frost: 27 }, 'sow_indoor_weeks_before_last_frost'],
    ['sowing outdoors 61 days before', { sow_outdoor_days_after_last_frost: -61 }, 'sow_outdoor_days_after_last_frost'],
  ])('refuses %s, naming the field', (_what, change, field) => {
    expect(fields(speciesProblems({ ...species, ...change }, { phaseKeys }))).toEqual([field]);
  });

  it('checks every zone by its number, not only its shape', () => {
    for (let n = 0; n <= 99; n++) {
      for (const half of ['', 'a', 'b']) {
        const zone = `${n}${half}`;
        const valid = n >= 1 && n <= 13;
        expect(parseZone(zone) !== undefined, zone).toBe(valid);
        expect(speciesProblems({ ...species, hardiness_zones: [zone, zone] }).length === 0, zone).toBe(valid);
      }
    }
    expect(parseZone('7b')).toEqual({ number: 7, half: 'b' });
    expect(speciesProblems({ ...species, hardiness_zones: ['7', '7a'] })).toEqual([]);
  });

  it('accepts a signed outdoor sowing offset and the edges of every range', () => {
    expect(
      speciesProblems({
        ...species,
        sow_outdoor_days_after_last_frost: -60,
        sow_indoor_weeks_before_last_frost: 26,
        watering_interval_days: 90,
        sowing_months: [1, 12],
        hardiness_zones: ['1', '13b'],
      }),
    ).toEqual([]);
  });

  it('collapses the spaces of a scientific name and orders months once', () => {
    const normal = normalizeSpecies({
      ...species,
      scientific_name: '  Solanum   lycopersicum ',
      sowing_months: [4, 3, 4],
    });
    expect(normal.scientific_name).toBe('Solanum lycopersicum');
    expect(normal.sowing_months).toEqual([3, 4]);
  });
});

describe('a cultivar', () => {
  it.each<[number, boolean]>([
    [0, false],
    [1, true],
    [1095, true],
    [1096, false],
    [80.5, false],
  ])('takes %s days to maturity: %s', (days, ok) => {
    const problems = cultivarProblems({ species: 'x-y', name: 'Moneymaker', days_to_maturity: days });
    expect(fields(problems)).toEqual(ok ? [] : ['days_to_maturity']);
  });

  it("keys it under its species' key", () => {
    expect(
      fields(
        cultivarProblems(
          { key: 'solanum-lycopersicum/moneymaker', species: 'x', name: 'M' },
          { speciesKey: 'capsicum-annuum' },
        ),
      ),
    ).toEqual(['key']);
    expect(fields(cultivarProblems({ key: 'moneymaker', species: 'x', name: 'M' }))).toEqual(['key']);
  });
});

describe('a phase sequence', () => {
  const phase = (key: string, change: Partial<PhaseInput> = {}): PhaseInput => ({
    key,
    days: 7,
    temp_c: [24, 20],
    humidity_pct: [70, 75],
    vpd_kpa: [0.4, 0.8],
    photoperiod_h: 18,
    npk: [1, 1, 1],
    ec_ms: 0.8,
    ph: 6,
    ...change,
  });
  const sequence: SequenceInput = {
    key: 'annual-test',
    lifecycle: 'annual',
    phases: [phase('seedling'), phase('harvest')],
  };

  it('passes', () => {
    expect(sequenceProblems(sequence)).toEqual([]);
  });

  it.each<[string, Partial<PhaseInput>, string]>([
    ['humidity over 100 %', { humidity_pct: [70, 100.5] }, 'phases[1].humidity_pct[1]'],
    ['a photoperiod of 25 h', { photoperiod_h: 25 }, 'phases[1].photoperiod_h'],
    ['a negative photoperiod', { photoperiod_h: -1 }, 'phases[1].photoperiod_h'],
    ['a GDD threshold of 0', { gdd: 0 }, 'phases[1].gdd'],
    ['a pH of 10', { ph: 10 }, 'phases[1].ph'],
    ['a VPD range upside down', { vpd_kpa: [1.2, 0.8] }, 'phases[1].vpd_kpa'],
    ['a negative nitrogen share', { npk: [-1, 1, 1] }, 'phases[1].npk[0]'],
    ['0 days', { days: 0 }, 'phases[1].days'],
    ['a key with capitals', { key: 'Harvest' }, 'phases[1].key'],
  ])('refuses %s in a phase, naming it', (_what, change, field) => {
    expect(fields(sequenceProblems({ ...sequence, phases: [phase('seedling'), phase('harvest', change)] }))).toEqual([
      field,
    ]);
  });

  it('refuses a phase key used twice, no phases, and a restart outside a perennial', () => {
    expect(fields(sequenceProblems({ ...sequence, phases: [phase('a'), phase('a')] }))).toEqual(['phases[1].key']);
    expect(fields(sequenceProblems({ ...sequence, phases: [] }))).toEqual(['phases']);
    expect(fields(sequenceProblems({ ...sequence, restart_phase: 'seedling' }))).toEqual(['restart_phase']);
    expect(fields(sequenceProblems({ ...sequence, lifecycle: 'perennial' }))).toEqual(['restart_phase']);
    expect(fields(sequenceProblems({ ...sequence, lifecycle: 'perennial', restart_phase: 'dormancy' }))).toEqual([
      'restart_phase',
    ]);
    expect(sequenceProblems({ ...sequence, lifecycle: 'perennial', restart_phase: 'seedling' })).toEqual([]);
  });

  it('warns of a night warmer than the day, and lets an equal one pass quietly', () => {
    const warm = sequenceWarnings({
      ...sequence,
      phases: [phase('seedling', { temp_c: [20, 20] }), phase('harvest', { temp_c: [18, 21] })],
    });
    expect(warm).toEqual([
      {
        code: 'NIGHT_WARMER_THAN_DAY',
        field: 'phases[1].temp_c',
        message: expect.stringContaining('night (21 °C) is warmer than the day (18 °C)'),
      },
    ]);
    expect(sequenceProblems({ ...sequence, phases: [phase('a', { temp_c: [18, 21] })] })).toEqual([]);
  });
});

describe('across the seed files', () => {
  const seq: SequenceInput = { key: 'annual', lifecycle: 'annual', phases: [{ key: 'grow' }] };
  const at = <T>(row: T, file = 'x/species.yaml') => ({ file, row });

  it('names the file, the key and the field of each problem', () => {
    const problems = seedProblems({
      sequences: [at(seq, 'sequences.yaml')],
      families: [at({ key: 'solanaceae', name: 'Solanaceae' }, 'x/families.yaml')],
      species: [
        at({ key: 'a-b', scientific_name: 'A b', family: 'solanaceae', category: 'herb', sequence: 'annual' }),
        at({ key: 'a-b', scientific_name: 'A c', family: 'solanaceae', category: 'herb', sequence: 'annual' }),
        at({ key: 'c-d', scientific_name: 'C d', family: 'rosaceae', category: 'herb', sequence: 'annual' }),
        at({ key: 'e-f', scientific_name: 'A B', family: 'solanaceae', category: 'herb', sequence: 'perennial' }),
        at({
          key: 'g-h',
          scientific_name: 'G h',
          family: 'solanaceae',
          category: 'herb',
          sequence: 'annual',
          phases: { bloom: { gdd: 10 } },
        }),
      ],
      cultivars: [
        at({ key: 'a-b/one', species: 'a-b', name: 'One' }, 'x/cultivars.yaml'),
        at({ key: 'a-b/two', species: 'a-b', name: 'one' }, 'x/cultivars.yaml'),
        at({ key: 'z-z/one', species: 'z-z', name: 'One' }, 'x/cultivars.yaml'),
      ],
    });
    expect(problems.map((p) => `${p.file} ${p.key} ${p.field}`)).toEqual(
      expect.arrayContaining([
        'x/species.yaml a-b key',
        'x/species.yaml c-d family',
        'x/species.yaml e-f sequence',
        'x/species.yaml e-f scientific_name',
        'x/species.yaml g-h phases.bloom',
        'x/cultivars.yaml a-b/two name',
        'x/cultivars.yaml z-z/one species',
      ]),
    );
    expect(problems).toHaveLength(7);
  });
});

describe('keys, languages, cursors, overrides', () => {
  it('makes keys from names', () => {
    expect(keyFromName('Solanum lycopersicum')).toBe('solanum-lycopersicum');
    expect(keyFromName("  Cœur de Bœuf — 'Ananas' ")).toBe('coeur-de-boeuf-ananas');
    expect(keyFromName('Kürbis Überraschung, Straße')).toBe('kurbis-uberraschung-strasse');
    expect(keyFromName('ប៉េងប៉ោះ', 'cultivar')).toBe('cultivar');
    expect(freeKey('x', new Set(['x', 'x-2']))).toBe('x-3');
    expect(freeKey('x', new Set(['y']))).toBe('x');
  });

  it('reads Accept-Language by preference, and searches in the own language and English', () => {
    expect(acceptedLanguages('de-CH, fr;q=0.9, en;q=0.8')).toEqual(['de', 'fr', 'en']);
    expect(acceptedLanguages('en;q=0.5, km')).toEqual(['km', 'en']);
    expect(acceptedLanguages('*, es;q=0')).toEqual([]);
    expect(searchLanguages('de', 'es')).toEqual(['de', 'en']);
    expect(searchLanguages(undefined, 'es-MX,es;q=0.9')).toEqual(['es', 'en']);
    expect(searchLanguages(undefined, undefined)).toEqual(['en']);
  });

  it('keeps % and _ of a search literal', () => {
    expect(likePattern(' 50%_off ')).toBe('%50\\%\\_off%');
  });

  it('reads back the cursors it wrote, and nothing else', () => {
    const id = '0b6f3c1e-7a0e-4b8e-9a43-1d2c3b4a5f60';
    expect(decodeCursor(encodeCursor('Solanum lycopersicum', id))).toEqual(['Solanum lycopersicum', id]);
    expect(decodeCursor('not a cursor')).toBeUndefined();
    expect(decodeCursor(Buffer.from('["a","not-a-uuid"]').toString('base64url'))).toBeUndefined();
  });

  it("applies a species' overrides to a phase's days and GDD", () => {
    const phase = { key: 'fruiting', days: 35, gdd: null, terminal: false };
    expect(overridden(phase, { fruiting: { days: 30, gdd: 600 } })).toEqual({ ...phase, days: 30, gdd: 600 });
    expect(overridden(phase, { fruiting: { gdd: 500 } })).toEqual({ ...phase, gdd: 500 });
    expect(overridden(phase, { fruiting: { days: null } })).toEqual({ ...phase, days: null });
    expect(overridden(phase, { harvest: { days: 1 } })).toBe(phase);
  });

  it('gives a short-day species short days from its flowering on, at its critical day length', () => {
    const phase = (key: string, position: number, photoperiodH: number | null) => ({
      key,
      position,
      profile: { photoperiodH },
    });
    const sequence = [
      phase('germination', 0, 0),
      phase('vegetative', 1, 18),
      phase('flowering', 2, 14),
      phase('fruiting', 3, 14),
      phase('senescence', 4, 11),
      phase('rest', 5, null),
    ];
    const hours = (phases: typeof sequence) => phases.map((p) => p.profile.photoperiodH);
    expect(hours(shortDayLight(sequence, 'short-day', null))).toEqual([0, 18, 12, 12, 11, null]);
    expect(hours(shortDayLight(sequence, 'short-day', 12.5))).toEqual([0, 18, 12.5, 12.5, 11, null]);
    expect(shortDayLight(sequence, 'day-neutral', null)).toBe(sequence);
    expect(shortDayLight(sequence, null, 10)).toBe(sequence);
    const noFlowering = sequence.filter((p) => p.key !== 'flowering');
    expect(shortDayLight(noFlowering, 'short-day', null)).toBe(noFlowering);
  });
});
