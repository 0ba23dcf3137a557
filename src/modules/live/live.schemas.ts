import { Type, type Static } from 'typebox';

/**
 * The live socket's messages, both ways. These schemas are the contract: the AsyncAPI document is
 * built from them, and the sockets' tests check every message sent against them.
 */

const Label = Type.String({ minLength: 1, maxLength: 64 });
const IsoTime = Type.String({ format: 'date-time' });

// Client → Croft

export const AuthMessage = Type.Object(
  {
    type: Type.Literal('auth'),
    token: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'An access token (or API key); send it again before it expires to stay connected',
    }),
  },
  { additionalProperties: false, $id: 'LiveAuth' },
);

export const SubscribeMessage = Type.Object(
  {
    type: Type.Literal('subscribe'),
    devices: Type.Optional(
      Type.Array(Label, { maxItems: 500, description: 'Device labels or ids; absent means every device' }),
    ),
    metrics: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: 100,
        description: 'Absent means every metric',
      }),
    ),
  },
  {
    additionalProperties: false,
    $id: 'LiveSubscribe',
    description: 'Replaces the current subscription. Neither devices nor metrics: the whole farm.',
  },
);

export const UnsubscribeMessage = Type.Object(
  { type: Type.Literal('unsubscribe') },
  { additionalProperties: false, $id: 'LiveUnsubscribe' },
);
export const PingMessage = Type.Object(
  { type: Type.Literal('ping') },
  { additionalProperties: false, $id: 'LivePing' },
);

export const ClientMessage = Type.Union([AuthMessage, SubscribeMessage, UnsubscribeMessage, PingMessage]);
export type ClientMessage = Static<typeof ClientMessage>;

// Croft → client

export const AuthenticatedMessage = Type.Object(
  {
    type: Type.Literal('authenticated'),
    farm: Type.Union([Type.Object({ id: Type.String(), slug: Type.String() }), Type.Null()]),
    expires_at: Type.Union([IsoTime, Type.Null()]),
  },
  { additionalProperties: false, $id: 'LiveAuthenticated' },
);

export const SubscribedMessage = Type.Object(
  {
    type: Type.Literal('subscribed'),
    devices: Type.Union([Type.Array(Type.String()), Type.Null()]),
    metrics: Type.Union([Type.Array(Type.String()), Type.Null()]),
  },
  { additionalProperties: false, $id: 'LiveSubscribed' },
);

export const ReadingMessage = Type.Object(
  {
    type: Type.Literal('reading'),
    device: Type.String({ description: "The device's label" }),
    metric: Type.String(),
    ts: IsoTime,
    value: Type.Number(),
    quality: Type.Integer({ minimum: 0, maximum: 2, description: '0 good, 1 estimated, 2 interpolated' }),
    history: Type.Optional(
      Type.Boolean({ description: 'One of the last readings sent on subscribing, not a new one' }),
    ),
  },
  { additionalProperties: false, $id: 'LiveReading' },
);

const FarmEvent = (type: string, description: string) =>
  Type.Object(
    {
      type: Type.Literal(type),
      device: Type.Optional(Type.String()),
    },
    { additionalProperties: true, $id: `Live${type[0]!.toUpperCase()}${type.slice(1)}`, description },
  );

export const CommandEventMessage = FarmEvent(
  'command',
  'A device command changed state (queued, sent, executing, completed, failed, timeout, expired, cancelled)',
);
export const DeviceEventMessage = FarmEvent('device', 'A device went online or offline, or its record changed');
export const AlertEventMessage = FarmEvent('alert', 'An alert was triggered, acknowledged or resolved');
export const PlantEventMessage = FarmEvent(
  'plant',
  'A plant changed phase (by hand or on its own clock: reason auto_days, auto_gdd, auto_dormancy)',
);
export const TargetsEventMessage = FarmEvent(
  'targets',
  "A place's crop targets changed (its run changed phase, or its target source): the light schedules that " +
    'follow its photoperiod and the alert rules that follow its targets, with old and new values',
);
export const StockEventMessage = FarmEvent(
  'stock',
  'A stock batch moved: a movement (type, signed quantity) and what the batch holds after it',
);
export const TaskEventMessage = FarmEvent(
  'task',
  'A task was created or changed (`change`: created | updated, with the task), or the farm’s tasks due today ' +
    'were announced at the morning digest (`change`: due, with the day and the tasks)',
);
export const NotificationMessage = Type.Object(
  { type: Type.Literal('notification') },
  {
    additionalProperties: true,
    $id: 'LiveNotification',
    description: "One of the signed-in person's notifications, from any of their farms",
  },
);

export const ErrorMessage = Type.Object(
  {
    type: Type.Literal('error'),
    error_code: Type.String(),
    message: Type.String(),
  },
  { additionalProperties: false, $id: 'LiveError' },
);

export const PongMessage = Type.Object(
  { type: Type.Literal('pong') },
  { additionalProperties: false, $id: 'LivePong' },
);

export const ServerMessage = Type.Union([
  AuthenticatedMessage,
  SubscribedMessage,
  ReadingMessage,
  CommandEventMessage,
  DeviceEventMessage,
  AlertEventMessage,
  PlantEventMessage,
  TargetsEventMessage,
  StockEventMessage,
  TaskEventMessage,
  NotificationMessage,
  ErrorMessage,
  PongMessage,
]);
export type ServerMessage = Static<typeof ServerMessage>;

/** Close codes a live socket ends with (besides the standard ones). */
export const CLOSE = {
  /** No valid `auth` in time, a bad token, or the token expired. */
  unauthenticated: 4001,
  /** No longer a member of the farm. */
  forbidden: 4003,
  /** The farm does not exist or the caller is not a member. */
  notFound: 4004,
  /** The client does not read fast enough. */
  slowConsumer: 4008,
  /** The person or API key already has as many live sockets open as allowed. */
  tooManySockets: 4029,
} as const;
