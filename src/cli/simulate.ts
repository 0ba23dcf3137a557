import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../platform/logger.js';
import {
  backfillReadings,
  backfillTimeline,
  CONTROLLER_CHANNELS,
  localMoment,
  parseFrom,
  parseStep,
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
  /** Where the devices are: a location's id, code or name; they are placed (or moved) there. */
  location?: string | undefined;
  /** Another run's noise and weather (0 when absent): the same seed sends the same values. */
  seed?: number | undefined;
  /** Readings for past days, sent over HTTP before going live. */
  backfill?: BackfillOptions | undefined;
  /** The clock the back-fill runs up to (the real one unless a test pins it). */
  now?: () => Date;
  log: Logger;
}

export interface BackfillOptions {
  /** `--from`: a date (the farm's local midnight), a local date and time, or an instant with an offset. */
  from: string;
  /** Seconds between back-filled readings (never finer than the interval). */
  stepS: number;
  /** Stop after the back-fill instead of going live. */
  only: boolean;
}

/** What a back-fill sent and what Croft made of it. */
export interface BackfillTotals {
  from: string;
  to: string;
  sent: number;
  /** Stored now. */
  accepted: number;
  /** Already stored (a resend of the same series and millisecond). */
  duplicate: number;
  rejected: number;
}

export interface Simulation {
  /** Messages published and acknowledged by the broker so far. */
  readonly acknowledged: number;
  readonly devices: string[];
  /** The location the devices were placed at, by id. */
  readonly locationId?: string | undefined;
  /** The back-fill's totals, when one ran. */
  readonly backfill?: BackfillTotals | undefined;
  stop(): Promise<void>;
}

/** At most this many readings per request, as `POST …/telemetry` takes them. */
const BACKFILL_BATCH = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  const location = options.location === undefined ? undefined : await findLocation(api, farm.slug, options.location);
  // Checked before anything is registered, so a bad --from changes nothing.
  const backfill = options.backfill && (await planBackfill(api, options, farm, options.now ?? (() => new Date())));
  const devices: Array<{ label: string; username: string; password: string; host: string; port: number | null }> = [];
  for (let i = 0; i < options.devices; i++) {
    const label = simulatedLabel(options.kind, i);
    const created = await api('POST', `/api/v1/farms/${farm.slug}/devices`, {
      device_id: label,
      name: `Simulated ${options.kind} ${i + 1}`,
      ...(options.kind === 'controller'
        ? { type: 'relay', model: 'ESP32-WROOM-32', firmware_version: '1.0.0', channels: CONTROLLER_CHANNELS }
        : { type: 'sensor' }),
      ...(location ? { location_id: location.id } : {}),
    });
    // A device kept from an earlier run moves to the location asked for.
    if (created.status === 409 && location)
      await api('PATCH', `/api/v1/farms/${farm.slug}/devices/${label}`, { location_id: location.id });
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
  if (location)
    log.info(
      { location: location.id },
      `${devices.length} device(s) at ${location.name}${location.code ? ` (${location.code})` : ''}`,
    );

  const totals = backfill && (await sendBackfill(options, farm, devices, backfill));
  if (options.backfill?.only) {
    return {
      acknowledged: 0,
      devices: devices.map((d) => d.label),
      locationId: location?.id,
      backfill: totals,
      stop: async () => {},
    };
  }

  const broker = options.mqttUrl ?? (devices[0]?.port ? `mqtt://${devices[0].host}:${devices[0].port}` : undefined);
  if (!broker)
    throw new ApiError('Croft runs no MQTT broker (CROFT_MQTT_PORT=off?): name one with --mqtt mqtt://host:port');

  if (options.kind === 'controller') {
    const controllers = await startControllers(options, farm.slug, devices, broker);
    return Object.assign(controllers, { locationId: location?.id });
  }

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
    const values = sample(kind, index, now, localMoment(now, farm.timezone), options.seed ?? 0);
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
    locationId: location?.id,
    backfill: totals,
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(clients.map((c) => c.endAsync()));
    },
  };
}

type Api = <T>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;
interface LocationRef {
  id: string;
  name: string;
  code: string | null;
}

/**
 * A location of the farm by id, code or name: an id must exist; otherwise a code (exactly, then in any
 * case), then a name in any case, must name exactly one location — else an error that lists the ones
 * it could mean, with their codes and ids.
 */
async function findLocation(api: Api, slug: string, wanted: string): Promise<LocationRef> {
  const base = `/api/v1/farms/${slug}/locations`;
  if (UUID.test(wanted)) {
    try {
      return (await api<LocationRef>('GET', `${base}/${wanted}`)).body;
    } catch (error) {
      if (/: 404\b/.test((error as Error).message))
        throw new ApiError(`--location: no location ${wanted} on farm ${slug}`);
      throw error;
    }
  }
  const all: LocationRef[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=1000${cursor ? `&cursor=${cursor}` : ''}`;
    const page: { data: LocationRef[]; next_cursor: string | null } = (
      await api<{ data: LocationRef[]; next_cursor: string | null }>('GET', `${base}${query}`)
    ).body;
    all.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  const fold = (text: string) => text.trim().toLocaleLowerCase();
  const tries = [
    all.filter((l) => l.code === wanted),
    all.filter((l) => l.code !== null && fold(l.code) === fold(wanted)),
    all.filter((l) => fold(l.name) === fold(wanted)),
  ];
  for (const found of tries) {
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      const listed = found
        .slice(0, 10)
        .map((l) => `  ${l.name}${l.code ? ` (code ${l.code})` : ''}: ${l.id}`)
        .join('\n');
      throw new ApiError(
        `--location "${wanted}" is ambiguous: ${found.length} locations match\n${listed}\nName one by its code or id.`,
      );
    }
  }
  throw new ApiError(`--location: no location with the id, code or name "${wanted}" on farm ${slug}`);
}

interface BackfillPlan {
  from: Date;
  to: Date;
  stepMs: number;
  now: () => Date;
}

/** Where the back-fill starts and ends, refused when it cannot be stored (in the future, or past retention). */
async function planBackfill(
  api: Api,
  options: SimulationOptions,
  farm: { slug: string; timezone: string },
  now: () => Date,
): Promise<BackfillPlan> {
  const { from: text, stepS } = options.backfill!;
  if (options.kind === 'controller') throw new ApiError('--from: controllers send no readings to back-fill');
  const from = parseFrom(text, farm.timezone);
  if (!from) throw new ApiError(`--from "${text}" is not a date (2026-10-01) or a date and time (2026-10-01T06:00)`);
  const to = now();
  if (from.getTime() >= to.getTime()) throw new ApiError(`--from ${from.toISOString()} is not in the past`);
  const retention = (await api<{ raw_days: number }>('GET', `/api/v1/farms/${farm.slug}/telemetry/settings`)).body;
  if (to.getTime() - from.getTime() > retention.raw_days * 86_400_000) {
    throw new ApiError(
      `--from ${text} is older than the farm keeps raw readings (${retention.raw_days} days): ` +
        'choose a later date, or keep them longer (PUT …/telemetry/settings raw_days)',
    );
  }
  return { from, to, stepMs: Math.max(stepS, options.intervalS) * 1000, now };
}

/**
 * Sends past readings over HTTP, each device as itself (HTTP Basic with its credentials, so it may send
 * only its own readings), in batches of up to {@link BACKFILL_BATCH}; then once more for the steps that
 * came due while it ran, so live readings follow without a gap. Croft stores a resend once, so a
 * back-fill interrupted or run again sends everything again and stores only what is missing.
 */
async function sendBackfill(
  options: SimulationOptions,
  farm: { slug: string; timezone: string },
  devices: Array<{ label: string; username: string; password: string }>,
  plan: BackfillPlan,
): Promise<BackfillTotals> {
  const { log } = options;
  if (options.kind === 'controller') throw new ApiError('controllers send no readings to back-fill');
  const kind = options.kind;
  const totals: BackfillTotals = {
    from: plan.from.toISOString(),
    to: plan.to.toISOString(),
    sent: 0,
    accepted: 0,
    duplicate: 0,
    rejected: 0,
  };
  const reasons = new Map<string, number>();
  let start = plan.from;
  let to = plan.to;
  let first = true;
  // After the first round, the steps that came due while it ran (usually none or one).
  for (;;) {
    // Anchored at --from: the instants from `start` on are the ones a run up to `to` would send.
    const instants = backfillTimeline(plan.from, to, plan.stepMs).filter((at) => at.getTime() >= start.getTime());
    if (instants.length === 0) break;
    const metrics = Object.keys(sample(kind, 0, plan.from, localMoment(plan.from, farm.timezone))).length;
    const expected = instants.length * metrics * devices.length;
    const sentBefore = totals.sent;
    if (first)
      log.info(
        { from: totals.from, to: to.toISOString(), stepS: plan.stepMs / 1000, readings: expected },
        `back-filling ${expected.toLocaleString('en')} readings (${instants.length.toLocaleString('en')} steps of ${plan.stepMs / 1000} s × ${devices.length} device(s)) from ${totals.from}`,
      );
    for (const [index, device] of devices.entries()) {
      let batch: unknown[] = [];
      const flush = async () => {
        const result = await postReadings(options.url, farm.slug, device, batch);
        totals.sent += batch.length;
        totals.accepted += result.accepted;
        totals.duplicate += result.duplicate;
        totals.rejected += result.rejected;
        for (const r of result.rejections)
          reasons.set(`${r.code}: ${r.reason}`, (reasons.get(`${r.code}: ${r.reason}`) ?? 0) + 1);
        batch = [];
        log.info(
          { device: device.label, sent: totals.sent, accepted: totals.accepted, duplicate: totals.duplicate },
          `back-fill ${Math.floor(((totals.sent - sentBefore) / expected) * 100)} %: ${totals.sent.toLocaleString('en')} sent, ${totals.accepted.toLocaleString('en')} new, ${totals.duplicate.toLocaleString('en')} already stored`,
        );
      };
      for (const reading of backfillReadings({
        kind,
        index,
        instants,
        timeZone: farm.timezone,
        seed: options.seed ?? 0,
      })) {
        batch.push(reading);
        if (batch.length === BACKFILL_BATCH) await flush();
      }
      if (batch.length > 0) await flush();
    }
    first = false;
    start = new Date(instants.at(-1)!.getTime() + plan.stepMs);
    to = plan.now();
  }
  totals.to = start.toISOString();
  for (const [reason, count] of reasons) log.warn({ count }, `${count} reading(s) refused: ${reason}`);
  log.info(
    totals,
    `back-fill done: ${totals.sent.toLocaleString('en')} readings sent, ${totals.accepted.toLocaleString('en')} stored, ${totals.duplicate.toLocaleString('en')} already there, ${totals.rejected.toLocaleString('en')} refused`,
  );
  return totals;
}

interface IngestAnswer {
  accepted: number;
  duplicate: number;
  rejected: number;
  rejections: Array<{ index: number; code: string; reason: string }>;
}

/** One batch as the device itself; a write that raced another (409, 503) is tried again, a few times. */
async function postReadings(
  url: string,
  slug: string,
  device: { username: string; password: string },
  readings: unknown[],
): Promise<IngestAnswer> {
  const body = JSON.stringify({ readings });
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(`${url}/api/v1/farms/${slug}/telemetry`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${device.username}:${device.password}`).toString('base64')}`,
        },
        body,
      });
    } catch (error) {
      throw new ApiError(`Croft does not answer at ${url} (${(error as Error).message}): is it running? (--url)`);
    }
    const json = (await res.json().catch(() => ({}))) as IngestAnswer & { message?: string };
    if (res.ok) return json;
    if ((res.status === 409 || res.status === 503) && attempt < 5) {
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      continue;
    }
    throw new ApiError(`POST /api/v1/farms/${slug}/telemetry: ${res.status} ${json.message ?? ''}`.trim());
  }
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
    const readings = sample(kind, 0, now, localMoment(now, zone));
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
                      [--location L] [--from DATE [--backfill-step 10m] [--backfill-only]] [--seed N]
                      [--behaviour fail,slow,repeat,silent,offline] [--url http://localhost:8080] [--token T]
                      [--mqtt mqtt://host:port] [--duration S]
       croft simulate --as USERNAME:PASSWORD --topic croft/FARM/DEVICE --mqtt mqtt://host:port
                      [--kind controller|house|greenhouse|hive] [--interval 5] [--behaviour …] [--duration S]

Registers (or reuses) devices sim-<kind>-001 … on the farm, gives them new credentials, and sends
realistic readings over MQTT until stopped (Ctrl-C) or for --duration seconds. Controllers (relays
driving two fans, a heater and a feeder) heartbeat, take commands and report them; --behaviour makes
them fail, run slowly (5 s), answer twice, never answer, or drop off the network now and then. The token (an access
token or API key of a manager or admin) may come from CROFT_TOKEN instead; light mode needs none.

  --location L       place the devices at a location (its id, code or name; a device kept from an
                     earlier run moves there)
  --from DATE        first back-fill readings from DATE up to now, over HTTP, before going live: a date
                     (2026-10-01, the farm's local midnight), a local date and time (2026-10-01T06:00)
                     or an instant (2026-10-01T06:00Z). Greenhouses follow a day/night curve in the
                     farm's time zone (nights of 12–15 °C, afternoons of 23–28 °C,
                     as in autumn, whatever the date).
  --backfill-step S  time between back-filled readings (10m; 90s, 1h, or seconds), never finer than
                     --interval; a month at 10m is about 4,300 readings a metric and device
  --backfill-only    stop after the back-fill instead of going live (no MQTT needed)
  --seed N           another run's weather and noise (0); the same seed sends the same values, so a
                     back-fill run again (or after an interruption) stores nothing twice

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
        location: { type: 'string' },
        from: { type: 'string' },
        'backfill-step': { type: 'string', default: '10m' },
        'backfill-only': { type: 'boolean', default: false },
        seed: { type: 'string', default: '0' },
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
  const backfillStep = parseStep(values['backfill-step']);
  const seed = Number(values.seed);
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
    asDevice &&
      (values.location !== undefined || values.from !== undefined) &&
      '--location and --from need --farm (they use the API), not --as',
    values.location !== undefined && values.location.trim() === '' && '--location must name a location',
    values.from !== undefined && values.kind === 'controller' && '--from: controllers send no readings to back-fill',
    values['backfill-only'] && values.from === undefined && '--backfill-only needs --from',
    !(backfillStep !== undefined && backfillStep >= 1 && backfillStep <= 86_400) &&
      '--backfill-step must be 1s to 24h (10m, 90s, 1h, or seconds)',
    !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff) && '--seed must be a whole number ≥ 0',
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
          location: values.location,
          seed,
          backfill:
            values.from === undefined
              ? undefined
              : { from: values.from, stepS: backfillStep!, only: values['backfill-only'] },
        });
  } catch (error) {
    if (error instanceof ApiError) {
      console.error(`croft simulate: ${error.message}`);
      return 1;
    }
    throw error;
  }
  if (values['backfill-only']) {
    const refused = simulation.backfill?.rejected ?? 0;
    if (refused > 0) console.error(`croft simulate: ${refused} back-filled reading(s) refused (see the log)`);
    return refused > 0 ? 1 : 0;
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
