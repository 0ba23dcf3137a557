import type { Assembled, ModuleBase } from '../platform/module.js';
import { alertsModule } from './alerts/index.js';
import { auditModule } from './audit/index.js';
import { backupsModule } from './backups/index.js';
import { beekeepingModule } from './beekeeping/index.js';
import { calendarModule } from './calendar/index.js';
import { cropsModule } from './crops/index.js';
import { catalogModule } from './catalog/index.js';
import { devicesModule } from './devices/index.js';
import { exportsModule } from './exports/index.js';
import { farmsModule } from './farms/index.js';
import { harvestsModule } from './harvests/index.js';
import { identityModule } from './identity/index.js';
import { liveModule } from './live/index.js';
import { locationsModule } from './locations/index.js';
import { nutrientsModule } from './nutrients/index.js';
import { photosModule } from './photos/index.js';
import { productsModule } from './products/index.js';
import { protectionModule } from './protection/index.js';
import { schedulesModule } from './schedules/index.js';
import { stockModule } from './stock/index.js';
import { tanksModule } from './tanks/index.js';
import { tasksModule } from './tasks/index.js';
import { telemetryModule } from './telemetry/index.js';

/**
 * Croft's domain modules, in the order they are made: a module may need the services of those above
 * it (a wrong order is a type error below). Adding a module is one folder and one line here.
 */
export const modules = [
  auditModule,
  farmsModule,
  identityModule,
  locationsModule,
  catalogModule,
  nutrientsModule,
  productsModule,
  devicesModule,
  telemetryModule,
  alertsModule,
  backupsModule,
  tasksModule,
  schedulesModule,
  beekeepingModule,
  cropsModule,
  protectionModule,
  harvestsModule,
  tanksModule,
  calendarModule,
  stockModule,
  photosModule,
  liveModule,
  exportsModule,
] as const;

type All = Assembled<typeof modules, ModuleBase>;

/** Every module's services, by name. */
export type Services = Omit<All, keyof ModuleBase>;

/** Compiles only while every module needs just what the platform and the modules above it provide. */
export const modulesInOrder: All extends ModuleBase ? true : All = true;
