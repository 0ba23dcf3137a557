import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../platform/http/context.js';
import { BackupPage, BackupQuery } from './backups.schemas.js';
import type { BackupsService } from './backups.service.js';
import { backupView } from './backups.views.js';

/** The instance's backups as recorded, for its admins (backups belong to the instance, not to a farm). */
export const backupsRoutes: FastifyPluginAsyncTypebox<{ backups: BackupsService }> = async (app, { backups }) => {
  app.get(
    '/api/v1/instance/backups',
    {
      schema: {
        tags: ['instance'],
        summary:
          'Instance admins: the backups this server made (daily schedule and `croft backup`), newest first, with where each went and why one failed',
        querystring: BackupQuery,
        response: { 200: BackupPage },
      },
    },
    async (request) => {
      const { limit = 30, cursor } = request.query;
      const rows = await backups.list(callerOf(request), limit, cursor === undefined ? undefined : new Date(cursor));
      return {
        data: rows.map(backupView),
        next_cursor: rows.length === limit ? rows[rows.length - 1]!.started_at.toISOString() : null,
      };
    },
  );
};
