import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import type { LiveEvents } from '../../platform/live/events.js';
import { defineModule } from '../../platform/module.js';
import type { FarmsService } from '../farms/index.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthService } from './auth.service.js';
import { usersRepository } from './identity.repository.js';
import { identityRoutes } from './identity.routes.js';

export type { AuthService } from './auth.service.js';
/** Reads of accounts that other modules make inside their own transaction. */
export const userReads = {
  instanceAdmins: usersRepository.instanceAdmins,
};

export { registerAuthHttp, FARM_ROUTE, type AuthHttpOptions } from './http.js';

/** People and how they sign in: accounts, sessions, password resets, API keys. */
export const identityModule = defineModule({
  name: 'identity',
  create: (deps: { db: Database; clock: Clock; config: Config; live: LiveEvents; farms: FarmsService }) => ({
    auth: new AuthService(deps),
    apiKeys: new ApiKeysService(deps),
  }),
  routes: identityRoutes,
  start: (deps) => deps.auth.start(),
});
