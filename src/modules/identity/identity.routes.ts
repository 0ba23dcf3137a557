import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../platform/config.js';
import { apiKeysRoutes } from './api-keys.routes.js';
import type { ApiKeysService } from './api-keys.service.js';
import { authRoutes } from './auth.routes.js';
import type { AuthService } from './auth.service.js';
import { usersRoutes } from './users.routes.js';

/** Sign-in and accounts, the instance's users, and farms' API keys. */
export const identityRoutes: FastifyPluginAsyncTypebox<{
  auth: AuthService;
  apiKeys: ApiKeysService;
  config: Config;
}> = async (app, deps) => {
  await app.register(authRoutes, deps);
  await app.register(usersRoutes, deps);
  await app.register(apiKeysRoutes, deps);
};
