import type { CommandRow, EmergencyStopRow } from './commands.repository.js';
import { priorityName } from './commands.engine.js';

/** A command with its device's label (what the API, the live hub and the hooks show). */
export interface CommandView extends CommandRow {
  device: string;
}

/** The public shape of a command. */
export function commandView(c: CommandView) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: c.id,
    device: c.device,
    channel: c.channel,
    action: c.action,
    value: c.value,
    duration_ms: c.duration_ms,
    priority: priorityName(c.priority),
    status: c.status,
    source: c.source,
    idempotency_key: c.idempotency_key,
    batch_id: c.batch_id,
    error: c.error,
    new_state: c.new_state ?? null,
    deliveries: c.deliveries,
    queued_at: c.queued_at.toISOString(),
    sent_at: iso(c.sent_at),
    executing_at: iso(c.executing_at),
    finished_at: iso(c.finished_at),
    expires_at: c.expires_at.toISOString(),
  };
}

/** A page of commands, newest first; the cursor is the last one's queue time when more follow. */
export const commandPageView = (page: { data: CommandView[]; next: Date | null }) => ({
  data: page.data.map(commandView),
  next_cursor: page.next?.toISOString() ?? null,
});

export const batchView = (result: { batch_id: string; commands: CommandView[] }) => ({
  batch_id: result.batch_id,
  commands: result.commands.map(commandView),
});

export const stopView = (s: EmergencyStopRow) => ({
  id: s.id,
  reason: s.reason,
  started_at: s.started_at.toISOString(),
  released_at: s.released_at?.toISOString() ?? null,
});

/** Whether an emergency stop holds the farm, and which. */
export const holdingView = (stop: EmergencyStopRow | undefined) => ({
  holding: stop !== undefined,
  stop: stop ? stopView(stop) : null,
});

export const emergencyStopView = (result: { stop: EmergencyStopRow; cancelled: number; commands: CommandView[] }) => ({
  stop: stopView(result.stop),
  cancelled: result.cancelled,
  commands: result.commands.map(commandView),
});
