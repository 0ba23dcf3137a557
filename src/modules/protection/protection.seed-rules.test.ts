import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  checkProtectionSeed,
  chemicalTreatmentProblems,
  diseaseProblems,
  modeOfActionProblems,
  normalizeModeOfActionCode,
  parseProtectionFiles,
  PROTECTION_FILES,
  protectionSeedProblems,
  pestProblems,
  resistanceGroupOf,
  treatmentProblems,
  type FamilyLinks,
  type ProtectionRows,
} from './protection.seed-rules.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const protectionDir = path.join(root, 'seed/protection');
const catalogDir = path.join(root, 'seed/catalog');

function shippedFiles() {
  return readdirSync(protectionDir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ path: name, text: readFileSync(path.join(protectionDir, name), 'utf8') }));
}

function shippedFamilies(): FamilyLinks[] {
  return (readdirSync(catalogDir, { recursive: true }) as string[])
    .filter((name) => name.endsWith('families.yaml'))
    .flatMap((name) => parse(readFileSync(path.join(catalogDir, name), 'utf8')) as FamilyLinks[]);
}

describe('the shipped protection seed', () => {
  const { rows, problems } = checkProtectionSeed(shippedFiles(), shippedFamilies());
  const keys = (kind: keyof ProtectionRows) => rows[kind].map((r) => r.row.key);

  it('passes every rule against the plant catalogue’s families, with at least 40 of each kind', () => {
    expect(problems).toEqual([]);
    expect(rows.pests.length).toBeGreaterThanOrEqual(40);
    expect(rows.diseases.length).toBeGreaterThanOrEqual(40);
    expect(rows.treatments.length).toBeGreaterThanOrEqual(40);
  });

  it('covers the pests and diseases the issue names, South-east Asia’s among them', () => {
    expect(keys('pests')).toEqual(
      expect.arrayContaining([
        'fall-armyworm',
        'diamondback-moth',
        'oriental-fruit-fly',
        'yellow-stem-borer',
        'brown-planthopper',
        'golden-apple-snail',
        'tomato-leafminer',
        'eggplant-fruit-and-shoot-borer',
        'legume-pod-borer',
        'bean-fly',
        'rats',
        'root-knot-nematodes',
      ]),
    );
    expect(keys('diseases')).toEqual(
      expect.arrayContaining([
        'late-blight',
        'bacterial-wilt',
        'clubroot',
        'rice-blast',
        'sheath-blight',
        'tomato-yellow-leaf-curl',
        'onion-white-rot',
        'blossom-end-rot',
      ]),
    );
    expect(rows.pests.some((r) => /varroa/i.test(String(r.row.scientific_name)))).toBe(false);
  });

  it('spreads over the methods and the main mode-of-action groups, every seeded interval typical', () => {
    const treatments = rows.treatments.map((r) => r.row);
    expect(new Set(treatments.map((t) => t.method))).toEqual(
      new Set(['cultural', 'biological', 'chemical', 'mechanical', 'physical']),
    );
    const groups = new Set(
      treatments.flatMap((t) => {
        const moa = t.mode_of_action as { scheme: string; code: string } | undefined;
        return moa ? [`${moa.scheme} ${moa.code}`] : [];
      }),
    );
    for (const group of ['IRAC 3A', 'IRAC 4A', 'IRAC 5', 'IRAC 6', 'IRAC 11A', 'IRAC 28', 'FRAC M01', 'FRAC M02'])
      expect(groups).toContain(group);
    for (const group of ['FRAC M03', 'FRAC M05', 'FRAC 11', 'FRAC 3', 'FRAC 4']) expect(groups).toContain(group);
    const withInterval = treatments.filter((t) => t.pre_harvest_interval_days !== undefined);
    expect(withInterval.length).toBeGreaterThanOrEqual(30);
    expect(new Set(withInterval.map((t) => t.interval_status))).toEqual(new Set(['typical']));
  });
});

describe('normalizeModeOfActionCode: each scheme’s code forms', () => {
  it.each([
    ['IRAC', '4A', '4A'],
    ['IRAC', '4a', '4A'],
    ['IRAC', '11A', '11A'],
    ['IRAC', '28', '28'],
    ['IRAC', '05', '5'],
    ['IRAC', 'UN', 'UN'],
    ['IRAC', 'unf', 'UNF'],
    ['IRAC', 'N-3', 'N-3'],
    ['IRAC', 'N3', 'N-3'],
    ['IRAC', 'N-UNF', 'N-UNF'],
    ['IRAC', 'M02', null],
    ['IRAC', '0', null],
    ['IRAC', '4AB', null],
    ['IRAC', '100', null],
    ['FRAC', 'M2', 'M02'],
    ['FRAC', 'M 02', 'M02'],
    ['FRAC', 'm01', 'M01'],
    ['FRAC', '11', '11'],
    ['FRAC', '3', '3'],
    ['FRAC', '16.1', '16.1'],
    ['FRAC', 'P7', 'P07'],
    ['FRAC', 'U 06', 'U06'],
    ['FRAC', 'BM 02', 'BM02'],
    ['FRAC', 'NC', 'NC'],
    ['FRAC', '4A', null],
    ['FRAC', 'M0', null],
    ['FRAC', 'X1', null],
    ['HRAC', '9', '9'],
    ['HRAC', '09', '9'],
    ['HRAC', '0', '0'],
    ['HRAC', 'G', null],
    ['HRAC', 'C1', null],
    ['OTHER', '4A', null],
  ])('%s %s → %s', (scheme, code, expected) => {
    expect(normalizeModeOfActionCode(scheme, code)).toBe(expected);
  });
});

describe('modeOfActionProblems', () => {
  it.each([
    ['a valid IRAC group', { scheme: 'IRAC', code: '4A' }, []],
    ['a valid FRAC code', { scheme: 'FRAC', code: 'M02' }, []],
    ['no object', '4A', [{ field: 'mode_of_action', message: 'must be {scheme, code}' }]],
    [
      'an unknown scheme',
      { scheme: 'EPA', code: '4A' },
      [{ field: 'mode_of_action.scheme', message: 'must be one of IRAC, FRAC, HRAC' }],
    ],
    ['no code', { scheme: 'IRAC' }, [{ field: 'mode_of_action.code', message: 'is required' }]],
    [
      'a FRAC code given as IRAC',
      { scheme: 'IRAC', code: 'M02' },
      [{ field: 'mode_of_action.code', message: expect.stringContaining('is not an IRAC group') }],
    ],
    [
      'a pre-2020 HRAC letter',
      { scheme: 'HRAC', code: 'G' },
      [{ field: 'mode_of_action.code', message: expect.stringContaining('pre-2020 HRAC letter') }],
    ],
    [
      'an unknown field',
      { scheme: 'IRAC', code: '4A', group: 'x' },
      [{ field: 'mode_of_action.group', message: 'is not a known field' }],
    ],
  ])('%s', (_, moa, expected) => {
    expect(modeOfActionProblems(moa)).toEqual(expected);
  });
});

describe('chemicalTreatmentProblems: the rule the API applies too', () => {
  const chemical = {
    method: 'chemical',
    active_ingredient: 'abamectin',
    mode_of_action: { scheme: 'IRAC', code: '6' },
    pre_harvest_interval_days: 7,
  };
  it.each([
    ['complete', chemical, []],
    [
      'no interval',
      { ...chemical, pre_harvest_interval_days: undefined },
      [{ field: 'pre_harvest_interval_days', message: 'is required for a chemical treatment' }],
    ],
    [
      'an interval of 0 days',
      { ...chemical, pre_harvest_interval_days: 0 },
      [{ field: 'pre_harvest_interval_days', message: 'must be whole days > 0 for a chemical treatment' }],
    ],
    [
      'half a day',
      { ...chemical, pre_harvest_interval_days: 1.5 },
      [{ field: 'pre_harvest_interval_days', message: 'must be whole days > 0 for a chemical treatment' }],
    ],
    [
      'no active ingredient',
      { ...chemical, active_ingredient: null },
      [{ field: 'active_ingredient', message: 'is required for a chemical treatment' }],
    ],
    [
      'a blank active ingredient',
      { ...chemical, active_ingredient: '  ' },
      [{ field: 'active_ingredient', message: 'is required for a chemical treatment' }],
    ],
    [
      'no mode-of-action group',
      { ...chemical, mode_of_action: undefined },
      [{ field: 'mode_of_action', message: 'is required for a chemical treatment: its IRAC, FRAC or HRAC group' }],
    ],
    [
      'a malformed group',
      { ...chemical, mode_of_action: { scheme: 'FRAC', code: 'Z9' } },
      [{ field: 'mode_of_action.code', message: expect.stringContaining('"Z9" is not a FRAC code') }],
    ],
    [
      'nothing at all',
      { method: 'chemical' },
      [
        { field: 'pre_harvest_interval_days', message: 'is required for a chemical treatment' },
        { field: 'active_ingredient', message: 'is required for a chemical treatment' },
        { field: 'mode_of_action', message: 'is required for a chemical treatment: its IRAC, FRAC or HRAC group' },
      ],
    ],
    ['a biological treatment without any of them', { method: 'biological' }, []],
    ['a cultural treatment', { method: 'cultural', pre_harvest_interval_days: 0 }, []],
  ])('%s', (_, treatment, expected) => {
    expect(chemicalTreatmentProblems(treatment)).toEqual(expected);
  });
});

describe('resistanceGroupOf: counted by group, else by ingredient', () => {
  it.each([
    [
      'a pyrethroid',
      { method: 'chemical', active_ingredient: 'deltamethrin', mode_of_action: { scheme: 'IRAC', code: '3A' } },
      'IRAC 3A',
    ],
    [
      'Bt counts with its IRAC group',
      { method: 'biological', mode_of_action: { scheme: 'IRAC', code: '11A' } },
      'IRAC 11A',
    ],
    [
      'a code written another way',
      { method: 'chemical', active_ingredient: 'sulfur', mode_of_action: { scheme: 'FRAC', code: 'M 2' } },
      'FRAC M02',
    ],
    [
      'IRAC UN: by ingredient',
      { method: 'biological', active_ingredient: ' Azadirachtin ', mode_of_action: { scheme: 'IRAC', code: 'UN' } },
      'ingredient:azadirachtin',
    ],
    ['FRAC BM: no ingredient, none', { method: 'biological', mode_of_action: { scheme: 'FRAC', code: 'BM02' } }, null],
    [
      'HRAC 0: by ingredient',
      { method: 'chemical', active_ingredient: 'X', mode_of_action: { scheme: 'HRAC', code: '0' } },
      'ingredient:x',
    ],
    [
      'no group: by ingredient',
      { method: 'physical', active_ingredient: 'Potassium  salts of fatty acids' },
      'ingredient:potassium salts of fatty acids',
    ],
    ['a predator: never counted', { method: 'biological' }, null],
    [
      'a malformed code: by ingredient',
      { method: 'chemical', active_ingredient: 'y', mode_of_action: { scheme: 'IRAC', code: '??' } },
      'ingredient:y',
    ],
  ])('%s', (_, treatment, expected) => {
    expect(resistanceGroupOf(treatment)).toBe(expected);
  });
});

const pest = (over: Record<string, unknown> = {}) => ({
  key: 'test-aphid',
  name: 'Test aphid',
  scientific_name: 'Aphis testis',
  kind: 'insect',
  host_families: ['solanaceae'],
  symptoms: 'Curled leaves.',
  signs: ['aphids under leaves'],
  ...over,
});
const disease = (over: Record<string, unknown> = {}) => ({
  key: 'test-wilt',
  name: 'Test wilt',
  pathogen: 'Fusarium testis',
  kind: 'fungal',
  host_families: ['solanaceae'],
  soil_borne: true,
  symptoms: 'Wilting.',
  favoured_by: ['warm soil'],
  ...over,
});
const treatment = (over: Record<string, unknown> = {}) => ({
  key: 'test-spray',
  name: 'Test spray',
  method: 'chemical',
  pests: ['test-aphid'],
  description: 'A spray.',
  active_ingredient: 'testamid',
  mode_of_action: { scheme: 'IRAC', code: '4A' },
  pre_harvest_interval_days: 7,
  interval_status: 'typical',
  organic_allowed: false,
  ...over,
});
const fields = (problems: Array<{ field: string }>) => problems.map((p) => p.field);

describe('one row’s rules', () => {
  it('accept the test rows as they are', () => {
    expect(pestProblems(pest())).toEqual([]);
    expect(diseaseProblems(disease())).toEqual([]);
    expect(treatmentProblems(treatment())).toEqual([]);
  });

  it.each([
    ['no name', pest({ name: undefined }), ['name']],
    ['a bad key', pest({ key: 'Test Aphid' }), ['key']],
    ['an unknown kind', pest({ kind: 'virus' }), ['kind']],
    ['no host family', pest({ host_families: [] }), ['host_families']],
    ['a host family twice', pest({ host_families: ['solanaceae', 'solanaceae'] }), ['host_families[1]']],
    ['no signs', pest({ signs: undefined }), ['signs']],
    ['a lifecycle of 0 days', pest({ lifecycle_days: 0 }), ['lifecycle_days']],
    ['a misspelt field', pest({ symptom: 'x' }), ['symptom']],
  ])('a pest with %s', (_, row, expected) => {
    expect(fields(pestProblems(row))).toEqual(expected);
  });

  it.each([
    ['no pathogen', disease({ pathogen: undefined }), ['pathogen']],
    ['no soil_borne', disease({ soil_borne: undefined }), ['soil_borne']],
    ['soil_borne as text', disease({ soil_borne: 'yes' }), ['soil_borne']],
    ['an unknown kind', disease({ kind: 'fungus' }), ['kind']],
    ['no favoured_by', disease({ favoured_by: [] }), ['favoured_by']],
    ['a physiological disorder with a pathogen', disease({ kind: 'physiological', soil_borne: false }), ['pathogen']],
    ['a soil-borne physiological disorder', disease({ kind: 'physiological', pathogen: null }), ['soil_borne']],
  ])('a disease with %s', (_, row, expected) => {
    expect(fields(diseaseProblems(row))).toEqual(expected);
  });

  it('accepts a physiological disorder without a pathogen', () => {
    expect(diseaseProblems(disease({ kind: 'physiological', pathogen: null, soil_borne: false }))).toEqual([]);
  });

  it.each([
    ['no target', treatment({ pests: [] }), ['pests']],
    ['an unknown method', treatment({ method: 'magic' }), ['method']],
    [
      'a chemical without interval',
      treatment({ pre_harvest_interval_days: undefined, interval_status: undefined }),
      ['pre_harvest_interval_days'],
    ],
    ['a chemical without ingredient', treatment({ active_ingredient: undefined }), ['active_ingredient']],
    ['a chemical without group', treatment({ mode_of_action: undefined }), ['mode_of_action']],
    ['an interval of 0 days', treatment({ pre_harvest_interval_days: 0 }), ['pre_harvest_interval_days']],
    ['an interval without status', treatment({ interval_status: undefined }), ['interval_status']],
    [
      'a status without interval',
      treatment({ method: 'physical', pre_harvest_interval_days: undefined, mode_of_action: undefined }),
      ['interval_status'],
    ],
    ['an unknown status', treatment({ interval_status: 'guessed' }), ['interval_status']],
    ['a biological without organism', treatment({ method: 'biological' }), ['organism']],
    [
      'a biological with a malformed group',
      treatment({ method: 'biological', organism: 'Bt', mode_of_action: { scheme: 'IRAC', code: 'eleven' } }),
      ['mode_of_action.code'],
    ],
    ['re-entry hours out of range', treatment({ reentry_hours: 1000 }), ['reentry_hours']],
    ['no organic flag', treatment({ organic_allowed: undefined }), ['organic_allowed']],
  ])('a treatment with %s', (_, row, expected) => {
    expect(fields(treatmentProblems(row))).toEqual(expected);
  });
});

const families: FamilyLinks[] = [
  {
    key: 'solanaceae',
    pests: ['test aphid (Aphis testis)'],
    pathogens: ['test wilt (Fusarium testis)'],
    soil_borne: ['Test wilt (Fusarium testis)'],
  },
  { key: 'cucurbitaceae', pests: ['test aphid (Aphis testis)'], pathogens: [] },
];
const seed = (p: object[], d: object[], t: object[]): ProtectionRows => ({
  pests: p.map((row) => ({ file: 'pests.yaml', row: row as Record<string, unknown> })),
  diseases: d.map((row) => ({ file: 'diseases.yaml', row: row as Record<string, unknown> })),
  treatments: t.map((row) => ({ file: 'treatments.yaml', row: row as Record<string, unknown> })),
});
const goodPest = pest({ host_families: ['solanaceae', 'cucurbitaceae'], catalog_names: ['Test aphid (Aphis testis)'] });
const diseaseNames = ['test wilt (Fusarium testis)'];
const goodDisease = disease({ catalog_names: diseaseNames });
const goodTreatment = treatment({ diseases: ['test-wilt'] });

describe('protectionSeedProblems: across the files and against the families', () => {
  it('accepts a consistent seed, comparing family names without case', () => {
    expect(protectionSeedProblems(seed([goodPest], [goodDisease], [goodTreatment]), families)).toEqual([]);
  });

  it.each([
    [
      'a key used twice across files',
      seed([goodPest], [goodDisease, disease({ key: 'test-aphid', name: 'Other' })], [goodTreatment]),
      [{ file: 'diseases.yaml', key: 'test-aphid', field: 'key', message: 'is also the key of a row in pests.yaml' }],
    ],
    [
      'a name used twice in a kind (any case)',
      seed([goodPest, pest({ key: 'other', name: 'TEST APHID' })], [goodDisease], [goodTreatment]),
      [{ file: 'pests.yaml', key: 'other', field: 'name', message: 'is also the name of test-aphid' }],
    ],
    [
      'a treatment naming a missing pest',
      seed([goodPest], [goodDisease], [treatment({ pests: ['test-aphid', 'nobody'] })]),
      [
        {
          file: 'treatments.yaml',
          key: 'test-spray',
          field: 'pests[1]',
          message: '"nobody" is not a key of pests.yaml',
        },
      ],
    ],
    [
      'a treatment naming a pest as a disease',
      seed([goodPest], [goodDisease], [treatment({ diseases: ['test-aphid'] })]),
      [
        {
          file: 'treatments.yaml',
          key: 'test-spray',
          field: 'diseases[0]',
          message: '"test-aphid" is not a key of diseases.yaml',
        },
      ],
    ],
    [
      'a host family the catalogue lacks',
      seed(
        [goodPest],
        [disease({ catalog_names: diseaseNames, host_families: ['solanaceae', 'nowhereaceae'] })],
        [goodTreatment],
      ),
      [
        {
          file: 'diseases.yaml',
          key: 'test-wilt',
          field: 'host_families[1]',
          message: '"nowhereaceae" is not a family of the plant catalogue',
        },
      ],
    ],
    [
      'a catalogue name no family lists',
      seed([pest({ catalog_names: ['test aphids'] })], [goodDisease], [goodTreatment]),
      [
        {
          file: 'pests.yaml',
          key: 'test-aphid',
          field: 'catalog_names[0]',
          message: '"test aphids" is in no family\'s pests or soil_borne list (spell it as the family does)',
        },
      ],
    ],
    [
      'a pest missing a family that lists it',
      seed([pest({ catalog_names: ['test aphid (Aphis testis)'] })], [goodDisease], [goodTreatment]),
      [
        {
          file: 'pests.yaml',
          key: 'test-aphid',
          field: 'host_families',
          message: 'lacks cucurbitaceae, which list "test aphid (Aphis testis)"',
        },
      ],
    ],
    [
      'one family name linked to two rows',
      seed(
        [
          goodPest,
          pest({
            key: 'twin',
            name: 'Twin',
            host_families: ['solanaceae', 'cucurbitaceae'],
            catalog_names: ['test aphid (Aphis testis)'],
          }),
        ],
        [goodDisease],
        [goodTreatment],
      ),
      [
        {
          file: 'pests.yaml',
          key: 'twin',
          field: 'catalog_names[0]',
          message: '"test aphid (Aphis testis)" is already linked to test-aphid',
        },
      ],
    ],
    [
      'a disease a family lists as soil-borne marked not soil-borne',
      seed([goodPest], [disease({ catalog_names: diseaseNames, soil_borne: false })], [goodTreatment]),
      [
        {
          file: 'diseases.yaml',
          key: 'test-wilt',
          field: 'soil_borne',
          message: 'must be true: solanaceae list "test wilt (Fusarium testis)" as soil-borne',
        },
      ],
    ],
    [
      'a seeded interval marked confirmed',
      seed([goodPest], [goodDisease], [treatment({ interval_status: 'confirmed' })]),
      [
        {
          file: 'treatments.yaml',
          key: 'test-spray',
          field: 'interval_status',
          message: expect.stringContaining('only a farm confirms'),
        },
      ],
    ],
    [
      'a code not in its canonical form',
      seed([goodPest], [goodDisease], [treatment({ mode_of_action: { scheme: 'FRAC', code: 'M2' } })]),
      [
        {
          file: 'treatments.yaml',
          key: 'test-spray',
          field: 'mode_of_action.code',
          message: 'is written "M02" in the seed',
        },
      ],
    ],
    [
      'a row without a key',
      seed([goodPest], [goodDisease], [goodTreatment, treatment({ key: undefined, name: 'Keyless' })]),
      [{ file: 'treatments.yaml', key: '(no key)', field: 'key', message: 'is required' }],
    ],
  ])('refuses %s', (_, rows, expected) => {
    expect(protectionSeedProblems(rows, families)).toEqual(expected);
  });
});

describe('parseProtectionFiles', () => {
  const files = (over: Record<string, string> = {}) =>
    Object.values(PROTECTION_FILES).map((file) => ({ path: file, text: over[file] ?? '[]' }));

  it('reads the three files into rows by kind', () => {
    const { rows, problems } = parseProtectionFiles(files({ 'pests.yaml': stringify([pest()]) }));
    expect(problems).toEqual([]);
    expect(rows.pests).toEqual([{ file: 'pests.yaml', row: pest() }]);
    expect(rows.treatments).toEqual([]);
  });

  it.each([
    ['broken YAML', files({ 'pests.yaml': 'key: [unclosed' }), { file: 'pests.yaml', key: '(file)' }],
    [
      'a mapping instead of a list',
      files({ 'diseases.yaml': 'key: x' }),
      { file: 'diseases.yaml', key: '(file)', field: '(file)', message: 'must be a list of rows' },
    ],
    [
      'a row that is not a mapping',
      files({ 'treatments.yaml': '- just text' }),
      { file: 'treatments.yaml', key: '(row 1)', field: '(row)', message: 'must be a mapping' },
    ],
    [
      'a duplicated field in a row',
      files({ 'pests.yaml': '- key: a\n  key: b' }),
      { file: 'pests.yaml', key: '(file)' },
    ],
    [
      'an unknown file',
      [...files(), { path: 'weeds.yaml', text: '[]' }],
      { file: 'weeds.yaml', key: '(file)', message: 'is not one of pests.yaml, diseases.yaml, treatments.yaml' },
    ],
    [
      'a missing file',
      files().filter((f) => f.path !== 'diseases.yaml'),
      { file: 'diseases.yaml', key: '(file)', field: '(file)', message: 'is missing' },
    ],
  ])('reports %s', (_, input, expected) => {
    expect(parseProtectionFiles(input).problems).toEqual([expect.objectContaining(expected)]);
  });

  it('hands the rows on to the checks: checkProtectionSeed names the file, key and field', () => {
    const { problems } = checkProtectionSeed(
      files({ 'pests.yaml': stringify([pest({ host_families: ['nowhereaceae'] })]) }),
      families,
    );
    expect(problems).toEqual([
      {
        file: 'pests.yaml',
        key: 'test-aphid',
        field: 'host_families[0]',
        message: '"nowhereaceae" is not a family of the plant catalogue',
      },
    ]);
  });
});
