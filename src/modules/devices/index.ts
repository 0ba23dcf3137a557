import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { Hooks } from '../../platform/hooks.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import { defineModule } from '../../platform/module.js';
import type { DeviceLink } from '../../platform/mqtt/link.js';
import { commandsRepository } from './commands.repository.js';
import { commandsRoutes } from './commands.routes.js';
import { CommandsService } from './commands.service.js';
import { defineDevicesJobs } from './devices.jobs.js';
import { devicesRepository } from './devices.repository.js';
import { devicesRoutes } from './devices.routes.js';
import { DevicesService } from './devices.service.js';

export type { CommandAck, CommandsService, CommandView } from './commands.service.js';
export type { DevicesService, DeviceWithChannels } from './devices.service.js';
export type { DeviceRow } from './devices.repository.js';
export { checkCommand } from './commands.engine.js';

/** Reads of devices that other modules make inside their own transaction. */
export const deviceReads = {
  find: devicesRepository.find,
  byIds: devicesRepository.byIds,
  byLabels: devicesRepository.byLabels,
  byLabelAnywhere: devicesRepository.byLabelAnywhere,
  channels: devicesRepository.channels,
};

/** Reads of the command queue that other modules make inside their own transaction. */
export const commandReads = {
  /** The emergency stop holding a farm, if one does. */
  holdingStop: commandsRepository.holdingStop,
};

interface DevicesDeps {
  db: Database;
  clock: Clock;
  config: Config;
  log: Logger;
  live: LiveEvents;
  hooks: Hooks;
  link: DeviceLink;
}

const routes: FastifyPluginAsyncTypebox<{
  devices: DevicesService;
  commands: CommandsService;
  link: DeviceLink;
}> = async (app, deps) => {
  await app.register(devicesRoutes, deps);
  await app.register(commandsRoutes, deps);
};

/** Devices (sensors, controllers, hive scales): registry, credentials, configuration, presence, the command queue. */
export const devicesModule = defineModule({
  name: 'devices',
  create: (deps: DevicesDeps) => {
    const devices = new DevicesService(deps);
    return { devices, commands: new CommandsService({ ...deps, devices }) };
  },
  routes,
  jobs: defineDevicesJobs,
  subscriptions: ({ commands, log }) => ({
    // A device that comes online gets its waiting commands.
    'devices.online': ({ farmId, deviceId }) =>
      commands.dispatch(farmId, deviceId, true).then(
        () => undefined,
        (error: unknown) => log.error({ err: error, deviceId }, 'waiting commands not delivered'),
      ),
  }),
});
