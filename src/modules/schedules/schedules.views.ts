import type { ExecutionRow, ScheduleRow } from './schedules.repository.js';

/** A schedule with the facts the service adds: its device's label and its success rate. */
type WithFacts = ScheduleRow & { device: string; success_rate: number | null };

export const scheduleView = (s: WithFacts) => {
  const state = s.state as { active?: boolean; changed_at?: number | null };
  return {
    id: s.id,
    name: s.name,
    device: s.device,
    channel: s.channel,
    kind: s.kind,
    action: s.action,
    value: s.value,
    priority: s.priority,
    enabled: s.enabled,
    follow: s.follows_location_id ? { location: s.follows_location_id } : null,
    ...s.spec,
    next_fire_at: s.next_fire_at?.toISOString() ?? null,
    condition_state:
      s.kind === 'condition'
        ? {
            active: state.active ?? false,
            changed_at: state.changed_at ? new Date(state.changed_at).toISOString() : null,
          }
        : null,
    consecutive_failures: s.consecutive_failures,
    success_rate: s.success_rate,
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
  };
};

export const executionView = (e: ExecutionRow) => ({
  id: e.id,
  scheduled_at: e.scheduled_at.toISOString(),
  actual_at: e.actual_at.toISOString(),
  status: e.status,
  action: e.action,
  value: e.value,
  command_id: e.command_id,
  skipped_by: e.skipped_by,
  device_response: e.device_response ?? null,
  error: e.error,
  duration_ms: e.duration_ms,
});

/** A page of executions, newest first; the cursor is the oldest one's scheduled time when the page is full. */
export const executionPageView = (rows: ExecutionRow[], limit: number) => ({
  data: rows.map(executionView),
  next_cursor: rows.length === limit ? rows[rows.length - 1]!.scheduled_at.toISOString() : null,
});
