import { describe, expect, it } from 'vitest';
import { accuracyOf, choosePlace, DEFAULT_GPS_ACCURACY_M, type PlaceInput } from './photos.place.engine.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

describe('choosePlace', () => {
  const cases: Array<[string, PlaceInput, { id: string | null; source: string | null; reason: string }]> = [
    [
      'a label wins over GPS',
      { chosen: { id: A, source: 'label' }, gps: { accuracyM: 1 }, candidates: [{ id: B, distanceM: 0 }] },
      { id: A, source: 'label', reason: 'chosen' },
    ],
    [
      'a given id wins over GPS',
      { chosen: { id: B, source: 'given' }, gps: { accuracyM: 1 }, candidates: [{ id: A, distanceM: 0 }] },
      { id: B, source: 'given', reason: 'chosen' },
    ],
    ['no GPS and no label', { candidates: [] }, { id: null, source: null, reason: 'no_gps' }],
    [
      'one location contains the point, none other within accuracy',
      { gps: { accuracyM: 2 }, candidates: [{ id: A, distanceM: 0 }] },
      { id: A, source: 'gps', reason: 'gps' },
    ],
    [
      'the nearest within accuracy, not containing',
      { gps: { accuracyM: 5 }, candidates: [{ id: A, distanceM: 3 }] },
      { id: A, source: 'gps', reason: 'gps' },
    ],
    [
      'near a border: two within accuracy',
      {
        gps: { accuracyM: 5 },
        candidates: [
          { id: A, distanceM: 0 },
          { id: B, distanceM: 0.4 },
        ],
      },
      { id: null, source: null, reason: 'several_within_accuracy' },
    ],
    [
      'a candidate beyond the accuracy does not count',
      {
        gps: { accuracyM: 2 },
        candidates: [
          { id: A, distanceM: 0 },
          { id: B, distanceM: 2.5 },
        ],
      },
      { id: A, source: 'gps', reason: 'gps' },
    ],
    [
      'none within accuracy',
      { gps: { accuracyM: 2 }, candidates: [{ id: A, distanceM: 7 }] },
      { id: null, source: null, reason: 'none_within_accuracy' },
    ],
    [
      'no stated accuracy: the default applies',
      {
        gps: { accuracyM: null },
        candidates: [
          { id: A, distanceM: 0 },
          { id: B, distanceM: 9 },
        ],
      },
      { id: null, source: null, reason: 'several_within_accuracy' },
    ],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    const decision = choosePlace(input);
    expect({ id: decision.locationId, source: decision.source, reason: decision.reason }).toEqual(expected);
    expect(decision.warnings).toEqual(expected.id ? [] : ['needs_location']);
  });

  it('judges a fix by its stated accuracy, or the default when absent or nonsense', () => {
    expect(accuracyOf(3.5)).toBe(3.5);
    expect(accuracyOf(null)).toBe(DEFAULT_GPS_ACCURACY_M);
    expect(accuracyOf(0)).toBe(DEFAULT_GPS_ACCURACY_M);
    expect(accuracyOf(Number.NaN)).toBe(DEFAULT_GPS_ACCURACY_M);
  });
});
