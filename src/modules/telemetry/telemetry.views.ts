import type { RawPoint, RollupPoint, telemetryRepository } from './telemetry.repository.js';
import type { SeriesAnswer } from './telemetry.service.js';

export const rawPointView = (p: RawPoint) => ({ ts: p.ts.toISOString(), value: p.value, quality: p.quality });

export const rollupPointView = (p: RollupPoint) => ({
  ts: p.ts.toISOString(),
  min: p.min,
  max: p.max,
  avg: p.sum / p.count,
  sum: p.sum,
  count: p.count,
  last: p.last,
});

/** One series of a device's metric, its points raw or rolled up. */
export const seriesView = (device: string, metric: string, answer: SeriesAnswer) => ({
  device,
  metric,
  unit: answer.unit,
  resolution: answer.resolution,
  points: answer.resolution === 'raw' ? answer.points.map(rawPointView) : answer.points.map(rollupPointView),
});

type LatestReading = Awaited<ReturnType<typeof telemetryRepository.latest>>[number];

/** The latest value of each metric of a device. */
export const latestView = (latest: { device: string; metrics: LatestReading[] }) => ({
  device: latest.device,
  metrics: latest.metrics.map((m) => ({ ...m, ts: m.ts.toISOString() })),
});
