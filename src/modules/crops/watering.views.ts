import type { Static } from 'typebox';
import { wateringTimes } from './watering.engine.js';
import type { WateringLogRow, WateringScheduleRow } from './watering.repository.js';
import type { WateringLogView, WateringScheduleView } from './watering.schemas.js';

export function wateringScheduleView(s: WateringScheduleRow): Static<typeof WateringScheduleView> {
  return {
    id: s.id,
    run_id: s.run_id,
    channel: s.channel,
    mode: s.mode,
    weekdays: s.weekdays,
    interval_days: s.interval_days,
    preferred_time: s.preferred_time,
    times_per_day: s.times_per_day,
    watering_times: wateringTimes(s.preferred_time, s.times_per_day),
    reminder_hours_before: s.reminder_hours_before,
    volume_per_plant_l: s.volume_per_plant_l,
    feed: s.feed,
    active: s.active,
    starts_on: s.starts_on,
    pump: s.pump ? { device: s.pump.device, channel: s.pump.channel, run_s: s.pump.run_s } : null,
    schedule: s.schedule_id ? { id: s.schedule_id, owned: s.schedule_owned } : null,
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
  };
}

export function wateringLogView(l: WateringLogRow): Static<typeof WateringLogView> {
  return {
    id: l.id,
    run_id: l.run_id,
    task_id: l.task_id,
    kind: l.kind,
    channel: l.channel,
    at: l.at.toISOString(),
    day: l.day,
    volume_l: l.volume_l,
    ec: l.ec,
    ph: l.ph,
    water_temp_c: l.water_temp_c,
    mix: l.mix,
    note: l.note,
    created_at: l.created_at.toISOString(),
  };
}
