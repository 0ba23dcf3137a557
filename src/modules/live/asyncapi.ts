import {
  BeeTelemetryPayload,
  CommandAckPayload,
  CommandPayload,
  ConfigPayload,
  CroftTelemetryPayload,
  HeartbeatPayload,
} from '../telemetry/index.js';
import {
  AlertEventMessage,
  PlantEventMessage,
  TargetsEventMessage,
  StockEventMessage,
  TaskEventMessage,
  AuthenticatedMessage,
  AuthMessage,
  CommandEventMessage,
  DeviceEventMessage,
  ErrorMessage,
  NotificationMessage,
  PingMessage,
  PongMessage,
  ReadingMessage,
  SubscribedMessage,
  SubscribeMessage,
  UnsubscribeMessage,
} from './live.schemas.js';

/** A schema as plain JSON Schema: TypeBox's own keys and `$id`s dropped. */
function plain(schema: unknown): unknown {
  return JSON.parse(
    JSON.stringify(schema, (key, value: unknown) => (key === '$id' || key === '~kind' ? undefined : value)),
  );
}

const farm = { description: "The farm's id or slug" };
const device = { description: 'The device id the hardware reports (unique in its farm)' };

/** MQTT topics: name → address, direction seen from the device, payload. */
export const MQTT_CHANNELS = {
  telemetry: {
    address: 'croft/{farm}/{device}/telemetry',
    from: 'device',
    payload: CroftTelemetryPayload,
    summary: 'Sensor readings',
  },
  heartbeat: {
    address: 'croft/{farm}/{device}/heartbeat',
    from: 'device',
    payload: HeartbeatPayload,
    summary: 'Presence and health',
  },
  config: {
    address: 'croft/{farm}/{device}/config',
    from: 'croft',
    payload: ConfigPayload,
    summary: 'Configuration (retained)',
  },
  commands: {
    address: 'croft/{farm}/{device}/commands',
    from: 'croft',
    payload: CommandPayload,
    summary: 'Commands to run (QoS 1)',
  },
  commandAcks: {
    address: 'croft/{farm}/{device}/commands/ack',
    from: 'device',
    payload: CommandAckPayload,
    summary: 'Command progress',
  },
  beehiveTelemetry: {
    address: 'beehive/{device}/telemetry',
    from: 'device',
    payload: BeeTelemetryPayload,
    summary: 'BeeAPI hive scales, unchanged (the farm comes from the credentials)',
  },
} as const;

/** Live socket messages: name → schema, and who sends it. */
export const LIVE_MESSAGES = {
  LiveAuth: { schema: AuthMessage, from: 'client' },
  LiveSubscribe: { schema: SubscribeMessage, from: 'client' },
  LiveUnsubscribe: { schema: UnsubscribeMessage, from: 'client' },
  LivePing: { schema: PingMessage, from: 'client' },
  LiveAuthenticated: { schema: AuthenticatedMessage, from: 'croft' },
  LiveSubscribed: { schema: SubscribedMessage, from: 'croft' },
  LiveReading: { schema: ReadingMessage, from: 'croft' },
  LiveCommand: { schema: CommandEventMessage, from: 'croft' },
  LiveDevice: { schema: DeviceEventMessage, from: 'croft' },
  LiveAlert: { schema: AlertEventMessage, from: 'croft' },
  LivePlant: { schema: PlantEventMessage, from: 'croft' },
  LiveTargets: { schema: TargetsEventMessage, from: 'croft' },
  LiveStock: { schema: StockEventMessage, from: 'croft' },
  LiveTask: { schema: TaskEventMessage, from: 'croft' },
  LiveNotification: { schema: NotificationMessage, from: 'croft' },
  LiveError: { schema: ErrorMessage, from: 'croft' },
  LivePong: { schema: PongMessage, from: 'croft' },
} as const;

const ref = (path: string) => ({ $ref: path });

/** The AsyncAPI 3.0 document of Croft's MQTT topics and live socket messages. */
export function asyncApiDocument(version: string) {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};

  for (const [name, topic] of Object.entries(MQTT_CHANNELS)) {
    const message = `${name[0]!.toUpperCase()}${name.slice(1)}Message`;
    messages[message] = {
      name: message,
      summary: topic.summary,
      contentType: 'application/json',
      payload: plain(topic.payload),
    };
    channels[name] = {
      address: topic.address,
      servers: [ref('#/servers/mqtt')],
      messages: { [message]: ref(`#/components/messages/${message}`) },
      parameters: topic.address.includes('{farm}') ? { farm, device } : { device },
    };
    operations[`${topic.from === 'device' ? 'receive' : 'send'}${name[0]!.toUpperCase()}${name.slice(1)}`] = {
      action: topic.from === 'device' ? 'receive' : 'send',
      channel: ref(`#/channels/${name}`),
      summary: topic.summary,
      bindings: { mqtt: { qos: 1, retain: name === 'config' } },
    };
  }

  for (const [name, message] of Object.entries(LIVE_MESSAGES)) {
    messages[name] = {
      name,
      contentType: 'application/json',
      payload: plain(message.schema),
      ...('description' in message.schema && message.schema.description ? { summary: message.schema.description } : {}),
    };
  }
  const liveMessages = (from: 'client' | 'croft') =>
    Object.fromEntries(
      Object.entries(LIVE_MESSAGES)
        .filter(([, m]) => m.from === from)
        .map(([name]) => [name, ref(`#/components/messages/${name}`)]),
    );
  const allLive = { ...liveMessages('client'), ...liveMessages('croft') };
  channels.farmLive = {
    address: '/api/v1/farms/{farm}/live',
    servers: [ref('#/servers/live')],
    messages: allLive,
    parameters: { farm },
    description:
      'First message {"type":"auth","token"} within 5 s (or an Authorization header on the upgrade); then subscribe. ' +
      'Close codes (the reason is the error code): 4001 not authenticated, token expired or credential revoked, ' +
      '4003 no longer a member or the farm is gone, 4004 no such farm, 4008 too slow a reader, ' +
      '4029 too many sockets for one person or API key.',
  };
  channels.personalLive = {
    address: '/api/v1/live',
    servers: [ref('#/servers/live')],
    messages: allLive,
    description: "The signed-in person's notifications across their farms",
  };
  // Operations say what Croft does: it receives the clients' messages and sends its own.
  for (const channel of ['farmLive', 'personalLive'] as const) {
    operations[`${channel}ClientMessages`] = {
      action: 'receive',
      channel: ref(`#/channels/${channel}`),
      messages: Object.keys(liveMessages('client')).map((m) => ref(`#/channels/${channel}/messages/${m}`)),
    };
    operations[`${channel}CroftMessages`] = {
      action: 'send',
      channel: ref(`#/channels/${channel}`),
      messages: Object.keys(liveMessages('croft')).map((m) => ref(`#/channels/${channel}/messages/${m}`)),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Croft devices and live events',
      version,
      description:
        'MQTT topics devices use (embedded broker, or any broker Croft is a client of), and the WebSocket messages of the ' +
        'live hub. Devices sign in with their own credentials and may use only their own topics.',
    },
    defaultContentType: 'application/json',
    servers: {
      mqtt: {
        host: '{host}:1883',
        protocol: 'mqtt',
        description: 'The embedded broker (CROFT_MQTT_PORT) or the external one (MQTT_URL)',
        variables: { host: { default: 'localhost' } },
      },
      live: {
        host: '{host}',
        protocol: 'wss',
        description: 'Croft’s own HTTP server',
        variables: { host: { default: 'localhost:8080' } },
      },
    },
    channels,
    operations,
    components: { messages },
  };
}
