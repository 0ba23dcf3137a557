import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams } from '../../platform/http/schemas.js';
import { farmOf } from '../../platform/http/context.js';
import { DateTime, Uuid } from '../../platform/http/schemas.js';
import { listAudit } from './audit.service.js';
import type { Database } from '../../platform/db/database.js';

const Severity = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]);

const AuditEntry = Type.Object({
  id: Type.Integer(), event_type: Type.String(), category: Type.String(), severity: Severity, message: Type.String(),
  user_id: Type.Union([Uuid, Type.Null()]), api_key_id: Type.Union([Uuid, Type.Null()]),
  data: Type.Record(Type.String(), Type.Unknown()), ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]), created_at: DateTime,
}, { additionalProperties: false });

export const auditRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async (app, deps) => {
  app.get('/api/v1/farms/:farm/audit', {
    schema: {
      tags: ['audit'], 'x-permission': 'audit.read', summary: "The farm's audit log, newest first",
      params: FarmParams,
      querystring: Type.Object({
        category: Type.Optional(Type.String({ maxLength: 64 })), event_type: Type.Optional(Type.String({ maxLength: 64 })),
        user_id: Type.Optional(Uuid), severity: Type.Optional(Severity),
        from: Type.Optional(DateTime), to: Type.Optional(DateTime),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        cursor: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'next_cursor of the previous page' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(AuditEntry), next_cursor: Type.Union([Type.String(), Type.Null()]) }) },
    },
  }, async (request) => {
    const ctx = farmOf(request);
    const q = request.query;
    const limit = q.limit ?? 50;
    const rows = await listAudit(deps.db, ctx, {
      category: q.category, eventType: q.event_type, userId: q.user_id, severity: q.severity,
      from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined,
      before: q.cursor ? Number(q.cursor) : undefined, limit,
    });
    return {
      data: rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() })),
      next_cursor: rows.length === limit ? String(rows[rows.length - 1]!.id) : null,
    };
  });
};
