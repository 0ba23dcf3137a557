import type { TaskRow } from './tasks.repository.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const taskView = (t: TaskRow) => ({
  id: t.id,
  title: t.title,
  kind: t.kind,
  due_at: t.due_at.toISOString(),
  assignee_id: t.assignee_id,
  plant_id: t.plant_id,
  run_id: t.run_id,
  location_id: t.location_id,
  hive_id: t.hive_id,
  source: t.source,
  key: t.key,
  notes: t.notes,
  status: t.status,
  done_at: t.status === 'done' ? iso(t.closed_at) : null,
  skipped_at: t.status === 'skipped' ? iso(t.closed_at) : null,
  closed_by: t.closed_by,
  completion_id: t.completion_id,
  close_note: t.close_note,
  created_by: t.created_by,
  created_at: t.created_at.toISOString(),
  updated_at: t.updated_at.toISOString(),
});

/** A page of tasks; the cursor names the last one's due time and id when the page is full. */
export const taskPageView = (rows: TaskRow[], limit: number) => {
  const last = rows.at(-1);
  return {
    data: rows.map(taskView),
    next_cursor: last && rows.length === limit ? `${last.due_at.toISOString()}_${last.id}` : null,
  };
};
