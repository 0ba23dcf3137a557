import { Type, type Static } from 'typebox';
import { DateTime, Nullable, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';

export const Severity = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]);

export const AuditEntry = Type.Object(
  {
    id: Type.Integer(),
    event_type: Type.String(),
    category: Type.String(),
    severity: Severity,
    message: Type.String(),
    user_id: Nullable(Uuid),
    api_key_id: Nullable(Uuid),
    data: Type.Record(Type.String(), Type.Unknown()),
    ip: Type.Union([Type.String(), Type.Null()]),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    created_at: DateTime,
  },
  { additionalProperties: false },
);

export const AuditQuerystring = Type.Object(
  {
    category: Type.Optional(Type.String({ maxLength: 64 })),
    event_type: Type.Optional(Type.String({ maxLength: 64 })),
    user_id: Type.Optional(Uuid),
    severity: Type.Optional(Severity),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
    limit: PageLimit(),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuerystring>;

export const AuditPage = Page(AuditEntry);
