import type { Config } from '../../platform/config.js';
import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { SchedulesService } from './schedules.service.js';

/** Firing due time and duration schedules; evaluating condition schedules whose readings went quiet. */
export function defineSchedulesJobs(
  registry: JobRegistry,
  deps: { config: Config; schedules: SchedulesService },
): void {
  registry.tick({ name: 'schedules.fire', everyMs: deps.config.scheduleTickMs, run: () => deps.schedules.tick() });
  registry.tick({ name: 'schedules.conditions', everyMs: 5_000, run: () => deps.schedules.sweepConditions() });
}
