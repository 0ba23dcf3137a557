import type { TargetRef } from './protection.repository.js';
import { resistanceGroupOf } from './protection.seed-rules.js';
import type { DiseaseRow, IntervalConfirmationRow, PestRow, TreatmentRecord } from './protection.tables.js';

const meta = (row: { retired_at: Date | null; created_at: Date; updated_at: Date }) => ({
  retired: row.retired_at !== null,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});
const originOf = (farmId: string | null) => (farmId === null ? ('global' as const) : ('farm' as const));

export const pestView = (row: PestRow, hosts: string[]) => ({
  id: row.id,
  origin: originOf(row.farm_id),
  key: row.key,
  name: row.name,
  scientific_name: row.scientific_name,
  kind: row.kind,
  host_families: hosts,
  catalog_names: row.catalog_names,
  symptoms: row.symptoms,
  signs: row.signs,
  lifecycle_days: row.lifecycle_days,
  notes: row.notes,
  ...meta(row),
});

export const diseaseView = (row: DiseaseRow, hosts: string[]) => ({
  id: row.id,
  origin: originOf(row.farm_id),
  key: row.key,
  name: row.name,
  pathogen: row.pathogen,
  kind: row.kind,
  host_families: hosts,
  soil_borne: row.soil_borne,
  catalog_names: row.catalog_names,
  symptoms: row.symptoms,
  favoured_by: row.favoured_by,
  notes: row.notes,
  ...meta(row),
});

/**
 * The interval a farm sees: its confirmation of a global treatment (days it checked on its label), else
 * the row's own days and status — `typical` on every seeded row.
 */
export function intervalAsSeen(row: TreatmentRecord, confirmation: IntervalConfirmationRow | undefined) {
  if (confirmation)
    return {
      days: confirmation.days,
      status: 'confirmed' as const,
      confirmedAt: confirmation.confirmed_at,
    };
  return { days: row.pre_harvest_interval_days, status: row.interval_status, confirmedAt: null };
}

export const treatmentView = (
  row: TreatmentRecord,
  targets: { pests: TargetRef[]; diseases: TargetRef[] },
  confirmation: IntervalConfirmationRow | undefined,
) => {
  const mode_of_action = row.moa_scheme && row.moa_code ? { scheme: row.moa_scheme, code: row.moa_code } : null;
  const interval = intervalAsSeen(row, confirmation);
  return {
    id: row.id,
    origin: originOf(row.farm_id),
    key: row.key,
    name: row.name,
    method: row.method,
    pests: targets.pests,
    diseases: targets.diseases,
    description: row.description,
    active_ingredient: row.active_ingredient,
    organism: row.organism,
    mode_of_action,
    resistance_group: resistanceGroupOf({
      method: row.method,
      active_ingredient: row.active_ingredient,
      mode_of_action,
    }),
    interval_days: interval.days,
    interval_status: interval.status,
    typical_interval_days: row.pre_harvest_interval_days,
    interval_confirmed_at: interval.confirmedAt ? interval.confirmedAt.toISOString() : null,
    reentry_hours: row.reentry_hours,
    organic_allowed: row.organic_allowed,
    notes: row.notes,
    ...meta(row),
  };
};
