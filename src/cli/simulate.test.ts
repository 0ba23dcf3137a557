import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.js';
import {
  createDeviceWithCredentials,
  createLocation,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../test/helpers/factories.js';
import { waitFor } from '../../test/helpers/wait.js';
import { createLogger } from '../platform/logger.js';
import { testConfig } from '../../test/helpers/app.js';
import { simulateCommand, startDeviceSimulation, startSimulation, type SimulationOptions } from './simulate.js';
import { localMoment, parseFrom } from './simulate.engine.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let url: string;
/** When the server's (manual) clock starts; back-fills run up to it. */
let started: Date;
const log = createLogger(testConfig());

const latest = async (device: string) => {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/farms/${farm.slug}/telemetry/latest?device=${device}`,
    headers: admin.headers,
  });
  return res.statusCode === 200 ? (res.json().metrics as Array<{ metric: string; value: number }>) : [];
};

beforeAll(async () => {
  // The simulator stamps readings with the real time; the server's clock starts there too.
  started = new Date();
  t = await createTestApp({ mqtt: true, now: started.toISOString() });
  ({ admin, farm } = await setupAdmin(t.app));
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});

afterAll(() => t.close());

describe('croft simulate', () => {
  it('registers hive scales that report on the BeeAPI topic, and reuses them on a second run', async () => {
    const first = await startSimulation({
      url,
      token: admin.token,
      farm: farm.slug,
      devices: 3,
      intervalS: 0.2,
      kind: 'hive',
      mqttUrl: undefined,
      log,
    });
    try {
      expect(first.devices).toEqual(['sim-hive-001', 'sim-hive-002', 'sim-hive-003']);
      await waitFor(async () => (await latest('sim-hive-003')).length === 4, 10_000);
      const weight = (await latest('sim-hive-001')).find((m) => m.metric === 'weight')!.value;
      expect(weight).toBeGreaterThan(38);
      expect(weight).toBeLessThan(55);
    } finally {
      await first.stop();
    }
    const again = await startSimulation({
      url,
      token: admin.token,
      farm: farm.slug,
      devices: 3,
      intervalS: 0.2,
      kind: 'hive',
      mqttUrl: undefined,
      log,
    });
    await waitFor(() => again.acknowledged >= 3, 10_000);
    await again.stop();
    const devices = (
      await t.app.inject({ method: 'GET', url: `/api/v1/farms/${farm.slug}/devices`, headers: admin.headers })
    ).json().data;
    expect(devices.map((d: { device_id: string }) => d.device_id)).toEqual([
      'sim-hive-001',
      'sim-hive-002',
      'sim-hive-003',
    ]);
  }, 30_000);

  it('sends greenhouse climate on Croft’s own topic', async () => {
    const run = await startSimulation({
      url,
      token: admin.token,
      farm: farm.slug,
      devices: 1,
      intervalS: 0.2,
      kind: 'greenhouse',
      mqttUrl: undefined,
      log,
    });
    try {
      await waitFor(
        async () =>
          (await latest('sim-greenhouse-001'))
            .map((m) => m.metric)
            .sort()
            .join() === 'co2,humidity,light,temperature',
        10_000,
      );
    } finally {
      await run.stop();
    }
  });

  it('runs controllers that take commands and answer them, or fail them when told to', async () => {
    const good = await startSimulation({
      url,
      token: admin.token,
      farm: farm.slug,
      devices: 1,
      intervalS: 1,
      kind: 'controller',
      mqttUrl: undefined,
      log,
    });
    const post = (device: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/farms/${farm.slug}/devices/${device}/commands`,
        headers: admin.headers,
        payload: { action: 'on', channel: 'fan-1' },
      });
    const status = async (id: string) =>
      (
        await t.app.inject({ method: 'GET', url: `/api/v1/farms/${farm.slug}/commands/${id}`, headers: admin.headers })
      ).json().status;
    try {
      const device = (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/farms/${farm.slug}/devices/sim-controller-001`,
          headers: admin.headers,
        })
      ).json();
      expect(device.channels.map((c: { name: string }) => c.name)).toEqual(['fan-1', 'fan-2', 'heater', 'feeder']);
      const res = await post('sim-controller-001');
      await waitFor(async () => (await status(res.json().id)) === 'completed', 10_000);
    } finally {
      await good.stop();
    }
    const failing = await startSimulation({
      url,
      token: admin.token,
      farm: farm.slug,
      devices: 1,
      intervalS: 1,
      kind: 'controller',
      mqttUrl: undefined,
      log,
      behaviour: { fail: true },
    });
    try {
      const res = await post('sim-controller-001');
      await waitFor(async () => (await status(res.json().id)) === 'failed', 10_000);
    } finally {
      await failing.stop();
    }
  }, 30_000);

  it('says clearly when Croft does not answer', async () => {
    await expect(
      startSimulation({
        url: 'http://127.0.0.1:9',
        token: undefined,
        farm: 'x',
        devices: 1,
        intervalS: 1,
        kind: 'house',
        mqttUrl: undefined,
        log,
      }),
    ).rejects.toThrow(/does not answer/);
  });

  it('runs one registered device with the credentials the web app shows: readings, presence and commands, no token', async () => {
    const api = (method: 'GET' | 'POST', path: string, payload?: object) =>
      t.app.inject({
        method,
        url: `/api/v1/farms/${farm.slug}${path}`,
        headers: admin.headers,
        ...(payload ? { payload } : {}),
      });
    const { credentials } = await createDeviceWithCredentials(t.app, admin, farm, {
      device_id: 'house-7',
      name: 'House 7',
      type: 'relay',
      channels: [{ name: 'fan', kind: 'fan', safe_state: 'on' }],
    });
    const broker = `mqtt://127.0.0.1:${credentials.port}`;
    const run = await startDeviceSimulation({
      broker,
      username: credentials.username,
      password: credentials.password,
      topicPrefix: credentials.topicPrefix,
      kind: 'controller',
      intervalS: 0.2,
      log,
    });
    try {
      await waitFor(async () => (await latest('house-7')).some((m) => m.metric === 'temperature'), 10_000);
      expect((await api('GET', '/devices/house-7')).json().online).toBe(true);
      const command = (await api('POST', '/devices/house-7/commands', { action: 'on', channel: 'fan' })).json();
      await waitFor(async () => (await api('GET', `/commands/${command.id}`)).json().status === 'completed', 10_000);
    } finally {
      await run.stop();
    }
    // Wrong credentials are refused in words.
    await expect(
      startDeviceSimulation({
        broker,
        username: credentials.username,
        password: 'wrong',
        topicPrefix: credentials.topicPrefix,
        kind: 'controller',
        intervalS: 1,
        log,
      }),
    ).rejects.toThrow(/cannot connect/);
  }, 30_000);

  it('refuses --as without a device topic or a broker, saying what is missing', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (text: string) => void errors.push(text);
    try {
      expect(await simulateCommand(['--as', 'user:secret'], {}, log)).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors.join()).toMatch(/--topic must be croft\/FARM\/DEVICE/);
    expect(errors.join()).toMatch(/--mqtt is required with --as/);
  });
});

describe('croft simulate --location --from', () => {
  const zone = 'Asia/Phnom_Penh'; // the farm's (setupAdmin)
  const backfill = (overrides: Partial<SimulationOptions> = {}) =>
    startSimulation({
      url,
      token: admin.token,
      farm: farm.slug,
      devices: 2,
      intervalS: 5,
      kind: 'greenhouse',
      mqttUrl: undefined,
      log,
      seed: 7,
      now: () => started,
      ...overrides,
    });
  const series = async (device: string, resolution: 'hour' | 'day', from: Date, to: Date) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/farms/${farm.slug}/telemetry?device=${device}&metric=temperature&from=${from.toISOString()}&to=${to.toISOString()}&resolution=${resolution}`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(200);
    return (res.json().points as Array<{ ts: string; min: number; max: number; count: number }>).filter(
      (p) => Date.parse(p.ts) >= from.getTime() && Date.parse(p.ts) < to.getTime(),
    );
  };

  it('places greenhouse sensors at a location, back-fills three days over HTTP, and stores nothing twice on a second run', async () => {
    const greenhouse = await createLocation(t.app, admin, farm, {
      name: 'Greenhouse North',
      type: 'greenhouse',
      code: 'GH-N',
    });
    // Three full local days before today, and today up to the server's clock.
    const today = localMoment(started, zone).date;
    const first = new Date(Date.parse(`${today}T00:00:00Z`) - 3 * 86_400_000).toISOString().slice(0, 10);
    const from = parseFrom(first, zone)!;
    const steps = Math.ceil((started.getTime() - from.getTime()) / 600_000);
    const expected = steps * 4 * 2; // four metrics, two devices

    const run = await backfill({ location: 'GH-N', backfill: { from: first, stepS: 600, only: true } });
    expect(run.devices).toEqual(['sim-greenhouse-001', 'sim-greenhouse-002']);
    expect(run.locationId).toBe(greenhouse.id);
    expect(run.backfill).toMatchObject({
      from: from.toISOString(),
      sent: expected,
      accepted: expected,
      duplicate: 0,
      rejected: 0,
    });
    // sim-greenhouse-001, kept from the test above, moved there; sim-greenhouse-002 was registered there.
    const devices = (
      await t.app.inject({ method: 'GET', url: `/api/v1/farms/${farm.slug}/devices`, headers: admin.headers })
    ).json().data as Array<{ device_id: string; location_id: string | null }>;
    expect(
      devices.filter((d) => d.device_id.startsWith('sim-greenhouse')).map((d) => [d.device_id, d.location_id]),
    ).toEqual([
      ['sim-greenhouse-001', greenhouse.id],
      ['sim-greenhouse-002', greenhouse.id],
    ]);

    await t.deps.services.telemetry.rollUpDirty();
    const end = new Date(from.getTime() + 3 * 86_400_000);
    for (const device of ['sim-greenhouse-001', 'sim-greenhouse-002']) {
      const hours = await series(device, 'hour', from, end);
      expect(hours).toHaveLength(72);
      expect(hours.every((h) => h.count === 6)).toBe(true);
      // Local days (the farm's midnight): nights of 12–15 °C, afternoons of 23–28 °C.
      const days = await series(device, 'day', from, end);
      expect(days.map((d) => d.ts)).toEqual(
        [0, 1, 2].map((i) => new Date(from.getTime() + i * 86_400_000).toISOString()),
      );
      for (const day of days) {
        expect(day.min).toBeGreaterThan(11.5);
        expect(day.min).toBeLessThan(15.5);
        expect(day.max).toBeGreaterThan(22.5);
        expect(day.max).toBeLessThan(28.8);
      }
    }

    // The same back-fill again (an interrupted one resumed, or run twice): all resent, nothing stored.
    const again = await backfill({ location: greenhouse.id, backfill: { from: first, stepS: 600, only: true } });
    expect(again.backfill).toMatchObject({ sent: expected, accepted: 0, duplicate: expected, rejected: 0 });
    await t.deps.services.telemetry.rollUpDirty();
    const hours = await series('sim-greenhouse-001', 'hour', from, end);
    expect(hours.every((h) => h.count === 6)).toBe(true);
  }, 60_000);

  it('names the locations an ambiguous --location could mean, and says when there is none', async () => {
    const a = await createLocation(t.app, admin, farm, { name: 'Tunnel', type: 'tunnel' });
    const b = await createLocation(t.app, admin, farm, { name: 'tunnel', type: 'tunnel', code: 'T-2' });
    // Listed in the API's order (by id): each is named, with its code when it has one.
    const refusal = await backfill({ location: 'Tunnel' }).then(
      () => '',
      (error: Error) => error.message,
    );
    expect(refusal).toMatch(/"Tunnel" is ambiguous: 2 locations match/);
    expect(refusal).toContain(`Tunnel: ${a.id}`);
    expect(refusal).toContain(`tunnel (code T-2): ${b.id}`);
    // A code names one (in any case).
    const run = await backfill({
      location: 't-2',
      devices: 1,
      backfill: { from: new Date(started.getTime() - 3_600_000).toISOString(), stepS: 600, only: true },
    });
    expect(run.locationId).toBe(b.id);
    expect(run.backfill).toMatchObject({ sent: 24, rejected: 0 });
    await expect(backfill({ location: 'Nowhere' })).rejects.toThrow(/no location with the id, code or name "Nowhere"/);
    await expect(backfill({ location: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow(/no location 0000/);
  });

  it('refuses a back-fill it could not store, before registering anything', async () => {
    const future = new Date(started.getTime() + 86_400_000).toISOString();
    await expect(backfill({ kind: 'house', backfill: { from: future, stepS: 600, only: true } })).rejects.toThrow(
      /is not in the past/,
    );
    await expect(backfill({ kind: 'house', backfill: { from: '2000-01-01', stepS: 600, only: true } })).rejects.toThrow(
      /older than the farm keeps raw readings \(90 days\)/,
    );
    await expect(backfill({ kind: 'house', backfill: { from: 'last week', stepS: 600, only: true } })).rejects.toThrow(
      /is not a date/,
    );
    const devices = (
      await t.app.inject({ method: 'GET', url: `/api/v1/farms/${farm.slug}/devices`, headers: admin.headers })
    ).json().data as Array<{ device_id: string }>;
    expect(devices.some((d) => d.device_id.startsWith('sim-house'))).toBe(false);
  });

  it('checks the back-fill options on the command line', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (text: string) => void errors.push(text);
    try {
      expect(await simulateCommand(['--farm', 'f', '--kind', 'controller', '--from', '2026-10-01'], {}, log)).toBe(2);
      expect(await simulateCommand(['--farm', 'f', '--backfill-only'], {}, log)).toBe(2);
      expect(await simulateCommand(['--farm', 'f', '--from', '2026-10-01', '--backfill-step', '0'], {}, log)).toBe(2);
      expect(await simulateCommand(['--farm', 'f', '--seed', '1.5'], {}, log)).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors[0]).toMatch(/controllers send no readings to back-fill/);
    expect(errors[1]).toMatch(/--backfill-only needs --from/);
    expect(errors[2]).toMatch(/--backfill-step must be 1s to 24h/);
    expect(errors[3]).toMatch(/--seed must be a whole number/);
    // A back-fill alone ends by itself, with exit code 0.
    const from = new Date(started.getTime() - 1_800_000).toISOString();
    const args = ['--farm', farm.slug, '--kind', 'hive', '--devices', '1', '--from', from, '--backfill-only'];
    expect(await simulateCommand([...args, '--url', url, '--token', admin.token], {}, log)).toBe(0);
    expect((await latest('sim-hive-001')).map((m) => m.metric).sort()).toEqual([
      'humidity',
      'sound_level',
      'temperature',
      'weight',
    ]);
  });
});
