import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  budgetFor,
  BUDGET_PHASES,
  EC_BUDGET,
  ecAt25,
  FALLBACK_RANGE,
  PH_RESERVE,
  PHASE_BUDGET,
  phReserve,
  SUBSTRATES,
  UNCERTAIN_EC_RESERVE,
  FRESH_COCO_CALMAG_BOOST,
  isSubstrate,
} from './ec-budget.engine.js';

const SEED = fileURLToPath(new URL('../../../seed/catalog/', import.meta.url));

/** Every phase name the shipped catalogue holds: in the sequences and in the species' overrides. */
async function catalogPhases(): Promise<Set<string>> {
  const names = new Set<string>();
  const sequences = parse(await readFile(join(SEED, 'sequences.yaml'), 'utf8')) as Array<{
    phases: Array<{ key: string }>;
  }>;
  for (const s of sequences) for (const p of s.phases) names.add(p.key);
  for (const dir of await readdir(SEED, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const file = join(SEED, dir.name, 'species.yaml');
    const species = (parse(await readFile(file, 'utf8')) ?? []) as Array<{ phases?: Record<string, unknown> }>;
    for (const sp of species) for (const key of Object.keys(sp.phases ?? {})) names.add(key);
  }
  return names;
}

describe('the EC budget table', () => {
  it('knows the seven substrates', () => {
    expect(SUBSTRATES).toEqual(['hydro', 'coco', 'soil', 'rockwool', 'clay_pebbles', 'perlite', 'living_soil']);
    expect(isSubstrate('coco')).toBe(true);
    expect(isSubstrate('sand')).toBe(false);
  });

  // The ranges of corrections item 14; their maxima are crops.md's (hydro 1.2/2.4/2.8, coco 1.0/2.0/2.4,
  // soil 0.6/1.4/1.6, flushing 0.3). Rockwool, clay pebbles and perlite: the hydro rows within 2.5.
  it.each([
    ['hydro', 'seedling', 0.8, 1.2],
    ['hydro', 'vegetative', 1.6, 2.4],
    ['hydro', 'flowering', 1.8, 2.8],
    ['hydro', 'flushing', 0, 0.3],
    ['coco', 'seedling', 0.8, 1.0],
    ['coco', 'vegetative', 1.6, 2.0],
    ['coco', 'flowering', 1.8, 2.4],
    ['coco', 'flushing', 0, 0.3],
    ['soil', 'seedling', 0.4, 0.6],
    ['soil', 'vegetative', 0.8, 1.4],
    ['soil', 'flowering', 1.0, 1.6],
    ['soil', 'flushing', 0, 0.3],
    ['rockwool', 'seedling', 0.8, 1.2],
    ['rockwool', 'vegetative', 1.6, 2.4],
    ['rockwool', 'flowering', 1.8, 2.5],
    ['clay_pebbles', 'flowering', 1.8, 2.5],
    ['perlite', 'vegetative', 1.6, 2.4],
    ['perlite', 'flushing', 0, 0.3],
  ] as const)('%s in %s: %s–%s mS/cm', (substrate, phase, min, max) => {
    expect(EC_BUDGET[substrate][phase]).toEqual({ min, max });
    expect(budgetFor(substrate, phase)).toMatchObject({ ec_dosing: true, min, max, budget_phase: phase });
  });

  it('has a row for every substrate fed by EC and every budget phase', () => {
    for (const substrate of SUBSTRATES.filter((s) => s !== 'living_soil'))
      for (const phase of BUDGET_PHASES) {
        const row = budgetFor(substrate, phase);
        expect(row.ec_dosing).toBe(true);
        expect(row.min).toBeLessThan(row.max!);
      }
  });

  it('does no EC dosing on living soil', () => {
    expect(budgetFor('living_soil', 'vegetative')).toMatchObject({ ec_dosing: false, min: null, max: null });
  });

  it('maps every phase of the shipped catalogue to a budget row', async () => {
    const phases = await catalogPhases();
    expect(phases.size).toBeGreaterThanOrEqual(13);
    for (const phase of phases) {
      expect(PHASE_BUDGET[phase], `phase ${phase}`).toBeDefined();
      const row = budgetFor('coco', phase);
      expect(row.phase_known).toBe(true);
      expect(row.budget_phase).toBe(PHASE_BUDGET[phase]);
    }
    // And the map holds no phase the catalogue lacks but flushing (the budget's own).
    expect(Object.keys(PHASE_BUDGET).filter((p) => !phases.has(p))).toEqual(['flushing']);
  });

  it.each([
    ['germination', 'seedling'],
    ['fruiting', 'flowering'],
    ['ripening', 'flowering'],
    ['bulking', 'vegetative'],
    ['dormancy', 'flushing'],
    ['harvest', 'flushing'],
  ] as const)('feeds %s like %s', (phase, row) => {
    expect(budgetFor('hydro', phase)).toMatchObject(EC_BUDGET.hydro[row]);
  });

  it('uses the fallback range for a phase of a farm’s own', () => {
    expect(FALLBACK_RANGE).toEqual({ min: 0.8, max: 2.0 });
    expect(budgetFor('hydro', 'my-special-phase')).toMatchObject({
      phase_known: false,
      budget_phase: null,
      min: 0.8,
      max: 2.0,
    });
  });
});

describe('reserves', () => {
  it.each([
    ['soft', 0.02],
    ['medium', 0.03],
    ['hard', 0.05],
  ] as const)('%s water holds back %s mS/cm for the pH', (alkalinity, reserve) => {
    expect(PH_RESERVE[alkalinity]).toBe(reserve);
    expect(phReserve(alkalinity)).toBe(reserve);
  });

  it('holds nothing back without an alkalinity', () => {
    expect(phReserve(undefined)).toBe(0);
  });

  it('names the uncertain reserve and the fresh coco boost', () => {
    expect(UNCERTAIN_EC_RESERVE).toBe(0.15);
    expect(FRESH_COCO_CALMAG_BOOST).toBe(0.2);
  });
});

describe('temperature compensation to 25 °C', () => {
  it.each([
    [2.0, 25, 2.0],
    [1.8, 20, 2.0], // 1.8 / 0.9
    [2.2, 30, 2.0], // 2.2 / 1.1
    [1.5, 15, 1.875], // 1.5 / 0.8
  ])('EC %s at %s °C is %s at 25 °C', (ec, t, expected) => {
    expect(ecAt25(ec, t)).toBeCloseTo(expected, 10);
  });

  it('returns the reading as it is where the factor would not be positive', () => {
    expect(ecAt25(1.2, -25)).toBe(1.2);
  });
});
