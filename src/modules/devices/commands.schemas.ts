import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import { COMMAND_ACTIONS } from './devices.tables.js';

const Status = Type.Union([
  Type.Literal('queued'),
  Type.Literal('sent'),
  Type.Literal('executing'),
  Type.Literal('completed'),
  Type.Literal('failed'),
  Type.Literal('timeout'),
  Type.Literal('expired'),
  Type.Literal('cancelled'),
]);
const Priority = Type.Union([Type.Literal('high'), Type.Literal('normal'), Type.Literal('low')]);

const CommandFields = {
  action: OneOf(COMMAND_ACTIONS, { description: 'set_value 0–255, set_angle 0–180, set_speed 0–100' }),
  value: Type.Optional(Type.Number()),
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  duration_ms: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 86_400_000,
      description: 'The device reverts after this long',
    }),
  ),
  priority: Type.Optional(Priority),
  ttl_s: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 7 * 86_400,
      description: 'How long it may wait for an offline device (default CROFT_COMMAND_TTL_S)',
    }),
  ),
};

export const CommandParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

export const CommandView = Type.Object(
  {
    id: Uuid,
    device: Type.String(),
    channel: Nullable(Type.String()),
    action: Type.String(),
    value: Nullable(Type.Number()),
    duration_ms: Nullable(Type.Integer()),
    priority: Type.String(),
    status: Status,
    source: Type.String(),
    idempotency_key: Nullable(Type.String()),
    batch_id: Nullable(Uuid),
    error: Nullable(Type.String()),
    new_state: Type.Unknown(),
    deliveries: Type.Integer(),
    queued_at: DateTime,
    sent_at: Nullable(DateTime),
    executing_at: Nullable(DateTime),
    finished_at: Nullable(DateTime),
    expires_at: DateTime,
  },
  { additionalProperties: false },
);

export const NewCommandBody = Type.Object(
  {
    ...CommandFields,
    idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type NewCommand = Static<typeof NewCommandBody>;

export const CommandBatchBody = Type.Object(
  {
    ...CommandFields,
    devices: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 500 }),
  },
  { additionalProperties: false },
);
export type CommandBatch = Static<typeof CommandBatchBody>;

export const BatchView = Type.Object({ batch_id: Uuid, commands: Type.Array(CommandView) });

export const CommandsQuerystring = Type.Object({
  device: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  status: Type.Optional(Status),
  limit: PageLimit(),
  cursor: Type.Optional(Type.String({ format: 'date-time', description: 'next_cursor of the previous page' })),
});
export type CommandsQuery = Static<typeof CommandsQuerystring>;

export const CommandPage = Page(CommandView);

export const CommandAckBody = Type.Object(
  {
    command_id: Uuid,
    status: Type.Union([Type.Literal('executing'), Type.Literal('completed'), Type.Literal('failed')]),
    new_state: Type.Optional(Type.Unknown()),
    error: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type CommandAck = Static<typeof CommandAckBody>;

// Emergency stop

export const StopView = Type.Object(
  {
    id: Uuid,
    reason: Nullable(Type.String()),
    started_at: DateTime,
    released_at: Nullable(DateTime),
  },
  { additionalProperties: false },
);

export const HoldingView = Type.Object({ holding: Type.Boolean(), stop: Nullable(StopView) });

export const EmergencyStopBody = Type.Optional(
  Type.Object(
    {
      reason: Type.Optional(Type.String({ maxLength: 500 })),
    },
    { additionalProperties: false },
  ),
);

export const EmergencyStopView = Type.Object({
  stop: StopView,
  cancelled: Type.Integer(),
  commands: Type.Array(CommandView),
});
