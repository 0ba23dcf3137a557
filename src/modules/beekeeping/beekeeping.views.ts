import type { BeeEventRow, QueenRow } from './beekeeping.repository.js';
import type { BeekeepingService } from './beekeeping.service.js';

type Apiary = Awaited<ReturnType<BeekeepingService['apiaries']>>[number];
type HiveFacts = Awaited<ReturnType<BeekeepingService['hive']>>;
type Scale = Awaited<ReturnType<BeekeepingService['scales']>>[number];
type HiveTelemetry = Awaited<ReturnType<BeekeepingService['telemetry']>>;

export const apiaryView = (a: Apiary) => ({
  ...a,
  geometry: a.geometry ?? null,
  latest: a.latest.map((l) => ({
    ...l,
    readings: l.readings.map((r) => ({ metric: r.metric, value: r.value, ts: r.ts.toISOString() })),
  })),
});

export const queenView = (q: QueenRow) => ({
  id: q.id,
  name: q.name,
  breed: q.breed,
  birth_date: q.birth_date,
  marking_colour: q.marking_colour,
  clipped: q.clipped,
  fertilised: q.fertilised,
  mother_id: q.mother_id,
  introduced_at: q.introduced_at,
  retired_at: q.retired_at,
  created_at: q.created_at.toISOString(),
});

export const hiveView = (h: HiveFacts) => ({
  id: h.id,
  name: h.name,
  apiary_id: h.apiary_id,
  hive_type: h.hive_type,
  layout: h.layout,
  status: h.status,
  device: h.device,
  scale_tare_kg: h.scale_tare_kg,
  current_queen: h.current_queen ? queenView(h.current_queen) : null,
  last_inspection: h.last_inspection,
  active_alerts: h.active_alerts,
  created_at: h.created_at.toISOString(),
  updated_at: h.updated_at.toISOString(),
});

export const scaleView = (s: Scale) => ({
  device: s.device,
  from: s.from_at.toISOString(),
  to: s.to_at?.toISOString() ?? null,
});

export const eventView = (e: BeeEventRow) => ({
  id: e.id,
  hive_id: e.hive_id,
  apiary_id: e.apiary_id,
  type: e.type,
  date: e.date,
  description: e.description,
  inspection: e.inspection ?? null,
  treatment: e.treatment ?? null,
  harvest: e.harvest ?? null,
  next_inspection: e.next_inspection,
  created_at: e.created_at.toISOString(),
});

/** The hive scale's series, their points' times as ISO strings. */
export const hiveTelemetryView = (answer: HiveTelemetry) => ({
  ...answer,
  metrics: Object.fromEntries(
    Object.entries(answer.metrics).map(([m, s]) => [
      m,
      {
        ...s,
        points: (s.points as unknown as Array<Record<string, unknown> & { ts: Date }>).map((p) => ({
          ...p,
          ts: p.ts.toISOString(),
        })),
      },
    ]),
  ),
});
