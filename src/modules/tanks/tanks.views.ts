import { MAINTENANCE_DEFAULTS, type DueItem, type TankType } from './tanks.engine.js';
import type { TankMaintenanceRow, TankSensorRow, TankStateRow } from './tanks.repository.js';
import type { TankDetails } from './tanks.service.js';

const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

export const stateView = (s: TankStateRow) => ({
  id: s.id,
  at: s.at.toISOString(),
  source: s.source,
  ph: s.ph,
  ec: s.ec,
  water_temp_c: s.water_temp_c,
  dissolved_oxygen_mg_l: s.dissolved_oxygen_mg_l,
  orp_mv: s.orp_mv,
  fill_percent: s.fill_percent,
  readings_through: s.through?.toISOString() ?? null,
  note: s.note,
});

/** The cursor of a page of snapshots: the last one's time and id. */
export const stateCursor = (s: TankStateRow) => `${s.at.toISOString()}|${s.id}`;

export const statePageView = (rows: TankStateRow[], limit: number) => ({
  data: rows.map(stateView),
  next_cursor: rows.length === limit ? stateCursor(rows[rows.length - 1]!) : null,
});

const dueItemView = (type: TankType, d: DueItem) => ({
  item: d.item,
  interval_days: d.intervalDays,
  default_days: MAINTENANCE_DEFAULTS[type][d.item]!,
  last_done_on: d.lastDone,
  due_on: d.due,
  status: d.status,
});

export const tankView = (t: TankDetails) => ({
  location_id: t.tank.location_id,
  name: t.tank.name,
  status: t.tank.status,
  tank_type: t.tank.tank_type,
  volume_l: t.tank.volume_l,
  solution_kind: t.tank.solution_kind,
  filled_at: t.tank.filled_at?.toISOString() ?? null,
  state: t.state ? stateView(t.state) : null,
  solution: t.age && {
    age_days: round(t.age.ageDays),
    limit_days: t.age.limitDays === null ? null : round(t.age.limitDays),
    mean_water_temp_c: t.age.meanTempC === null ? null : round(t.age.meanTempC),
    over_limit: t.age.over,
  },
  alerts: {
    open: t.alerts.length,
    items: t.alerts.map(({ key, alert }) => ({
      id: alert.id,
      condition: key,
      type: alert.type,
      severity: alert.severity,
      message: alert.message,
      triggered_at: alert.triggered_at.toISOString(),
    })),
  },
  maintenance: {
    overdue: t.due.filter((d) => d.status === 'overdue').length,
    due_soon: t.due.filter((d) => d.status === 'due_soon').length,
    items: t.due.map((d) => dueItemView(t.tank.tank_type, d)),
  },
  created_at: t.tank.created_at.toISOString(),
  updated_at: t.tank.updated_at.toISOString(),
});

export const sensorsView = (rows: Array<TankSensorRow & { device: string }>) => ({
  data: rows.map((r) => ({ field: r.field, device_id: r.device_id, device: r.device, metric: r.metric })),
});

export const maintenanceView = (m: TankMaintenanceRow) => ({
  id: m.id,
  location_id: m.location_id,
  item: m.item,
  done_at: m.done_at.toISOString(),
  note: m.note,
});

export const dueView = (today: string, tanks: TankDetails[], status?: string) => ({
  today,
  data: tanks
    .flatMap((t) =>
      t.due.map((d) => ({
        location_id: t.tank.location_id,
        name: t.tank.name,
        ...dueItemView(t.tank.tank_type, d),
      })),
    )
    .filter((d) => !status || d.status === status)
    .sort((a, b) => (a.due_on < b.due_on ? -1 : a.due_on > b.due_on ? 1 : a.name.localeCompare(b.name))),
});
