import { describe, expect, it } from 'vitest';
import {
  frostProblem,
  geometryProblem,
  importOrder,
  levelsAt,
  placementProblem,
  positionCount,
  type TypeRules,
} from './locations.engine.js';

const rules: TypeRules = {
  roots: new Set(['site', 'warehouse']),
  children: new Map([
    ['site', new Set(['bed'])],
    ['bed', new Set(['slot'])],
    ['warehouse', new Set(['storage_area'])],
  ]),
};

describe('placement', () => {
  it('follows the type rules', () => {
    expect(placementProblem(rules, null, 'site')).toBeUndefined();
    expect(placementProblem(rules, 'site', 'bed')).toBeUndefined();
    expect(placementProblem(rules, null, 'bed')).toBe(
      'a bed cannot be at the top of the tree; put it under one of: site',
    );
    expect(placementProblem(rules, 'bed', 'storage_area')).toBe(
      'a storage_area cannot sit under a bed (allowed there: slot)',
    );
    expect(placementProblem(rules, 'slot', 'bed')).toBe('a bed cannot sit under a slot (nothing may sit under it)');
  });
});

describe('geometry shape', () => {
  const square = [
    [104.9, 11.5],
    [104.901, 11.5],
    [104.901, 11.501],
    [104.9, 11.501],
    [104.9, 11.5],
  ];
  it('accepts points, closed polygons and multipolygons in range', () => {
    expect(geometryProblem({ type: 'Point', coordinates: [104.9, 11.5] })).toBeUndefined();
    expect(geometryProblem({ type: 'Polygon', coordinates: [square] })).toBeUndefined();
    expect(geometryProblem({ type: 'MultiPolygon', coordinates: [[square]] })).toBeUndefined();
  });
  it('names what is wrong', () => {
    expect(geometryProblem({ type: 'Point', coordinates: [11.5, 104.9] })).toMatch(/latitude 104.9, outside -90…90/);
    expect(geometryProblem({ type: 'Point', coordinates: [200, 0] })).toMatch(/longitude 200/);
    expect(geometryProblem({ type: 'Polygon', coordinates: [square.slice(0, 4)] })).toMatch(/not closed/);
    expect(
      geometryProblem({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 1],
            [0, 0],
          ],
        ],
      }),
    ).toMatch(/at least 4 positions/);
    expect(geometryProblem({ type: 'Polygon', coordinates: [] })).toMatch(/no rings/);
    expect(
      geometryProblem({ type: 'MultiPolygon', coordinates: [[square], [[...square.slice(0, 4), [0, 0]]]] }),
    ).toMatch(/polygon 1 outer ring is not closed/);
  });
});

describe('import order', () => {
  const f = (index: number, code?: string, parentCode?: string) => ({ index, code, parentCode });
  it('puts parents before children, whatever the order given', () => {
    const result = importOrder([f(0, 'slot-1', 'bed-1'), f(1, 'bed-1', 'site'), f(2, 'site')], new Set());
    expect(result).toEqual({ ok: true, order: [2, 1, 0] });
  });
  it('lets parents be locations that already exist', () => {
    expect(importOrder([f(0, 'bed-2', 'site')], new Set(['site']))).toEqual({ ok: true, order: [0] });
  });
  it('names the feature that is wrong', () => {
    expect(importOrder([f(0, 'a'), f(1, 'a')], new Set())).toMatchObject({
      ok: false,
      index: 1,
      message: 'code "a" appears twice in the import',
    });
    expect(importOrder([f(0, 'a', 'ghost')], new Set())).toMatchObject({ ok: false, index: 0 });
    expect(importOrder([f(0, 'site')], new Set(['site']))).toMatchObject({ ok: false, index: 0 });
    expect(importOrder([f(0, 'a', 'b'), f(1, 'b', 'a')], new Set())).toMatchObject({
      ok: false,
      message: 'its parents form a cycle',
    });
  });
});

describe('sizes', () => {
  it('counts the levels down to a place and under it', () => {
    expect(levelsAt(null)).toBe(1);
    expect(levelsAt([])).toBe(2);
    expect(levelsAt(['a', 'b'])).toBe(4);
    expect(levelsAt(['a', 'b'], 3)).toBe(7);
  });
  it('counts every position of a geometry', () => {
    const ring = [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 0],
    ];
    expect(positionCount({ type: 'Point', coordinates: [0, 0] })).toBe(1);
    expect(positionCount({ type: 'Polygon', coordinates: [ring, ring] })).toBe(8);
    expect(positionCount({ type: 'MultiPolygon', coordinates: [[ring], [ring, ring]] })).toBe(12);
  });
});

describe('frost dates', () => {
  const dates = (last: string | null, first: string | null, safe: string | null) => ({
    last_frost: last,
    first_frost: first,
    frost_safe: safe,
  });

  it('accepts a site’s season in either hemisphere, and none at all', () => {
    expect(frostProblem('site', dates('04-20', '10-20', '05-15'))).toBeUndefined();
    expect(frostProblem('site', dates('10-01', '04-15', '10-20'))).toBeUndefined(); // over the year's end
    expect(frostProblem('site', dates('12-20', '03-01', '01-10'))).toBeUndefined();
    expect(frostProblem('site', dates('04-20', null, '04-20'))).toBeUndefined(); // the safe date may be the last frost
    expect(frostProblem('field', dates(null, null, null))).toBeUndefined();
  });

  it('names the field that is wrong', () => {
    expect(frostProblem('bed', dates(null, '10-01', null))).toMatchObject({ field: 'first_frost' });
    expect(frostProblem('site', dates('04-20', '04-20', null))).toMatchObject({ field: 'first_frost' });
    expect(frostProblem('site', dates(null, null, '05-15'))).toMatchObject({ field: 'frost_safe' });
    expect(frostProblem('site', dates('04-20', null, '04-19'))).toMatchObject({ field: 'frost_safe' });
    expect(frostProblem('site', dates('04-20', null, '07-20'))).toMatchObject({ field: 'frost_safe' }); // 91 days
    expect(frostProblem('site', dates('04-20', null, '07-19'))).toBeUndefined(); // 90 days
    expect(frostProblem('site', dates('04-20', '05-01', '05-01'))).toMatchObject({ field: 'frost_safe' });
  });
});
