/**
 * The planting-run status machine (crops.md, crops-corrections.md item 6). Pure.
 */

export const RUN_STATUSES = ['planned', 'active', 'harvesting', 'completed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Where each status may go; completed and cancelled are final. */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  planned: ['active', 'cancelled'],
  active: ['harvesting', 'completed', 'cancelled'],
  harvesting: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

export type RunStatusCheck = { ok: true } | { ok: false; code: 'INVALID_RUN_STATE'; reason: string };

/** Whether a run may move from `from` to `to` (moving to the status it has is refused). */
export function checkRunStatus(from: RunStatus, to: RunStatus): RunStatusCheck {
  if (from === to) return { ok: false, code: 'INVALID_RUN_STATE', reason: `The run is already ${from}` };
  const allowed = RUN_TRANSITIONS[from];
  if (allowed.includes(to)) return { ok: true };
  return {
    ok: false,
    code: 'INVALID_RUN_STATE',
    reason:
      allowed.length === 0
        ? `A ${from} run is final`
        : `A ${from} run cannot become ${to} (it can become ${allowed.join(' or ')})`,
  };
}

/** A run's entry may be edited, and the run deleted, only while it is planned. */
export function runEditable(status: RunStatus): boolean {
  return status === 'planned';
}
