import { describe, expect, it } from 'vitest';
import {
  companionMatches,
  judgePlacement,
  nitrogenNote,
  pauseOf,
  previousCrops,
  rotationApplies,
  rotationVerdict,
  sharedSoilBorne,
  successorNote,
  type Family,
  type PastPlanting,
  type Scope,
} from './placement.engine.js';

const family = (key: string, extra: Partial<Family> = {}): Family => ({
  id: `id-${key}`,
  key,
  name: key[0]!.toUpperCase() + key.slice(1),
  pauseYears: null,
  soilBorne: [],
  nitrogenFixing: false,
  ...extra,
});
const solanaceae = family('solanaceae', { pauseYears: 4, soilBorne: ['Verticillium wilt', 'potato cyst nematode'] });
const brassicaceae = family('brassicaceae', { pauseYears: 7, soilBorne: ['clubroot (Plasmodiophora brassicae)'] });
const fabaceae = family('fabaceae', { pauseYears: 4, nitrogenFixing: true });
const malvaceae = family('malvaceae', { soilBorne: ['verticillium WILT'] });

let n = 0;
const planted = (f: Family, plantedOn: string, removedOn: string | null = null): PastPlanting => ({
  plantId: `p${++n}`,
  label: `P${n}`,
  plantedOn,
  removedOn,
  family: f,
});
const scope = (plantings: PastPlanting[], recordsSince = '2015-01-01', name = 'Slot 1'): Scope => ({
  scope: 'slot',
  location: { id: `loc-${name}`, name, type: 'slot' },
  recordsSince,
  plantings,
});

describe('where rotation applies', () => {
  it.each([
    [{ type: 'slot' }, [{ type: 'site' }, { type: 'field' }, { type: 'bed' }], true],
    [{ type: 'slot' }, [{ type: 'greenhouse' }, { type: 'bed' }, { type: 'row' }], true],
    [{ type: 'bed' }, [{ type: 'greenhouse' }], true],
    [{ type: 'field' }, [], true],
    [{ type: 'slot' }, [{ type: 'greenhouse' }], false], // a pot on a bench
    [{ type: 'slot' }, [{ type: 'room' }, { type: 'grow_tent' }], false],
    [{ type: 'bed' }, [{ type: 'house' }, { type: 'room' }], false],
    [{ type: 'greenhouse' }, [], false],
  ])('%j under %j: %s', (place, ancestors, applies) => {
    expect(rotationApplies(place, ancestors).applies).toBe(applies);
  });
});

describe('the pause', () => {
  it('is the species’ own, else the family’s, else the farm’s window', () => {
    expect(pauseOf(3, 7, 4)).toEqual({ years: 3, source: 'species' });
    expect(pauseOf(null, 7, 4)).toEqual({ years: 7, source: 'family' });
    expect(pauseOf(null, null, 5)).toEqual({ years: 5, source: 'farm' });
  });
});

describe('the rotation verdict', () => {
  it('refuses the family within its pause and allows it from last year + pause', () => {
    const s = scope([planted(solanaceae, '2024-05-01'), planted(fabaceae, '2025-04-01', '2025-05-15')]);
    expect(rotationVerdict(solanaceae.id, 4, '2026-06-01', s)).toMatchObject({
      status: 'violation',
      last_planted_on: '2024-05-01',
      allowed_from_year: 2028,
    });
    expect(rotationVerdict(solanaceae.id, 4, '2027-06-01', s).status).toBe('violation');
    expect(rotationVerdict(solanaceae.id, 4, '2028-06-01', s)).toMatchObject({ status: 'ok', allowed_from_year: 2028 });
    // The same year counts once the crop is out: Y − last = 0.
    expect(rotationVerdict(fabaceae.id, 4, '2025-06-01', s).status).toBe('violation');
    // Before it was out, it grows alongside: a mixed bed, not a rotation.
    expect(rotationVerdict(fabaceae.id, 4, '2025-05-01', s).last_planted_on).toBeNull();
    const standing = scope([planted(solanaceae, '2026-03-01')]);
    expect(rotationVerdict(solanaceae.id, 4, '2026-04-01', standing).status).toBe('ok');
    expect(rotationVerdict(solanaceae.id, 4, '2027-04-01', standing).status).toBe('violation');
  });

  it('answers unknown, not ok, while years without records fall inside the pause', () => {
    const fresh = scope([], '2026-03-01');
    expect(rotationVerdict(solanaceae.id, 4, '2026-06-01', fresh)).toMatchObject({
      status: 'unknown',
      last_planted_on: null,
      allowed_from_year: 2029,
      records_since: '2026-03-01',
    });
    expect(rotationVerdict(solanaceae.id, 4, '2029-06-01', fresh).status).toBe('ok');
    // Records back to 2022: 2022–2025 are known, so 2026 is ok for a 4-year pause, unknown for 7.
    const back = scope([planted(fabaceae, '2022-04-01')], '2022-04-01');
    expect(rotationVerdict(solanaceae.id, 4, '2026-06-01', back).status).toBe('ok');
    expect(rotationVerdict(brassicaceae.id, 7, '2026-06-01', back)).toMatchObject({
      status: 'unknown',
      allowed_from_year: 2028,
    });
  });

  it('ignores plantings after the year checked', () => {
    expect(rotationVerdict(solanaceae.id, 4, '2024-06-01', scope([planted(solanaceae, '2025-01-01')])).status).toBe(
      'ok',
    );
  });
});

describe('soil-borne diseases, successors and nitrogen', () => {
  it('warns of a recent family sharing a soil-borne disease (case-insensitive), within the longer pause', () => {
    const plantings = [planted(malvaceae, '2023-06-01'), planted(brassicaceae, '2020-06-01')];
    expect(sharedSoilBorne(solanaceae, 4, 4, '2026-06-01', plantings)).toEqual([
      { family: { key: 'malvaceae', name: 'Malvaceae' }, shared: ['Verticillium wilt'], last_planted_on: '2023-06-01' },
    ]);
    expect(sharedSoilBorne(solanaceae, 4, 4, '2027-06-01', plantings)).toEqual([]);
    expect(sharedSoilBorne(fabaceae, 4, 4, '2026-06-01', plantings)).toEqual([]);
  });

  it('names a good successor of last season’s crops, and the nitrogen they left', () => {
    const plantings = [planted(solanaceae, '2023-05-01'), planted(fabaceae, '2025-03-01')];
    const previous = previousCrops('2026-06-01', plantings);
    expect(previous.map((f) => f.key)).toEqual(['fabaceae']);
    const edges = [{ afterId: fabaceae.id, thenId: brassicaceae.id, reason: 'nitrogen' }];
    expect(successorNote(brassicaceae, previous, edges)).toEqual({
      previous: [{ key: 'fabaceae', name: 'Fabaceae' }],
      good_successor: true,
      after: [{ family: 'fabaceae', reason: 'nitrogen' }],
    });
    expect(successorNote(solanaceae, previous, edges).good_successor).toBe(false);
    expect(nitrogenNote(false, previous)).toMatchObject({ fixes_nitrogen: false, follows_nitrogen_fixer: true });
    expect(nitrogenNote(true, []).note).toContain('fixes nitrogen');
    expect(nitrogenNote(false, []).note).toBeNull();
  });
});

describe('companions', () => {
  const species = [
    { aId: 'basil', bId: 'tomato', relation: 'compatible' as const, score: 0.9, severity: null, reason: 'r1' },
  ];
  const families = [
    {
      aId: 'id-fabaceae',
      bId: 'id-amaryllidaceae',
      relation: 'incompatible' as const,
      score: null,
      severity: 'moderate' as const,
      reason: 'r2',
    },
    {
      aId: 'id-lamiaceae',
      bId: 'id-solanaceae',
      relation: 'compatible' as const,
      score: 0.5,
      severity: null,
      reason: 'r3',
    },
    {
      aId: 'id-apiaceae',
      bId: 'id-solanaceae',
      relation: 'incompatible' as const,
      score: null,
      severity: 'severe' as const,
      reason: 'r4',
    },
  ];
  const neighbour = (speciesId: string, familyId: string) => ({
    plantId: `n-${speciesId}`,
    label: speciesId.toUpperCase(),
    speciesId,
    speciesKey: speciesId,
    familyId,
    location: { id: 'l', name: 'Slot 2' },
  });

  it('takes the species pair, else the family pair × 0.8, read either way round', () => {
    const matches = companionMatches(
      { speciesId: 'tomato', familyId: 'id-solanaceae' },
      [
        neighbour('basil', 'id-lamiaceae'),
        neighbour('mint', 'id-lamiaceae'),
        neighbour('dill', 'id-apiaceae'),
        neighbour('potato', 'id-solanaceae'),
      ],
      { species, family: families },
    );
    expect(matches.map((m) => [m.plant.species, m.relation, m.score, m.match_level, m.blocks])).toEqual([
      ['basil', 'compatible', 0.9, 'species', false],
      ['mint', 'compatible', 0.4, 'family', false],
      ['dill', 'incompatible', null, 'family', false],
      ['potato', 'none', null, null, false],
    ]);
  });

  it('blocks on a species-level incompatible pair only', () => {
    const [match] = companionMatches(
      { speciesId: 'fennel', familyId: 'id-apiaceae' },
      [neighbour('tomato', 'id-solanaceae')],
      {
        species: [
          { aId: 'fennel', bId: 'tomato', relation: 'incompatible', score: null, severity: 'severe', reason: 'r' },
        ],
        family: families,
      },
    );
    expect(match).toMatchObject({ relation: 'incompatible', severity: 'severe', match_level: 'species', blocks: true });
  });
});

describe('the whole placement', () => {
  it('is refused by a violation, exempt in a grow tent', () => {
    const base = {
      day: '2026-06-01',
      farmWindow: 4,
      family: solanaceae,
      speciesPause: null,
      fixesNitrogen: false,
      speciesId: 'tomato',
      successors: [],
      neighbours: [],
      pairs: { species: [], family: [] },
    };
    const scopes = [scope([planted(solanaceae, '2025-05-01')])];
    const inBed = judgePlacement({ ...base, place: { type: 'slot' }, ancestors: [{ type: 'bed' }], scopes });
    expect(inBed.rotation).toMatchObject({
      status: 'violation',
      pause_years: 4,
      pause_source: 'family',
      allowed_from_year: 2029,
    });
    expect(inBed.ok).toBe(false);
    const inTent = judgePlacement({ ...base, place: { type: 'slot' }, ancestors: [{ type: 'grow_tent' }], scopes });
    expect(inTent.rotation).toMatchObject({ applies: false, status: 'exempt', checks: [], allowed_from_year: null });
    expect(inTent.ok).toBe(true);
  });
});
