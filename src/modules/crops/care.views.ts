import type { CareConfirmationRow } from './care.repository.js';
import { effectiveOf, type CareState } from './care.service.js';

export const careView = (state: CareState) => ({
  plant_id: state.plant.id,
  label: state.plant.label,
  cared_for: state.caredFor,
  preset: state.profile.preset,
  enabled: state.profile.enabled,
  started_on: state.profile.started_on,
  settings: {
    water_interval_days: state.profile.water_interval_days,
    winter_factor: state.profile.winter_factor,
    fertilize_interval_days: state.profile.fertilize_interval_days,
    repot_interval_months: state.profile.repot_interval_months,
    pest_check_interval_days: state.profile.pest_check_interval_days,
    humidity_check_interval_days: state.profile.humidity_check_interval_days,
    location_check: state.profile.location_check,
    location_check_months: state.profile.location_check_months,
    adaptive: state.profile.adaptive,
  },
  effective: effectiveOf(state),
  reminders: state.reminders.map((r) => ({
    kind: r.kind,
    due_on: r.due,
    interval_days: r.intervalDays,
    urgency: r.urgency,
    last_done_on: state.lastDone[r.kind] ?? null,
  })),
});

export const confirmationView = (row: CareConfirmationRow, care: CareState) => ({
  id: row.id,
  plant_id: row.plant_id,
  kind: row.kind,
  at: row.at.toISOString(),
  day: row.day,
  care: careView(care),
});
