import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import { defineModule } from '../../platform/module.js';
import { calendarRoutes } from './calendar.routes.js';
import { CalendarService } from './calendar.service.js';

export type { CalendarService } from './calendar.service.js';

/** Calendar feeds: a farm's open tasks and expected phase changes at a secret address a phone subscribes to. */
export const calendarModule = defineModule({
  name: 'calendar',
  create: (deps: { db: Database; clock: Clock; config: Config }) => ({ calendar: new CalendarService(deps) }),
  routes: calendarRoutes,
});
