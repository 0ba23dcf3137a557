import type { Static } from 'typebox';
import type { ApplicationRow } from './applications.repository.js';
import type { ApplicationView, GateView } from './applications.schemas.js';
import { asRuleInput, targetOf, type HarvestInside } from './applications.service.js';
import {
  karenzViolationDetails,
  RESISTANCE_WARN_AT_USE,
  resistanceDetails,
  resistanceKeyOf,
  resistanceMessage,
  type KarenzGate,
} from './protection.engine.js';

/** The warning an application carries: the 3rd use of its group (or ingredient) within the window. */
function warningsOf(row: ApplicationRow): Static<typeof ApplicationView>['warnings'] {
  const key = resistanceKeyOf(asRuleInput(row));
  if (key === null || row.resistance_use === null || row.resistance_use < RESISTANCE_WARN_AT_USE) return [];
  const verdict = { outcome: 'warning' as const, key, use: row.resistance_use, plantId: null, earlierUses: [] };
  return [
    {
      code: 'RESISTANCE_WARNING',
      message: resistanceMessage(verdict),
      use: row.resistance_use,
      counted_as: resistanceDetails(verdict).counted_as,
    },
  ];
}

/** The warning of an application recorded late: harvests already taken inside its interval. */
function harvestWarnings(row: ApplicationRow, inside: HarvestInside[]): Static<typeof ApplicationView>['warnings'] {
  if (inside.length === 0) return [];
  const days = [...new Set(inside.map((h) => h.harvestedOn))].sort();
  return [
    {
      code: 'HARVEST_INSIDE_INTERVAL',
      message:
        `${inside.length} harvest${inside.length === 1 ? ' was' : 's were'} recorded inside this application’s ` +
        `pre-harvest interval (${row.applied_on} until ${row.safe_on}): ${days.join(', ')}`,
      harvests: inside.map((h) => ({ id: h.id, harvested_on: h.harvestedOn })),
    },
  ];
}

/** An application as answered; `harvestsInside` only where it was just recorded (or resent). */
export function applicationView(
  row: ApplicationRow,
  harvestsInside: HarvestInside[] = [],
): Static<typeof ApplicationView> {
  return {
    id: row.id,
    treatment_id: row.treatment_id,
    treatment_name: row.treatment_name,
    active_ingredient: row.active_ingredient,
    mode_of_action: row.moa_scheme && row.moa_code ? { scheme: row.moa_scheme, code: row.moa_code } : null,
    target: targetOf(row),
    applied_on: row.applied_on,
    interval_days: row.interval_days,
    harvest_allowed_from: row.interval_days > 0 ? row.safe_on : null,
    resistance_use: row.resistance_use,
    quantity: row.quantity,
    unit: row.unit,
    notes: row.notes,
    warnings: [...warningsOf(row), ...harvestWarnings(row, harvestsInside)],
    created_at: row.created_at.toISOString(),
  };
}

export function gateView(gate: KarenzGate): Static<typeof GateView> {
  if (gate.allowed) return { allowed: true, harvested_on: gate.harvestedOn, allowed_from: null, blockers: [] };
  const details = karenzViolationDetails(gate);
  return { allowed: false, ...details };
}
