import type { Config } from '../../platform/config.js';
import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { CommandsService } from './commands.service.js';

/** The sweep: devices that missed their heartbeats go offline; unanswered and stale commands time out. */
export function defineDevicesJobs(registry: JobRegistry, deps: { config: Config; commands: CommandsService }): void {
  registry.tick({ name: 'devices.sweep', everyMs: deps.config.deviceSweepMs, run: () => deps.commands.sweep() });
}
