import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../platform/logger.js';
import {
  CONTROLLER_CHANNELS,
  localHour,
  sample,
  SIMULATED_KINDS,
  simulatedLabel,
  type SimulatedKind,
} from './simulate.engine.js';
import { SimulatedController, type ControllerBehaviour } from './simulated-controller.js';

export interface SimulationOptions {
  /** Croft's base URL (its API). */
  url: string;
  /** An access token or API key (manager or admin); absent in light mode. */
  token: string | undefined;
  farm: string;
  devices: number;
  intervalS: number;
  kind: SimulatedKind;
  /** The broker, when not the one Croft's credentials answer names (mqtt://host:port). */
  mqttUrl: string | undefined;
  /** Controllers only: how they misbehave; `offline` drops each off the network now and then. */
  behaviour?: ControllerBehaviour & { offline?: boolean };
  log: Logger;
}

export interface Simulation {
  /** Messages published and acknowledged by the broker so far. */
  readonly acknowledged: number;
  readonly devices: string[];
  stop(): Promise<void>;
}

class ApiError extends Error {}

/**
 * `croft simulate`: registers (or reuses) simulated devices through the API, gives each new
 * credentials, and publishes realistic readings over MQTT as real hardware would — hive scales on
 * BeeAPI's topic, houses and greenhouses on Croft's.
 */
export async function startSimulation(options: SimulationOptions): Promise<Simulation> {
  const { log } = options;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    let res: Response;
    try {
      res = await fetch(`${options.url}${path}`, {
        method,
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          // Light mode (no token) takes a body-less POST only with a header a web page cannot send.
          'x-requested-with': 'croft-simulate',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        body: body ? JSON.stringify(body) : null,
      });
    } catch (error) {
      throw new ApiError(
        `Croft does not answer at ${options.url} (${(error as Error).message}): is it running? (--url)`,
      );
    }
    const json = (await res.json().catch(() => ({}))) as T & { message?: string };
    if (res.status >= 400 && res.status !== 409)
      throw new ApiError(`${method} ${path}: ${res.status} ${json.message ?? ''}`.trim());
    return { status: res.status, body: json };
  };

  const farm = (
    await api<{ id: string; slug: string; timezone: string }>(
      'GET',
      `/api/v1/farms/${encodeURIComponent(options.farm)}`,
    )
  ).body;
  const devices: Array<{ label: string; username: string; password: string; host: string; port: number | null }> = [];
  for (let i = 0; i < options.devices; i++) {
    const label = simulatedLabel(options.kind, i);
    const created = await api('POST', `/api/v1/farms/${farm.slug}/devices`, {
      device_id: label,
      name: `Simulated ${options.kind} ${i + 1}`,
      ...(options.kind === 'controller'
        ? { type: 'relay', model: 'ESP32-WROOM-32', firmware_version: '1.0.0', channels: CONTROLLER_CHANNELS }
        : { type: 'sensor' }),
    });
    const credentials = (
      await api<{ username: string; password: string; mqtt: { host: string; port: number | null } }>(
        'POST',
        `/api/v1/farms/${farm.slug}/devices/${label}/credentials`,
      )
    ).body;
    devices.push({
      label,
      username: credentials.username,
      password: credentials.password,
      host: credentials.mqtt.host,
      port: credentials.mqtt.port,
    });
    if (created.status === 201) log.debug({ device: label }, 'simulated device registered');
  }
  const broker = options.mqttUrl ?? (devices[0]?.port ? `mqtt://${devices[0].host}:${devices[0].port}` : undefined);
  if (!broker)
    throw new ApiError('Croft runs no MQTT broker (CROFT_MQTT_PORT=off?): name one with --mqtt mqtt://host:port');

  if (options.kind === 'controller') return startControllers(options, farm.slug, devices, broker);

  const clients: MqttClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  let acknowledged = 0;
  try {
    for (const device of devices) {
      clients.push(
        await mqtt.connectAsync(broker, {
          clientId: device.username,
          username: device.username,
          password: device.password,
          reconnectPeriod: 2_000,
        }),
      );
    }
  } catch (error) {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    throw new ApiError(`cannot connect the devices to ${broker}: ${(error as Error).message}`);
  }

  const kind = options.kind as Exclude<SimulatedKind, 'controller'>;
  const publish = (index: number) => {
    const device = devices[index]!;
    const now = new Date();
    const values = sample(kind, index, now, localHour(now, farm.timezone));
    const [topic, payload] =
      options.kind === 'hive'
        ? [`beehive/${device.label}/telemetry`, { device_id: device.label, timestamp: now.toISOString(), ...values }]
        : [`croft/${farm.slug}/${device.label}/telemetry`, { ts: now.toISOString(), readings: values }];
    clients[index]!.publishAsync(topic, JSON.stringify(payload), { qos: 1 }).then(
      () => void acknowledged++,
      (error: unknown) => log.warn({ device: device.label, err: (error as Error).message }, 'reading not sent'),
    );
  };
  devices.forEach((_, index) => {
    // Spread over the interval, as real devices are, and send a first reading at once.
    const offset = Math.round((index / devices.length) * options.intervalS * 1000);
    timers.push(
      setTimeout(() => {
        publish(index);
        timers.push(setInterval(() => publish(index), options.intervalS * 1000));
      }, offset),
    );
  });
  log.info(
    { farm: farm.slug, devices: devices.length, kind: options.kind, intervalS: options.intervalS, broker },
    `simulating ${devices.length} ${options.kind} device(s) on farm ${farm.slug}, a message each every ${options.intervalS} s`,
  );

  return {
    get acknowledged() {
      return acknowledged;
    },
    devices: devices.map((d) => d.label),
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(clients.map((c) => c.endAsync()));
    },
  };
}

/**
 * Simulated controllers: each heartbeats every interval, takes its commands and reports them, and —
 * as told — fails, is slow, repeats its answers, stays silent, or drops off the network now and then.
 */
async function startControllers(
  options: SimulationOptions,
  slug: string,
  devices: Array<{ label: string; username: string; password: string }>,
  broker: string,
): Promise<Simulation> {
  const { offline, ...behaviour } = options.behaviour ?? {};
  const controllers = devices.map(
    (d) =>
      new SimulatedController({
        broker,
        username: d.username,
        password: d.password,
        topicPrefix: `croft/${slug}/${d.label}`,
        behaviour,
        heartbeatMs: options.intervalS * 1000,
      }),
  );
  await Promise.all(controllers.map((c) => c.start()));
  const timers: NodeJS.Timeout[] = [];
  if (offline) {
    // Every tenth interval each controller is away for three intervals, at its own moment.
    controllers.forEach((controller, i) => {
      const cycle = options.intervalS * 10_000;
      timers.push(
        setTimeout(
          () =>
            timers.push(
              setInterval(() => {
                void controller
                  .goOffline()
                  .then(() =>
                    timers.push(setTimeout(() => void controller.start().catch(() => {}), options.intervalS * 3000)),
                  );
              }, cycle),
            ),
          (i / controllers.length) * cycle,
        ),
      );
    });
  }
  options.log.info(
    { farm: slug, devices: controllers.length, broker, behaviour: options.behaviour ?? {} },
    `simulating ${controllers.length} controller(s) on farm ${slug}: send them commands and watch them answer`,
  );
  return {
    get acknowledged() {
      return controllers.reduce((n, c) => n + c.executed.size, 0);
    },
    devices: devices.map((d) => d.label),
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(controllers.map((c) => c.stop()));
    },
  };
}

/** One device with credentials someone already made (the web app shows them with this command). */
export interface DeviceSimulationOptions {
  broker: string;
  username: string;
  password: string;
  /** croft/{farm}/{device}: where its credentials allow it to publish. */
  topicPrefix: string;
  kind: SimulatedKind;
  intervalS: number;
  behaviour?: ControllerBehaviour;
  log: Logger;
}

/**
 * Runs one device with given credentials, over MQTT only (no API token needed): it heartbeats, takes
 * commands and answers them as a well-behaved controller does, and sends readings of its kind every
 * interval (a controller sends a poultry house's climate, as one wired to its sensors would).
 */
export async function startDeviceSimulation(options: DeviceSimulationOptions): Promise<Simulation> {
  const controller = new SimulatedController({
    broker: options.broker,
    username: options.username,
    password: options.password,
    topicPrefix: options.topicPrefix,
    heartbeatMs: options.intervalS * 1000,
    ...(options.behaviour ? { behaviour: options.behaviour } : {}),
    onCommand: (command, state) =>
      options.log.info(
        { action: command.action, channel: command.channel ?? null, value: command.value ?? null, state },
        `ran "${command.action}"${command.channel ? ` on ${command.channel}` : ''}`,
      ),
  });
  try {
    await controller.start();
  } catch (error) {
    throw new ApiError(`cannot connect to ${options.broker} as ${options.username}: ${(error as Error).message}`);
  }
  const client = await mqtt.connectAsync(options.broker, {
    clientId: `${options.username}-readings-${Math.random().toString(36).slice(2, 8)}`,
    username: options.username,
    password: options.password,
    reconnectPeriod: 2_000,
  });
  const kind = options.kind === 'controller' ? 'house' : options.kind;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  let acknowledged = 0;
  const publish = () => {
    const now = new Date();
    const readings = sample(kind, 0, now, localHour(now, zone));
    client
      .publishAsync(`${options.topicPrefix}/telemetry`, JSON.stringify({ ts: now.toISOString(), readings }), { qos: 1 })
      .then(
        () => void acknowledged++,
        (error: unknown) => options.log.warn({ err: (error as Error).message }, 'reading not sent'),
      );
  };
  publish();
  const timer = setInterval(publish, options.intervalS * 1000);
  options.log.info(
    { device: options.topicPrefix, broker: options.broker, intervalS: options.intervalS },
    `simulating ${options.topicPrefix}: readings every ${options.intervalS} s, and it answers commands`,
  );
  return {
    get acknowledged() {
      return acknowledged;
    },
    devices: [options.topicPrefix.split('/').pop()!],
    async stop() {
      clearInterval(timer);
      await Promise.all([controller.stop(), client.endAsync()]);
    },
  };
}

const USAGE = `Usage: croft simulate --farm F [--devices 10] [--interval 5] [--kind hive|house|greenhouse|controller]
                      [--behaviour fail,slow,repeat,silent,offline] [--url http://localhost:8080] [--token T]
                      [--mqtt mqtt://host:port] [--duration S]
       croft simulate --as USERNAME:PASSWORD --topic croft/FARM/DEVICE --mqtt mqtt://host:port
                      [--kind controller|house|greenhouse|hive] [--interval 5] [--behaviour …] [--duration S]

Registers (or reuses) devices sim-<kind>-001 … on the farm, gives them new credentials, and sends
realistic readings over MQTT until stopped (Ctrl-C) or for --duration seconds. Controllers (relays
driving two fans, a heater and a feeder) heartbeat, take commands and report them; --behaviour makes
them fail, run slowly (5 s), answer twice, never answer, or drop off the network now and then. The token (an access
token or API key of a manager or admin) may come from CROFT_TOKEN instead; light mode needs none.

With --as, one device already registered runs with the credentials the web app showed for it (its
Settings tab prints this command): no token, MQTT only.`;

const BEHAVIOURS = ['fail', 'slow', 'repeat', 'silent', 'offline'];

/** Parses `croft simulate …` and runs it; resolves with the exit code. */
export async function simulateCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  log: Logger,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        farm: { type: 'string' },
        devices: { type: 'string', default: '10' },
        interval: { type: 'string', default: '5' },
        kind: { type: 'string', default: 'hive' },
        url: { type: 'string' },
        token: { type: 'string' },
        mqtt: { type: 'string' },
        duration: { type: 'string' },
        behaviour: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        as: { type: 'string' },
        topic: { type: 'string' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const devices = Number(values.devices);
  const interval = Number(values.interval);
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  const behaviours = values.behaviour
    ? values.behaviour
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean)
    : [];
  const credentials = values.as === undefined ? undefined : /^([^:]+):(.+)$/.exec(values.as);
  const asDevice = values.as !== undefined;
  const problems = [
    !asDevice && !values.farm && "--farm is required (or --as with a device's credentials)",
    asDevice && !credentials && '--as must be USERNAME:PASSWORD',
    asDevice &&
      !/^croft\/[^/]+\/[^/]+$/.test(values.topic ?? '') &&
      '--topic must be croft/FARM/DEVICE (the web app shows it)',
    asDevice && !values.mqtt && '--mqtt is required with --as (mqtt://host:port, shown with the credentials)',
    !(Number.isInteger(devices) && devices >= 1 && devices <= 5000) && '--devices must be 1 to 5000',
    !(interval >= 0.1 && interval <= 3600) && '--interval must be 0.1 to 3600 seconds',
    !(SIMULATED_KINDS as readonly string[]).includes(values.kind) &&
      `--kind must be one of ${SIMULATED_KINDS.join(', ')}`,
    duration !== undefined && !(duration > 0) && '--duration must be a number of seconds',
    ...behaviours
      .filter((b) => !BEHAVIOURS.includes(b))
      .map((b) => `--behaviour: unknown "${b}" (use ${BEHAVIOURS.join(', ')})`),
    behaviours.length > 0 && values.kind !== 'controller' && !asDevice && '--behaviour is for --kind controller',
  ].filter(Boolean);
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\n\n${USAGE}`);
    return 2;
  }
  const url = (values.url ?? env.CROFT_PUBLIC_URL ?? `http://localhost:${env.CROFT_PORT ?? '8080'}`).replace(
    /\/+$/,
    '',
  );
  const behaviour = {
    fail: behaviours.includes('fail'),
    repeatAcks: behaviours.includes('repeat'),
    silent: behaviours.includes('silent'),
    ...(behaviours.includes('slow') ? { slowMs: 5_000 } : {}),
  };
  let simulation: Simulation;
  try {
    simulation = credentials
      ? await startDeviceSimulation({
          broker: values.mqtt!,
          username: credentials[1]!,
          password: credentials[2]!,
          topicPrefix: values.topic!,
          kind: values.kind as SimulatedKind,
          intervalS: interval,
          behaviour,
          log,
        })
      : await startSimulation({
          url,
          token: values.token ?? env.CROFT_TOKEN,
          farm: values.farm!,
          devices,
          intervalS: interval,
          kind: values.kind as SimulatedKind,
          mqttUrl: values.mqtt,
          log,
          behaviour: { ...behaviour, offline: behaviours.includes('offline') },
        });
  } catch (error) {
    if (error instanceof ApiError) {
      console.error(`croft simulate: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const report = setInterval(
    () => log.info({ acknowledged: simulation.acknowledged }, 'messages acknowledged by the broker'),
    10_000,
  );
  await new Promise<void>((resolve) => {
    if (duration !== undefined) setTimeout(resolve, duration * 1000);
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(report);
  await simulation.stop();
  log.info({ acknowledged: simulation.acknowledged }, 'simulation stopped');
  return 0;
}
