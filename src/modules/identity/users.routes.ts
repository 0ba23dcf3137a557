import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../../app.js';
import { callerOf, metaOf } from '../../platform/http/context.js';
import { UserView } from './identity.schemas.js';
import { Uuid } from '../../platform/http/schemas.js';
import { userView } from './views.js';

export const usersRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { auth } = deps.services;
  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post(`/api/v1/users/:id/${action}`, {
      schema: {
        tags: ['users'], summary: `Instance admins: ${action} an account${disabled ? ' (its sessions end at once)' : ''}`,
        params: Type.Object({ id: Uuid }), response: { 200: UserView },
      },
    }, async (request) => userView(await auth.setDisabled(callerOf(request), request.params.id, disabled, metaOf(request))));
  }
};
