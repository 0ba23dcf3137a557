import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import {
  createDevice,
  createDeviceWithCredentials,
  createFarm,
  login,
  member,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { SimulatedController, type ControllerBehaviour } from '../../cli/simulated-controller.js';
import type { BusMessage } from '../../platform/live/bus.js';
import { telemetryBrokerHooks } from '../telemetry/index.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let broker: string;
const controllers: SimulatedController[] = [];
const events: BusMessage[] = [];

const url = (path: string) => `/api/v1/farms/${farm.slug}${path}`;
const call = async (
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  payload?: unknown,
  who: Actor = admin,
) =>
  t.app.inject({
    method,
    url: url(path),
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

/** A relay controller (four channels, like a Tokkatot house) with credentials, connected or not. */
async function controller(label: string, behaviour: ControllerBehaviour = {}, connect = true, byFarmId = false) {
  const { credentials: creds } = await createDeviceWithCredentials(t.app, admin, farm, {
    device_id: label,
    type: 'relay',
    model: 'ESP32-WROOM-32',
    firmware_version: '1.2.0',
    channels: [
      { name: 'fan-1', kind: 'fan', safe_state: 'on' },
      { name: 'fan-2', kind: 'fan', safe_state: 'on' },
      { name: 'heater', kind: 'heater', safe_state: 'off' },
      { name: 'feeder', kind: 'feeder', safe_state: 'unchanged' },
    ],
  });
  const device = new SimulatedController({
    broker,
    username: creds.username,
    password: creds.password,
    // The documented topics name the farm by its slug (as the credentials hand out) or by its id.
    topicPrefix: byFarmId ? `croft/${farm.id}/${label}` : creds.topicPrefix,
    behaviour,
  });
  controllers.push(device);
  if (connect) await device.start();
  return device;
}
const command = async (device: string, body: Record<string, unknown>, who: Actor = admin) => {
  const res = await call('POST', `/devices/${device}/commands`, body, who);
  return res;
};
const status = async (id: string) => (await call('GET', `/commands/${id}`)).json();
const settle = (id: string, wanted: string) => waitFor(async () => (await status(id)).status === wanted, 5_000);

beforeAll(async () => {
  t = await createTestApp({
    mqtt: true,
    env: { CROFT_COMMAND_ACK_TIMEOUT_S: '30', CROFT_HEARTBEAT_INTERVAL_S: '30', CROFT_HEARTBEAT_MISSED: '3' },
  });
  ({ admin, farm } = await setupAdmin(t.app));
  t.clock.set('2026-06-10T12:00:00Z');
  admin = await login(t.app, admin.email);
  broker = `mqtt://127.0.0.1:${t.deps.mqtt.status.port}`;
  await t.deps.bus.subscribe(`farm:${farm.id}`, (m) => void events.push(m));
});

afterEach(async () => {
  for (const c of controllers.splice(0)) await c.stop().catch(() => {});
});

afterAll(() => t.close());

describe('device registry', () => {
  it('registers a controller with channels and safe states, and refuses bad fields in words', async () => {
    await controller('house-a', {}, false);
    const device = (await call('GET', '/devices/house-a')).json();
    expect(device).toMatchObject({
      type: 'relay',
      model: 'ESP32-WROOM-32',
      firmware_version: '1.2.0',
      active: true,
      online: false,
    });
    expect(device.channels.map((c: { name: string; safe_state: unknown }) => [c.name, c.safe_state])).toEqual([
      ['fan-1', 'on'],
      ['fan-2', 'on'],
      ['heater', 'off'],
      ['feeder', 'unchanged'],
    ]);

    const bad = await call('POST', '/devices', {
      device_id: 'x-1',
      name: 'x',
      type: 'relay',
      firmware_version: 'v1',
      channels: [{ name: 'a', kind: 'laser', safe_state: 'on' }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.fields.map((f: { field: string }) => f.field)).toEqual(
      expect.arrayContaining(['body.firmware_version']),
    );
    const twice = await call('POST', '/devices', {
      device_id: 'x-2',
      name: 'x',
      type: 'relay',
      channels: [
        { name: 'a', kind: 'fan', safe_state: 'on' },
        { name: 'a', kind: 'fan', safe_state: 'off' },
      ],
    });
    expect(twice.statusCode).toBe(400);
    await call('POST', '/devices', { device_id: 'serial-1', name: 'x', type: 'sensor', hardware_id: 'SN-0001' });
    const taken = await call('POST', '/devices', {
      device_id: 'serial-2',
      name: 'x',
      type: 'sensor',
      hardware_id: 'SN-0001',
    });
    expect([taken.statusCode, taken.json().error_code]).toEqual([409, 'HARDWARE_ID_TAKEN']);
  });

  it('keeps configuration within its bounds and hands it to the device, retained', async () => {
    const device = await controller('house-b');
    const set = await call('PUT', '/devices/house-b/config/temperature_high', {
      value: 35,
      unit: '°C',
      min: 20,
      max: 45,
      calibrated: true,
    });
    expect(set.statusCode, set.body).toBe(200);
    const outside = await call('PUT', '/devices/house-b/config/temperature_high', { value: 60 });
    expect([outside.statusCode, outside.json().error_code]).toEqual([400, 'VALUE_OUT_OF_RANGE']);
    await call('PUT', '/devices/house-b/config/polling_interval_s', { value: 30, unit: 's' });
    await waitFor(() => device.config?.polling_interval_s === 30);
    expect(device.config).toEqual({ polling_interval_s: 30, temperature_high: 35 });
    // A device connecting later gets the retained configuration at once.
    const later = new SimulatedController({ ...device['options'] });
    controllers.push(later);
    await later.start();
    await waitFor(() => later.config?.temperature_high === 35);
  });
});

describe('presence', () => {
  it('is online with heartbeats, records health, and goes offline after three missed beats', async () => {
    const device = await controller('house-c');
    await waitFor(async () => (await call('GET', '/devices/house-c')).json().online === true);
    expect((await call('GET', '/devices/house-c')).json()).toMatchObject({
      signal_strength: -60,
      heap_free: 80_000,
      firmware_version: '1.0.0',
    });
    await device.goOffline(); // the embedded broker sees it leave
    await waitFor(async () => (await call('GET', '/devices/house-c')).json().online === false);
    await device.start();
    await waitFor(async () => (await call('GET', '/devices/house-c')).json().online === true);
    t.clock.advance(91_000);
    expect((await t.deps.services.commands.sweep()).offline).toBeGreaterThanOrEqual(1);
    expect((await call('GET', '/devices/house-c')).json().online).toBe(false);
    expect(events.filter((e) => e.type === 'device' && e.device === 'house-c').map((e) => e.event)).toEqual(
      expect.arrayContaining(['online', 'offline']),
    );
    const audit = (await call('GET', '/audit?category=devices'))
      .json()
      .data.map((e: { event_type: string }) => e.event_type);
    expect(audit).toEqual(expect.arrayContaining(['device.online', 'device.offline']));
  });
});

describe('commands', () => {
  it('go queued → sent → executing → completed, each step stamped and announced', async () => {
    const device = await controller('house-d');
    await waitFor(async () => (await call('GET', '/devices/house-d')).json().online === true);
    const res = await command('house-d', { action: 'on', channel: 'fan-1', priority: 'high' });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ status: 'queued', device: 'house-d', channel: 'fan-1', priority: 'high' });
    await settle(res.json().id, 'completed');
    const done = await status(res.json().id);
    for (const step of ['queued_at', 'sent_at', 'executing_at', 'finished_at']) expect(done[step], step).not.toBeNull();
    expect(done.new_state).toEqual({ 'fan-1': 'on' });
    expect(device.state['fan-1']).toBe('on');
    const announced = events
      .filter((e) => e.type === 'command' && (e.command as { id: string }).id === res.json().id)
      .map((e) => (e.command as { status: string }).status);
    expect(announced).toEqual(['queued', 'sent', 'executing', 'completed']);
    expect((await call('GET', '/devices/house-d')).json().last_command_status).toBe('completed');
  });

  it('and configuration reach a device that names its farm by id as well as by slug', async () => {
    const device = await controller('house-id', {}, true, true);
    await waitFor(async () => (await call('GET', '/devices/house-id')).json().online === true);
    const res = await command('house-id', { action: 'on', channel: 'heater' });
    expect(res.statusCode, res.body).toBe(202);
    await settle(res.json().id, 'completed');
    expect(device.state.heater).toBe('on');
    await call('PUT', '/devices/house-id/config/polling_interval_s', { value: 20, unit: 's' });
    await waitFor(() => device.config?.polling_interval_s === 20);
  });

  it('refuse what the device cannot do, in words', async () => {
    await createDevice(t.app, admin, farm, { device_id: 'probe-1', name: 'probe' });
    const cases: Array<[string, Record<string, unknown>, number, string]> = [
      ['probe-1', { action: 'on' }, 422, 'NOT_AN_ACTUATOR'],
      ['house-d', { action: 'set_speed', value: 50 }, 422, 'ACTION_NOT_SUPPORTED'],
      ['house-d', { action: 'on', channel: 'sprinkler' }, 400, 'UNKNOWN_CHANNEL'],
      ['house-d', { action: 'on', value: 3 }, 400, 'VALIDATION_FAILED'],
      ['house-d', { action: 'launch' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [device, body, code, error] of cases) {
      const res = await command(device, body);
      expect([res.statusCode, res.json().error_code], JSON.stringify(body)).toEqual([code, error]);
    }
    await createDevice(t.app, admin, farm, { device_id: 'dimmer-1', name: 'dimmer', type: 'pwm' });
    const high = await command('dimmer-1', { action: 'set_value', value: 300 });
    expect([high.statusCode, high.json().error_code]).toEqual([400, 'VALUE_OUT_OF_RANGE']);
    const viewer = await member(t.app, admin, farm, 'viewer', 'onlooker');
    expect((await command('house-d', { action: 'on' }, viewer)).statusCode).toBe(403);
  });

  it('stays online while another connection of it is open, and goes offline when the last one ends', async () => {
    await controller('house-k', {}, false);
    const hooks = telemetryBrokerHooks({
      db: t.deps.db,
      devices: t.deps.services.devices,
      commands: t.deps.services.commands,
      telemetry: t.deps.services.telemetry,
      log: t.deps.log,
      batchMs: 5,
      anonymousFarm: undefined,
      count: () => {},
    });
    const connection = () => ({ farmId: farm.id, farmRefs: new Set([farm.id, farm.slug]), device: 'house-k' });
    const heartbeat = (identity: ReturnType<typeof connection>) =>
      hooks.publish(identity, `croft/${farm.slug}/house-k/heartbeat`, Buffer.from('{}'));
    const online = async () => (await call('GET', '/devices/house-k')).json().online as boolean;
    const [old, fresh] = [connection(), connection()];
    hooks.connected(old);
    await heartbeat(old);
    expect(await online()).toBe(true);
    // The device lost Wi-Fi and came back; the broker noticed the new connection before the old one's end.
    hooks.connected(fresh);
    hooks.disconnected(old);
    await heartbeat(fresh); // presence changes of one device apply in order: this one comes after any already asked for
    expect(await online()).toBe(true);
    hooks.disconnected(fresh);
    await waitFor(async () => !(await online()));
    // Never offline in between: once online, once offline.
    const presence = () =>
      events.filter(
        (e) => e.type === 'device' && e.device === 'house-k' && (e.event === 'online' || e.event === 'offline'),
      );
    await waitFor(() => presence().length >= 2);
    expect(presence().map((e) => e.event)).toEqual(['online', 'offline']);
  });

  it('wait for an offline device and reach it when it reconnects; a repeated idempotency key answers the first', async () => {
    const device = await controller('house-e', {}, false);
    const first = await command('house-e', { action: 'off', channel: 'heater', idempotency_key: 'k-1' });
    const again = await command('house-e', { action: 'off', channel: 'heater', idempotency_key: 'k-1' });
    expect(again.json().id).toBe(first.json().id);
    expect((await status(first.json().id)).status).toBe('queued');
    await device.start();
    await settle(first.json().id, 'completed');
    expect(device.received.map((c) => c.command_id)).toEqual([first.json().id]);
  });

  it('expire when the device does not come back within their time to live', async () => {
    await controller('house-f', {}, false);
    const res = await command('house-f', { action: 'on', ttl_s: 60 });
    t.clock.advance(59_000);
    await t.deps.services.commands.sweep();
    expect((await status(res.json().id)).status).toBe('queued');
    t.clock.advance(2_000);
    expect((await t.deps.services.commands.sweep()).expired).toBe(1);
    expect(await status(res.json().id)).toMatchObject({ status: 'expired' });
  });

  it('time out without an answer in 30 s, and the sender is told', async () => {
    const device = await controller('house-g', { silent: true });
    const notices: BusMessage[] = [];
    const unsubscribe = await t.deps.bus.subscribe(`user:${admin.userId}`, (m) => void notices.push(m));
    const res = await command('house-g', { action: 'on', channel: 'fan-2' });
    await settle(res.json().id, 'sent');
    await waitFor(() => device.received.length === 1);
    t.clock.advance(29_000);
    await t.deps.services.commands.sweep();
    expect((await status(res.json().id)).status).toBe('sent');
    t.clock.advance(2_000);
    expect((await t.deps.services.commands.sweep()).timedOut).toBe(1);
    expect(await status(res.json().id)).toMatchObject({ status: 'timeout', error: expect.stringContaining('30 s') });
    expect(notices).toEqual([
      expect.objectContaining({ type: 'notification', kind: 'command_timeout', command_id: res.json().id }),
    ]);
    unsubscribe();
  });

  it('cancel only while queued', async () => {
    await controller('house-h', {}, false);
    const res = await command('house-h', { action: 'toggle' });
    const cancelled = await call('DELETE', `/commands/${res.json().id}`);
    expect([cancelled.statusCode, cancelled.json().status]).toEqual([200, 'cancelled']);
    const twice = await call('DELETE', `/commands/${res.json().id}`);
    expect([twice.statusCode, twice.json().error_code]).toEqual([409, 'NOT_CANCELLABLE']);
  });

  it('are run once by a well-behaved device however often they arrive', async () => {
    const device = await controller('house-i', { silent: true });
    const res = await command('house-i', { action: 'on', channel: 'fan-1' });
    await waitFor(() => device.received.length === 1); // run, but the answer is lost
    await device.goOffline();
    t.clock.advance(5_000); // it comes back a few seconds later
    device.behaviour = { repeatAcks: true };
    await device.start(); // Croft sends the unanswered command again
    await settle(res.json().id, 'completed');
    expect(device.received.filter((c) => c.command_id === res.json().id).length).toBeGreaterThanOrEqual(2);
    expect(device.executed.get(res.json().id)).toBe(1);
    expect((await status(res.json().id)).deliveries).toBeGreaterThanOrEqual(2);
  });

  it('go to many devices in one batch, or to none when one cannot take it', async () => {
    const a = await controller('row-1');
    const b = await controller('row-2');
    const refused = await call('POST', '/commands/batch', { devices: ['row-1', 'probe-1'], action: 'on' });
    expect(refused.statusCode).toBe(422);
    expect((await call('GET', '/commands?device=row-1')).json().data).toEqual([]);
    const batch = await call('POST', '/commands/batch', {
      devices: ['row-1', 'row-2'],
      action: 'on',
      channel: 'fan-1',
    });
    expect(batch.statusCode, batch.body).toBe(202);
    for (const c of batch.json().commands) await settle(c.id, 'completed');
    expect([a.state['fan-1'], b.state['fan-1']]).toEqual(['on', 'on']);
  });
});

describe('a restart', () => {
  it('loses nothing that waited, and sends nothing again that the device answered', async () => {
    const device = await controller('house-z');
    const done = (await command('house-z', { action: 'on', channel: 'fan-1' })).json();
    await settle(done.id, 'completed');
    await device.goOffline();
    await waitFor(async () => (await call('GET', '/devices/house-z')).json().online === false);
    const waiting = (await command('house-z', { action: 'off', channel: 'fan-1' })).json();
    t.clock.advance(5_000);
    // Another process on the same database, with its own broker, as after a restart.
    const next = await createTestApp({ database: t.database, mqtt: true, now: t.clock.now().toISOString() });
    const moved = new SimulatedController({
      ...device['options'],
      broker: `mqtt://127.0.0.1:${next.deps.mqtt.status.port}`,
    });
    try {
      await moved.start();
      await settle(waiting.id, 'completed');
      expect(moved.received.map((c) => c.command_id)).toEqual([waiting.id]);
    } finally {
      await moved.stop();
      await next.close();
    }
  });
});

describe('emergency stop', () => {
  it('cancels the queue, sends every channel to its safe state first, and holds until released', async () => {
    const offline = await controller('house-x', {}, false);
    const waiting = [
      await command('house-x', { action: 'off', channel: 'fan-1' }),
      await command('house-x', { action: 'on', channel: 'heater', priority: 'high' }),
    ];
    const stop = await call('POST', '/emergency-stop', { reason: 'fire in house x' });
    expect(stop.statusCode, stop.body).toBe(200);
    expect(stop.json().cancelled).toBeGreaterThanOrEqual(2);
    for (const w of waiting) expect((await status(w.json().id)).status).toBe('cancelled');
    const mine = stop.json().commands.filter((c: { device: string }) => c.device === 'house-x');
    expect(
      mine.map((c: { channel: string; action: string; priority: string }) => [c.channel, c.action, c.priority]),
    ).toEqual([
      ['fan-1', 'on', 'emergency'],
      ['fan-2', 'on', 'emergency'],
      ['heater', 'off', 'emergency'],
    ]);

    const refused = await command('house-x', { action: 'on', channel: 'heater' });
    expect([refused.statusCode, refused.json().error_code]).toEqual([423, 'EMERGENCY_STOP']);
    expect((await call('GET', '/emergency-stop')).json()).toMatchObject({
      holding: true,
      stop: { reason: 'fire in house x' },
    });

    await offline.start();
    for (const c of mine) await settle(c.id, 'completed');
    expect(offline.state).toEqual({ 'fan-1': 'on', 'fan-2': 'on', heater: 'off' });
    expect(offline.received.map((c) => c.action)).toEqual(['on', 'on', 'off']);

    const released = await call('POST', '/emergency-stop/release');
    expect(released.statusCode, released.body).toBe(200);
    expect((await command('house-x', { action: 'on', channel: 'heater' })).statusCode).toBe(202);
    const audit = (await call('GET', '/audit?category=commands'))
      .json()
      .data.map((e: { event_type: string }) => e.event_type);
    expect(audit).toEqual(expect.arrayContaining(['farm.emergency_stop', 'farm.emergency_stop_released']));
  });
});

describe('credentials', () => {
  it('rotating them disconnects the device at once; the old password no longer opens', async () => {
    const device = await controller('house-r');
    const gone = device.disconnected();
    const rotated = await call('POST', '/devices/house-r/credentials');
    expect(rotated.statusCode).toBe(201);
    await gone;
    await expect(device.start()).rejects.toThrow();
    const revoked = await call('DELETE', '/devices/house-r/credentials');
    expect(revoked.statusCode).toBe(204);
    const withNew = new SimulatedController({
      broker,
      username: rotated.json().username,
      password: rotated.json().password,
      topicPrefix: rotated.json().mqtt.topic_prefix,
    });
    await expect(withNew.start()).rejects.toThrow();
  });
});

describe('idempotency keys (the one rule for client-made ids)', () => {
  const keyed = (key: string, extra: Record<string, unknown> = {}) => ({
    action: 'on',
    channel: 'fan-1',
    idempotency_key: key,
    ...extra,
  });
  const withKey = async (key: string) => {
    const all = (await call('GET', '/commands?limit=200')).json().data as Array<Record<string, unknown>>;
    return all.filter((c) => c.idempotency_key === key);
  };

  it('answer 202 first, 200 with the same body for the same command, 409 IDEMPOTENCY_CONFLICT else', async () => {
    await controller('idem-1', {}, false);
    await controller('idem-2', {}, false);
    const first = await command('idem-1', keyed('same-1', { priority: 'high' }));
    expect(first.statusCode, first.body).toBe(202);
    const again = await command('idem-1', {
      priority: 'high',
      idempotency_key: 'same-1',
      channel: 'fan-1',
      action: 'on',
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(first.json());
    // The device named by its id is the same device.
    const device = (await call('GET', '/devices/idem-1')).json().id;
    expect((await command(device, keyed('same-1', { priority: 'high' }))).statusCode).toBe(200);
    const different: Array<[string, Record<string, unknown>]> = [
      ['idem-1', keyed('same-1')], // priority left out: not the same as high
      ['idem-1', keyed('same-1', { priority: 'high', channel: 'fan-2' })], // another channel
      ['idem-2', keyed('same-1', { priority: 'high' })], // another device
    ];
    for (const [label, body] of different) {
      const taken = await command(label, body);
      expect([taken.statusCode, taken.json().error_code], `${label} ${JSON.stringify(body)}`).toEqual([
        409,
        'IDEMPOTENCY_CONFLICT',
      ]);
    }
    expect(await withKey('same-1')).toHaveLength(1);
    // A repeat answers its command whatever has happened since: here the device was switched off.
    expect((await call('PATCH', '/devices/idem-1', { active: false })).statusCode).toBe(200);
    const late = await command('idem-1', keyed('same-1', { priority: 'high' }));
    expect([late.statusCode, late.json().id]).toEqual([200, first.json().id]);
    expect((await command('idem-1', keyed('same-1b'))).json().error_code).toBe('DEVICE_INACTIVE');
  });

  it('are the farm’s own: another farm may use the same key', async () => {
    await controller('idem-3', {}, false);
    expect((await command('idem-3', keyed('shared-key'))).statusCode).toBe(202);
    const elsewhere = await createFarm(t.app, admin, 'Other controller farm');
    const at = (path: string, payload: object) =>
      t.app.inject({ method: 'POST', url: `/api/v1/farms/${elsewhere.slug}${path}`, headers: admin.headers, payload });
    const channels = [
      { name: 'fan-1', kind: 'fan', safe_state: 'on' },
      { name: 'heater', kind: 'heater', safe_state: 'off' },
    ];
    const registered = await at('/devices', { device_id: 'idem-3', name: 'Their relay', type: 'relay', channels });
    expect(registered.statusCode, registered.body).toBe(201);
    const theirs = await at('/devices/idem-3/commands', keyed('shared-key', { channel: 'heater' }));
    expect([theirs.statusCode, theirs.json().channel], theirs.body).toEqual([202, 'heater']);
    expect((await at('/devices/idem-3/commands', keyed('shared-key', { channel: 'heater' }))).statusCode).toBe(200);
    expect((await withKey('shared-key')).map((c) => c.channel)).toEqual(['fan-1']);
  });

  it('store one command for two identical requests at once: one 202, one 200', async () => {
    await controller('idem-4', {}, false);
    const both = await Promise.all([command('idem-4', keyed('twin-1')), command('idem-4', keyed('twin-1'))]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 202]);
    expect(both[0]!.json().id).toBe(both[1]!.json().id);
    expect(await withKey('twin-1')).toHaveLength(1);
  });
});
