/**
 * The growth-phase state machine (Kamerplanter's rules, crops-corrections.md item 7): which moves between
 * the phases of a species' sequence are allowed, and of what kind. Pure: no I/O, no clock.
 */

/**
 * What the growth rules read of a catalogue phase. The catalogue's `GrowthPhase` and `GrowthSequence`
 * (catalog.reads.ts) fit these shapes as they are; they are spelled out here because a module reaches
 * another only through its index.ts (depcruise `module-internals-private`), type imports included.
 */
export interface PhaseRules {
  key: string;
  position: number;
  /** The time rule: days in the phase after which the plant moves on (null: none). */
  days: number | null;
  /** The growing-degree-day rule (null: none). */
  gdd: number | null;
  terminal: boolean;
}

/** What the growth rules read of a catalogue phase sequence. */
export interface SequenceRules<P extends PhaseRules = PhaseRules> {
  lifecycle: 'annual' | 'biennial' | 'perennial';
  dormancyRequired: boolean;
  /** The phase key a new cycle starts at after the terminal phase (perennials). */
  restartPhase: string | null;
  phases: readonly P[];
}

export type TransitionKind = 'initial' | 'forward' | 'restart' | 'forced';

export type TransitionCheck =
  { ok: true; kind: TransitionKind } | { ok: false; code: 'PHASE_TRANSITION_INVALID'; reason: string };

const MS_PER_DAY = 86_400_000;

/**
 * Whether a plant (or a whole run: same rules) may move from its current phase to `target`.
 *
 * - `target` must be a phase of the sequence (else a phase of another species' sequence was named);
 * - no current phase: any phase (`initial`);
 * - `target` = current: refused;
 * - a later position: `forward` (jumps over phases are allowed);
 * - an earlier position: `restart` when the lifecycle is perennial, the current phase is terminal and
 *   `target` is the restart phase (the caller increments the cycle); else `forced` when `force` (the caller
 *   records the reason and who forced it); else refused.
 *
 * A current phase that is not in the sequence (the species' sequence changed under the plant) has no
 * position to compare with: only a forced move leaves it.
 */
export function checkTransition(input: {
  sequence: Pick<SequenceRules, 'lifecycle' | 'restartPhase' | 'phases'>;
  current: { key: string } | null;
  target: string;
  force: boolean;
}): TransitionCheck {
  const { sequence, current, target, force } = input;
  const to = sequence.phases.find((p) => p.key === target);
  if (!to) {
    return invalid(`Phase "${target}" is not in this plant's sequence (a phase of another species' sequence?)`);
  }
  if (current === null) return { ok: true, kind: 'initial' };
  if (current.key === target) return invalid(`The plant is already in phase "${target}"`);
  const from = sequence.phases.find((p) => p.key === current.key);
  if (!from) {
    return force
      ? { ok: true, kind: 'forced' }
      : invalid(`The current phase "${current.key}" is not in the sequence; only a forced move leaves it`);
  }
  if (to.position > from.position) return { ok: true, kind: 'forward' };
  if (sequence.lifecycle === 'perennial' && from.terminal && sequence.restartPhase === target) {
    return { ok: true, kind: 'restart' };
  }
  if (force) return { ok: true, kind: 'forced' };
  return invalid(
    `Moving back from "${from.key}" to "${target}" needs force` +
      (sequence.lifecycle === 'perennial' && sequence.restartPhase !== null
        ? ` (a new cycle starts at "${sequence.restartPhase}" from the terminal phase)`
        : ''),
  );
}

function invalid(reason: string): TransitionCheck {
  return { ok: false, code: 'PHASE_TRANSITION_INVALID', reason };
}

/**
 * Whole days from `from` to `to`: elapsed 24-hour periods, floored, never negative (a clock that stepped
 * back gives 0). A phase's duration in its history row.
 */
export function wholeDaysBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / MS_PER_DAY));
}

/**
 * The phase after `currentKey` by position: null after the last phase, or when `currentKey` is not in the
 * sequence. The phases need not come sorted.
 */
export function nextPhase<P extends PhaseRules>(sequence: { phases: readonly P[] }, currentKey: string): P | null {
  const current = sequence.phases.find((p) => p.key === currentKey);
  if (!current) return null;
  let next: P | null = null;
  for (const p of sequence.phases) {
    if (p.position > current.position && (next === null || p.position < next.position)) next = p;
  }
  return next;
}
