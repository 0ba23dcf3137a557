import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { TelemetryService } from './telemetry.service.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'telemetry.rollup': Record<string, never>;
    'telemetry.retention': Record<string, never>;
    'telemetry.partitions': Record<string, never>;
  }
}

/** Rollups of touched hours and days every minute, retention nightly, reading partitions made ahead. */
export function defineTelemetryJobs(registry: JobRegistry, { telemetry }: { telemetry: TelemetryService }): void {
  registry.define({
    name: 'telemetry.rollup',
    cron: { expression: '*/1 * * * *', payload: {} },
    timeoutSeconds: 600,
    handle: async () => void (await telemetry.rollUpDirty()),
  });
  registry.define({
    name: 'telemetry.retention',
    cron: { expression: '23 2 * * *', payload: {} },
    timeoutSeconds: 3600,
    handle: async () => void (await telemetry.applyRetention()),
  });
  registry.define({
    name: 'telemetry.partitions',
    cron: { expression: '7 0 * * *', payload: {} },
    handle: () => telemetry.makePartitionsAhead(),
  });
}
