import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkStarterKits, kitPlacementProblems, STARTER_KITS_FILE } from './catalog.kits.js';
import { checkSeed, DEFAULT_SEED_DIR, readSeedFiles } from './catalog.seed.js';

const species = new Set(['ocimum-basilicum', 'capsicum-annuum']);
const kit = (over: Record<string, unknown> = {}) =>
  stringify([
    {
      key: 'test-kit',
      names: { en: 'Test kit' },
      places: [
        { key: 'tent', type: 'grow_tent', names: { en: 'Tent' }, slots: 2 },
        { key: 'corner', type: 'zone', names: { en: 'Corner' }, parent: 'tent' },
      ],
      plants_at: 'tent',
      species: ['ocimum-basilicum', 'capsicum-annuum'],
      suggested_plants: 2,
      ...over,
    },
  ]);

describe('starter kits', () => {
  it('ship at least nine, the ones the issue names among them, and pass the seed checks', async () => {
    const { kits, problems } = checkSeed(await readSeedFiles(DEFAULT_SEED_DIR));
    expect(problems).toEqual([]);
    expect(kits.length).toBeGreaterThanOrEqual(9);
    expect(kits.map((k) => k.key)).toEqual(
      expect.arrayContaining([
        'windowsill-herbs',
        'houseplants',
        'balcony-tomatoes',
        'chillies',
        'grow-tent',
        'microgreens',
        'salad-bed',
        'cactus-windowsill',
        'cambodian-home-garden',
      ]),
    );
    const cambodian = kits.find((k) => k.key === 'cambodian-home-garden')!;
    expect(cambodian.species).toEqual(
      expect.arrayContaining([
        'ipomoea-aquatica',
        'cymbopogon-citratus',
        'capsicum-frutescens',
        'vigna-unguiculata-subsp-sesquipedalis',
      ]),
    );
  });

  it('refuse the load when a kit names a species the catalogue does not hold', () => {
    const { problems } = checkStarterKits(kit({ species: ['ocimum-basilicum', 'no-such-plant'] }), species);
    expect(problems).toEqual([
      {
        file: STARTER_KITS_FILE,
        key: 'test-kit',
        field: 'species[1]',
        message: '"no-such-plant" is not a species of the catalogue',
      },
    ]);
  });

  it('refuse a seed whose kits name a missing species, through the whole seed check', async () => {
    const files = (await readSeedFiles(DEFAULT_SEED_DIR)).map((f) =>
      f.path === STARTER_KITS_FILE ? { ...f, text: f.text.replace('ipomoea-aquatica', 'ipomoea-nowhere') } : f,
    );
    const { problems } = checkSeed(files);
    expect(problems).toEqual([
      expect.objectContaining({ file: STARTER_KITS_FILE, key: 'cambodian-home-garden', field: 'species[0]' }),
    ]);
  });

  it('refuse a misshapen kit, a parent not listed before, and plants at no place of the kit', () => {
    expect(checkStarterKits(kit({ suggested_plants: 0 }), species).problems).toEqual([
      expect.objectContaining({ key: 'test-kit', field: 'suggested_plants' }),
    ]);
    const orphan = checkStarterKits(
      kit({ places: [{ key: 'a', type: 'zone', names: { en: 'A' }, parent: 'b' }], plants_at: 'c' }),
      species,
    );
    expect(orphan.problems.map((p) => p.field)).toEqual(['places[0].parent', 'plants_at']);
  });

  it('check places against the location tree’s rules', () => {
    const { kits } = checkStarterKits(kit(), species);
    const rules = new Set(['site>grow_tent', 'grow_tent>slot', 'grow_tent>zone']);
    expect(kitPlacementProblems(kits, rules)).toEqual([]);
    expect(kitPlacementProblems(kits, new Set(['site>grow_tent', 'grow_tent>zone']))).toEqual([
      expect.objectContaining({ field: 'places[0].slots', message: 'a grow_tent has no slots' }),
    ]);
    expect(kitPlacementProblems(kits, new Set(['grow_tent>slot', 'grow_tent>zone']))).toEqual([
      expect.objectContaining({ field: 'places[0].type', message: 'a grow_tent may not stand under a site' }),
    ]);
  });
});
