import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FarmParams } from '../../platform/http/schemas.js';
import { farmOf } from '../../platform/http/context.js';
import { AuditPage, AuditQuerystring } from './audit.schemas.js';
import { listAudit } from './audit.service.js';
import { auditPageView } from './audit.views.js';
import type { Database } from '../../platform/db/database.js';

export const auditRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async (app, deps) => {
  app.get(
    '/api/v1/farms/:farm/audit',
    {
      schema: {
        tags: ['audit'],
        'x-permission': 'audit.read',
        summary: "The farm's audit log, newest first",
        params: FarmParams,
        querystring: AuditQuerystring,
        response: { 200: AuditPage },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      return auditPageView(await listAudit(deps.db, farmOf(request), { ...request.query, limit }), limit);
    },
  );
};
