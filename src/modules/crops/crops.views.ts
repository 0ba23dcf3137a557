import type { PhaseHistoryRow, RunRow } from './crops.repository.js';
import type { PlantWithPhase } from './crops.service.js';
import type { GrowthService } from './growth.service.js';
import type { CropTargets } from './targets.service.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const runView = (run: RunRow, plants: number) => ({
  id: run.id,
  name: run.name,
  type: run.type,
  status: run.status,
  location_id: run.location_id,
  source_plant_id: run.source_plant_id,
  entries: [
    { species_id: run.species_id, cultivar_id: run.cultivar_id, quantity: run.quantity, id_prefix: run.id_prefix },
  ],
  plants,
  planned_on: run.planned_on,
  started_at: iso(run.started_at),
  ended_at: iso(run.ended_at),
  notes: run.notes,
  nutrient_plan_id: run.nutrient_plan_id,
  created_at: run.created_at.toISOString(),
  updated_at: run.updated_at.toISOString(),
});

export const plantView = ({ plant: p, phase }: PlantWithPhase) => ({
  id: p.id,
  label: p.label,
  species_id: p.species_id,
  cultivar_id: p.cultivar_id,
  location_id: p.location_id,
  run_id: p.run_id,
  mother_id: p.mother_id,
  planted_on: p.planted_on,
  removed_on: p.removed_on,
  container_volume_l: p.container_volume_l,
  phase: phase && {
    id: phase.id,
    key: phase.key,
    position: phase.position,
    started_at: iso(phase.startedAt),
    days_in_phase: phase.daysInPhase,
  },
  cycle: p.cycle,
  notes: p.notes,
  created_at: p.created_at.toISOString(),
  updated_at: p.updated_at.toISOString(),
});

export const historyView = (h: PhaseHistoryRow & { phaseKey: string }) => ({
  id: h.id,
  phase: h.phaseKey,
  phase_id: h.phase_id,
  cycle: h.cycle,
  entered_at: h.entered_at.toISOString(),
  exited_at: iso(h.exited_at),
  duration_days: h.duration_days,
  reason: h.reason,
  note: h.note,
  auto_day: h.auto_day,
  user_id: h.user_id,
});

type Sensor = { seriesIds: number[]; devices: string[]; locationId: string; named: boolean } | null;
export const sensorView = (s: Sensor) => s && { devices: s.devices, location_id: s.locationId, named: s.named };

type Environment = Awaited<ReturnType<GrowthService['environment']>>;
export const environmentView = (e: Environment) => ({
  location_id: e.location_id,
  phase: e.phase,
  temperature: e.temperature && { ...e.temperature, ts: e.temperature.ts.toISOString() },
  humidity: e.humidity && { ...e.humidity, ts: e.humidity.ts.toISOString() },
  vpd: e.vpd && { value: e.vpd.value, target: e.vpd.target, level: e.vpd.level },
  sensors: { temperature: sensorView(e.sensors.temperature), humidity: sensorView(e.sensors.humidity) },
});

type Climate = Awaited<ReturnType<GrowthService['climate']>>;
export const climateView = (c: Climate) => ({
  location_id: c.location_id,
  temperature: c.temperature,
  humidity: c.humidity,
  resolved: { temperature: sensorView(c.resolved.temperature), humidity: sensorView(c.resolved.humidity) },
});

type TargetSource = Awaited<ReturnType<CropTargets['targetSource']>>;
export const targetSourceView = (locationId: string, { chosen, answer }: TargetSource) => ({
  location_id: locationId,
  chosen_run_id: chosen,
  targets: answer.ok
    ? {
        run: answer.targets.run,
        phase: answer.targets.phase,
        photoperiod_h: answer.targets.photoperiodH,
        day: { temperature_c: answer.targets.day.temperatureC, humidity_pct: answer.targets.day.humidityPct },
        night: { temperature_c: answer.targets.night.temperatureC, humidity_pct: answer.targets.night.humidityPct },
        vpd_kpa: answer.targets.vpdKpa,
        light: {
          start: hhmm(answer.targets.light.startMinute),
          hours: answer.targets.light.hours,
          schedule: answer.targets.light.schedule,
        },
      }
    : null,
  problem: answer.ok ? null : { code: answer.code, message: answer.message, runs: answer.runs },
});

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
