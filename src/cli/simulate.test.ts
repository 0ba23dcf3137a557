import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.js';
import { createDeviceWithCredentials, setupAdmin, type Actor, type FarmRef } from '../../test/helpers/factories.js';
import { waitFor } from '../../test/helpers/wait.js';
import { createLogger } from '../platform/logger.js';
import { testConfig } from '../../test/helpers/app.js';
import { simulateCommand, startDeviceSimulation, startSimulation } from './simulate.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let url: string;
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
  t = await createTestApp({ mqtt: true, now: new Date().toISOString() });
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
