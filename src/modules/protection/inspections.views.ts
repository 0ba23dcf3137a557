import type { Static } from 'typebox';
import type { NextInspection } from './protection.engine.js';
import type { InspectionCreatedView, InspectionView, NextInspectionView } from './inspections.schemas.js';
import type { InspectionDetails, RecordedInspection } from './inspections.service.js';

export function inspectionView({ inspection: i, findings }: InspectionDetails): Static<typeof InspectionView> {
  return {
    id: i.id,
    plant_id: i.plant_id,
    run_id: i.run_id,
    location_id: i.location_id,
    inspected_on: i.inspected_on,
    pressure: i.pressure,
    pests: findings.pests,
    diseases: findings.diseases,
    notes: i.notes,
    user_id: i.user_id,
    created_at: i.created_at.toISOString(),
  };
}

export function nextInspectionView(next: NextInspection): Static<typeof NextInspectionView> {
  return { due: next.due, interval_days: next.intervalDays, days_until: next.daysUntil, urgency: next.urgency };
}

export function inspectionCreatedView(recorded: RecordedInspection): Static<typeof InspectionCreatedView> {
  return {
    ...inspectionView(recorded),
    next_inspection: recorded.next ? nextInspectionView(recorded.next) : null,
  };
}
