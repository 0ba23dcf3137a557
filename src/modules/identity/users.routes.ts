import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf, metaOf } from '../../platform/http/context.js';
import { AcceptedInvitationView, InvitationTokenParams, UserParams, UserView } from './identity.schemas.js';
import { userView } from './identity.views.js';
import type { AuthService } from './auth.service.js';

export const usersRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, deps) => {
  const { auth } = deps;
  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/api/v1/users/:id/${action}`,
      {
        schema: {
          tags: ['users'],
          summary: `Instance admins: ${action} an account${disabled ? ' (its sessions end at once)' : ''}`,
          params: UserParams,
          response: { 200: UserView },
        },
      },
      async (request) =>
        userView(await auth.setDisabled(callerOf(request), request.params.id, disabled, metaOf(request))),
    );
  }

  app.post(
    '/api/v1/invitations/:token/accept',
    {
      schema: {
        tags: ['farms'],
        summary: 'Accept an invitation as the signed-in user',
        params: InvitationTokenParams,
        response: { 200: AcceptedInvitationView },
      },
    },
    async (request) => {
      const result = await auth.acceptInvitation(callerOf(request), request.params.token, metaOf(request));
      return { farm_id: result.farmId, role: result.role };
    },
  );
};
