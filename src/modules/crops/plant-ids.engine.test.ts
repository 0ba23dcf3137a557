import { describe, expect, it } from 'vitest';
import { locationCode } from '../locations/index.js';
import { nextPlantLabels, PLANT_LABEL, validPlantLabel, validPrefix } from './plant-ids.engine.js';

/**
 * Property checks run on a seeded generator (mulberry32): fast-check is not among the project's
 * dependencies, and each failure names its seed and case so it can be replayed.
 */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function forAll<T>(seed: number, runs: number, gen: (rnd: () => number) => T, check: (value: T) => void): void {
  const rnd = random(seed);
  for (let i = 0; i < runs; i++) {
    const value = gen(rnd);
    try {
      check(value);
    } catch (error) {
      throw new Error(`seed ${seed}, case ${i}: ${JSON.stringify(value)}\n${String(error)}`);
    }
  }
}
const int = (rnd: () => number, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(rnd: () => number, items: readonly T[]): T => items[int(rnd, 0, items.length - 1)]!;
/** Letters and marks a farm's names are made of, from several scripts, and the odd symbol. */
const ALPHABET = [...'abcXYZ019 -_/.äöüÄÖÜßéñçøłİı២៣ផ្ទះកញ្ចក់ДомΑλφα温室🌱\t'];
const text = (rnd: () => number, max: number) =>
  Array.from({ length: int(rnd, 0, max) }, () => pick(rnd, ALPHABET)).join('');

describe('locationCode', () => {
  it('upper-cases a code and keeps only A–Z and 0–9, at most 12', () => {
    expect(locationCode({ code: 'gh-02', name: 'Greenhouse 2' })).toBe('GH02');
    expect(locationCode({ code: 'North.Bed_7', name: 'x' })).toBe('NORTHBED7');
    expect(locationCode({ code: 'abcdefghijklmnop', name: 'x' })).toBe('ABCDEFGHIJKL');
    expect(locationCode({ code: 'Süd', name: 'x' })).toBe('SUED');
    expect(locationCode({ code: 'A', name: 'Greenhouse' })).toBe('A');
  });

  it('makes a code from the name when there is none: initials and whole numbers', () => {
    expect(locationCode({ code: null, name: 'Greenhouse 2' })).toBe('G2');
    expect(locationCode({ code: null, name: 'North bed' })).toBe('NB');
    expect(locationCode({ code: null, name: 'Tunnel 10 east' })).toBe('T10E');
    expect(locationCode({ code: null, name: 'Bed12' })).toBe('B12');
    expect(locationCode({ code: null, name: '  raised   bed,  row 3 ' })).toBe('RBR3');
    expect(locationCode({ code: null, name: 'Old orchard by the north gate fence' })).toBe('OOBTNG');
  });

  it('takes three letters of a one-word name', () => {
    expect(locationCode({ code: null, name: 'Orchard' })).toBe('ORC');
    expect(locationCode({ code: null, name: 'Gewächshaus' })).toBe('GEW');
  });

  it('spells out umlauts and drops diacritics', () => {
    expect(locationCode({ code: null, name: 'Süd-Beet 3' })).toBe('SB3');
    expect(locationCode({ code: null, name: 'Äußeres Gewächshaus' })).toBe('AG');
    expect(locationCode({ code: null, name: 'Éclosion' })).toBe('ECL');
    expect(locationCode({ code: null, name: 'Øst' })).toBe('OST');
  });

  it('falls back to LOC for names without Latin letters, keeping their number', () => {
    expect(locationCode({ code: null, name: 'ផ្ទះកញ្ចក់' })).toBe('LOC');
    expect(locationCode({ code: null, name: 'ផ្ទះកញ្ចក់ ២' })).toBe('LOC2');
    expect(locationCode({ code: null, name: 'ផ្ទះកញ្ចក់ 12' })).toBe('12');
    expect(locationCode({ code: null, name: 'Теплица' })).toBe('LOC');
    expect(locationCode({ code: null, name: '7' })).toBe('LOC7');
    expect(locationCode({ code: null, name: 'A' })).toBe('LOCA');
    expect(locationCode({ code: null, name: '' })).toBe('LOC');
  });

  it('uses the name when the code leaves nothing', () => {
    expect(locationCode({ code: 'ផ្ទះ', name: 'North bed' })).toBe('NB');
    expect(locationCode({ code: '--', name: 'ផ្ទះ' })).toBe('LOC');
  });

  it('is LOC without a location', () => {
    expect(locationCode(null)).toBe('LOC');
  });

  it('always gives a code a label can start with, for any code and name', () => {
    forAll(
      41,
      1000,
      (rnd) => ({ code: rnd() < 0.5 ? null : text(rnd, 20), name: text(rnd, 30) }),
      (location) => {
        const code = locationCode(location);
        expect(code).toMatch(/^[A-Z0-9]{1,12}$/);
        if (location.code === null) expect(code).toMatch(/^[A-Z0-9]{2,6}$/);
        expect(validPlantLabel(`${code}_ABCDE_${'9'.repeat(10)}`)).toBe(true);
      },
    );
  });
});

describe('validPrefix', () => {
  it('takes 2–5 capitals', () => {
    expect(['TO', 'TOM', 'BASIL'].every(validPrefix)).toBe(true);
    expect(['T', 'TOMATO', 'tom', 'TO1', 'TÖ', 'T_M', ''].some(validPrefix)).toBe(false);
  });
});

describe('nextPlantLabels', () => {
  it('counts from 01, zero-padded to two digits', () => {
    expect(nextPlantLabels({ code: 'GH2', prefix: 'TOM', count: 3, taken: new Set() })).toEqual([
      'GH2_TOM_01',
      'GH2_TOM_02',
      'GH2_TOM_03',
    ]);
    expect(nextPlantLabels({ code: 'GH2', prefix: 'TOM', count: 0, taken: new Set() })).toEqual([]);
  });

  it('skips labels already taken', () => {
    const taken = new Set(['GH2_TOM_01', 'GH2_TOM_03', 'GH2_TOM_04', 'NB_TOM_02', 'GH2_BAS_02']);
    expect(nextPlantLabels({ code: 'GH2', prefix: 'TOM', count: 3, taken })).toEqual([
      'GH2_TOM_02',
      'GH2_TOM_05',
      'GH2_TOM_06',
    ]);
  });

  it('goes on past 99', () => {
    const taken = new Set(Array.from({ length: 98 }, (_, i) => `LOC_BAS_${String(i + 1).padStart(2, '0')}`));
    expect(nextPlantLabels({ code: 'LOC', prefix: 'BAS', count: 4, taken })).toEqual([
      'LOC_BAS_99',
      'LOC_BAS_100',
      'LOC_BAS_101',
      'LOC_BAS_102',
    ]);
  });

  it('refuses a bad prefix, code or count', () => {
    expect(() => nextPlantLabels({ code: 'GH2', prefix: 'tom', count: 1, taken: new Set() })).toThrow(RangeError);
    expect(() => nextPlantLabels({ code: 'gh2', prefix: 'TOM', count: 1, taken: new Set() })).toThrow(RangeError);
    expect(() => nextPlantLabels({ code: 'GH2', prefix: 'TOM', count: -1, taken: new Set() })).toThrow(RangeError);
    expect(() => nextPlantLabels({ code: 'GH2', prefix: 'TOM', count: 1.5, taken: new Set() })).toThrow(RangeError);
  });

  it('hands out the smallest free numbers, distinct, valid and untaken', () => {
    forAll(
      43,
      300,
      (rnd) => {
        const code = pick(rnd, ['LOC', 'GH2', 'NB', 'ABCDEFGHIJKL', '7']);
        const prefix = pick(rnd, ['TO', 'TOM', 'BASIL']);
        const taken = new Set<string>();
        const takenCount = int(rnd, 0, 150);
        for (let i = 0; i < takenCount; i++)
          taken.add(`${code}_${prefix}_${String(int(rnd, 1, 160)).padStart(2, '0')}`);
        return { code, prefix, count: int(rnd, 0, 120), taken };
      },
      ({ code, prefix, count, taken }) => {
        const labels = nextPlantLabels({ code, prefix, count, taken });
        expect(labels).toHaveLength(count);
        expect(new Set(labels).size).toBe(count);
        const numbers = labels.map((label) => {
          expect(label).toMatch(PLANT_LABEL);
          expect(taken.has(label)).toBe(false);
          const [c, p, nn] = label.split('_');
          expect([c, p]).toEqual([code, prefix]);
          expect(nn!.length).toBeGreaterThanOrEqual(2);
          return Number(nn);
        });
        // Every number below the last handed out was either taken or handed out.
        const last = numbers.at(-1) ?? 0;
        for (let n = 1; n <= last; n++) {
          const label = `${code}_${prefix}_${String(n).padStart(2, '0')}`;
          expect(taken.has(label) || labels.includes(label)).toBe(true);
        }
        expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
      },
    );
  });
});
