import { describe, expect, it } from 'vitest';
import { checkTransition, nextPhase, wholeDaysBetween, type PhaseRules, type SequenceRules } from './phases.engine.js';

const phase = (key: string, position: number, terminal = false): PhaseRules => ({
  key,
  position,
  days: null,
  gdd: null,
  terminal,
});

const annual: SequenceRules = {
  lifecycle: 'annual',
  dormancyRequired: false,
  restartPhase: null,
  phases: [
    phase('germination', 0),
    phase('seedling', 1),
    phase('vegetative', 2),
    phase('flowering', 3),
    phase('harvest', 4, true),
  ],
};

/** As Croft's perennial sequences: start at dormancy, restart there after the terminal senescence. */
const perennial: SequenceRules = {
  lifecycle: 'perennial',
  dormancyRequired: true,
  restartPhase: 'dormancy',
  phases: [
    phase('dormancy', 0),
    phase('budbreak', 1),
    phase('vegetative', 2),
    phase('flowering', 3),
    phase('senescence', 4, true),
  ],
};

describe('checkTransition', () => {
  const move = (sequence: SequenceRules, current: string | null, target: string, force = false) =>
    checkTransition({ sequence, current: current === null ? null : { key: current }, target, force });

  it('lets a plant without a phase enter any phase of its sequence', () => {
    expect(move(annual, null, 'germination')).toEqual({ ok: true, kind: 'initial' });
    expect(move(annual, null, 'flowering')).toEqual({ ok: true, kind: 'initial' });
  });

  it("refuses a phase of another species' sequence, even forced and even as the first phase", () => {
    for (const [current, force] of [
      ['seedling', false],
      ['seedling', true],
      [null, false],
    ] as const) {
      const result = move(annual, current, 'budbreak', force);
      expect(result).toMatchObject({ ok: false, code: 'PHASE_TRANSITION_INVALID' });
      expect(!result.ok && result.reason).toContain("another species' sequence");
    }
  });

  it('refuses the current phase, forced or not', () => {
    expect(move(annual, 'seedling', 'seedling')).toMatchObject({ ok: false, code: 'PHASE_TRANSITION_INVALID' });
    expect(move(annual, 'seedling', 'seedling', true)).toMatchObject({ ok: false });
  });

  it('moves forward by one or jumps over phases', () => {
    expect(move(annual, 'seedling', 'vegetative')).toEqual({ ok: true, kind: 'forward' });
    expect(move(annual, 'germination', 'harvest')).toEqual({ ok: true, kind: 'forward' });
    // Forcing a forward move is still just a forward move (no reason needed).
    expect(move(annual, 'germination', 'flowering', true)).toEqual({ ok: true, kind: 'forward' });
  });

  it('refuses moving back unless forced', () => {
    const back = move(annual, 'flowering', 'seedling');
    expect(back).toMatchObject({ ok: false, code: 'PHASE_TRANSITION_INVALID' });
    expect(!back.ok && back.reason).toContain('needs force');
    expect(move(annual, 'flowering', 'seedling', true)).toEqual({ ok: true, kind: 'forced' });
    // An annual's terminal phase never restarts by itself.
    expect(move(annual, 'harvest', 'germination')).toMatchObject({ ok: false });
    expect(move(annual, 'harvest', 'germination', true)).toEqual({ ok: true, kind: 'forced' });
  });

  it('restarts a perennial from its terminal phase at the restart phase only', () => {
    expect(move(perennial, 'senescence', 'dormancy')).toEqual({ ok: true, kind: 'restart' });
    // Forcing a restart is still a restart (the cycle increments).
    expect(move(perennial, 'senescence', 'dormancy', true)).toEqual({ ok: true, kind: 'restart' });
    // Not from a non-terminal phase …
    const early = move(perennial, 'flowering', 'dormancy');
    expect(early).toMatchObject({ ok: false });
    expect(!early.ok && early.reason).toContain('a new cycle starts at "dormancy"');
    expect(move(perennial, 'flowering', 'dormancy', true)).toEqual({ ok: true, kind: 'forced' });
    // … nor to another earlier phase than the restart phase.
    expect(move(perennial, 'senescence', 'budbreak')).toMatchObject({ ok: false });
    expect(move(perennial, 'senescence', 'budbreak', true)).toEqual({ ok: true, kind: 'forced' });
  });

  it('does not restart a biennial, even with a restart phase set', () => {
    const biennial: SequenceRules = { ...perennial, lifecycle: 'biennial' };
    expect(move(biennial, 'senescence', 'dormancy')).toMatchObject({ ok: false });
  });

  it('compares positions, not the order the phases come in', () => {
    const shuffled: SequenceRules = { ...annual, phases: [...annual.phases].reverse() };
    expect(move(shuffled, 'seedling', 'flowering')).toEqual({ ok: true, kind: 'forward' });
    expect(move(shuffled, 'flowering', 'seedling')).toMatchObject({ ok: false });
  });

  it('lets only a forced move leave a current phase that is no longer in the sequence', () => {
    expect(move(annual, 'retired', 'seedling')).toMatchObject({ ok: false, code: 'PHASE_TRANSITION_INVALID' });
    expect(move(annual, 'retired', 'seedling', true)).toEqual({ ok: true, kind: 'forced' });
  });
});

describe('wholeDaysBetween', () => {
  const at = (iso: string) => new Date(iso);

  it('floors elapsed 24-hour periods', () => {
    expect(wholeDaysBetween(at('2026-05-01T10:00:00Z'), at('2026-05-01T23:59:59Z'))).toBe(0);
    expect(wholeDaysBetween(at('2026-05-01T10:00:00Z'), at('2026-05-02T09:59:59.999Z'))).toBe(0);
    expect(wholeDaysBetween(at('2026-05-01T10:00:00Z'), at('2026-05-02T10:00:00Z'))).toBe(1);
    expect(wholeDaysBetween(at('2026-05-01T10:00:00Z'), at('2026-05-15T09:00:00Z'))).toBe(13);
  });

  it('counts the leap day', () => {
    expect(wholeDaysBetween(at('2028-02-28T00:00:00Z'), at('2028-03-01T00:00:00Z'))).toBe(2);
    expect(wholeDaysBetween(at('2027-02-28T00:00:00Z'), at('2027-03-01T00:00:00Z'))).toBe(1);
  });

  it('is never negative', () => {
    expect(wholeDaysBetween(at('2026-05-02T00:00:00Z'), at('2026-05-01T00:00:00Z'))).toBe(0);
  });
});

describe('nextPhase', () => {
  it('answers the next phase by position, null after the last', () => {
    expect(nextPhase(annual, 'germination')?.key).toBe('seedling');
    expect(nextPhase(annual, 'flowering')?.key).toBe('harvest');
    expect(nextPhase(annual, 'harvest')).toBeNull();
    expect(nextPhase(perennial, 'senescence')).toBeNull();
  });

  it('answers null for a key not in the sequence', () => {
    expect(nextPhase(annual, 'budbreak')).toBeNull();
  });

  it('follows positions even with gaps and out of order', () => {
    const gaps = { phases: [phase('c', 30), phase('a', 10), phase('b', 20)] };
    expect(nextPhase(gaps, 'a')?.key).toBe('b');
    expect(nextPhase(gaps, 'b')?.key).toBe('c');
    expect(nextPhase(gaps, 'c')).toBeNull();
  });
});
