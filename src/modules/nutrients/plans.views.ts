import { doseUnitOf } from './fertilizers.engine.js';
import type { PlanReport } from './plans.engine.js';
import type { PlanWithEntries, StoredEntry } from './plans.repository.js';
import type { PlanRow } from './plans.tables.js';

const head = (plan: PlanRow) => ({
  id: plan.id,
  name: plan.name,
  substrate: plan.substrate as 'hydro',
  notes: plan.notes,
  species_id: plan.species_id,
  cloned_from_id: plan.cloned_from_id,
  created_at: plan.created_at.toISOString(),
  updated_at: plan.updated_at.toISOString(),
});

export const entryView = (e: StoredEntry) => ({
  id: e.id,
  position: e.position,
  phase: e.phase,
  week_start: e.week_start,
  week_end: e.week_end,
  notes: e.notes,
  channels: e.channels.map((c) => ({
    channel: c.channel,
    target_ec: c.target_ec,
    target_ph: c.target_ph,
    dosages: c.dosages.map((d) => ({
      fertilizer_id: d.fertilizer_id,
      product: d.product,
      dose_per_l: d.dose_per_l,
      unit: doseUnitOf(d.form),
    })),
  })),
});

export const planView = ({ plan, entries }: PlanWithEntries) => ({ ...head(plan), entries: entries.map(entryView) });

export const planSummaryView = (
  row: PlanRow & { entry_count: string | number; first_week: unknown; last_week: unknown },
) => ({
  ...head(row),
  entries: Number(row.entry_count),
  weeks:
    row.first_week === null || row.last_week === null
      ? null
      : { first: Number(row.first_week), last: Number(row.last_week) },
});

export const planReportView = (planId: string, report: PlanReport) => ({ plan_id: planId, ...report });
