import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import {
  createDevice,
  createFarm,
  login,
  member,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';
import { LiveClient, ofType, type LiveMessage } from '../../../test/helpers/live.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let base: string;
const clients: LiveClient[] = [];

const url = (path = '') => `/api/v1/farms/${farm.slug}${path}`;
const open = (path: string, headers: Record<string, string> = {}) => {
  const client = new LiveClient(`${base.replace('http', 'ws')}${path}`, headers);
  clients.push(client);
  return client;
};
const ingest = async (readings: unknown[], who: Actor = admin) => {
  const res = await t.app.inject({
    method: 'POST',
    url: url('/telemetry'),
    headers: who.headers,
    payload: { readings },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
/** A socket on the farm, signed in by its first message. */
const signedIn = async (who: Actor = admin, farmRef = farm.slug) => {
  const client = open(`/api/v1/farms/${farmRef}/live`);
  await client.opened;
  client.send({ type: 'auth', token: who.token });
  await client.waitFor(ofType('authenticated'));
  return client;
};
const readings = (c: LiveClient) => c.messages.filter(ofType('reading'));

beforeAll(async () => {
  t = await createTestApp({
    env: {
      CROFT_LIVE_CHECK_MS: '20',
      CROFT_LIVE_AUTH_TIMEOUT_MS: '300',
      CROFT_HOST: '127.0.0.1',
      CROFT_PUBLIC_URL: 'https://farm.example.org',
      CROFT_ALLOWED_ORIGINS: 'http://localhost:5173',
      CROFT_LIVE_SOCKETS_PER_USER: '4',
      CROFT_LIVE_RECHECK_S: '30',
    },
  });
  ({ admin, farm } = await setupAdmin(t.app));
  t.clock.set('2026-06-10T12:00:00Z');
  admin = await login(t.app, admin.email);
  for (const id of ['coop-1', 'coop-2']) await createDevice(t.app, admin, farm, { device_id: id });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const c of clients.splice(0)) {
    expect(c.invalid, 'every message matches the AsyncAPI schema').toEqual([]);
    c.close();
  }
});

afterAll(() => t.close());

describe('live socket: signing in', () => {
  it('sends nothing before a valid auth, then confirms it with the token’s expiry', async () => {
    await ingest([{ device: 'coop-1', metric: 'temperature', ts: '2026-06-10T11:00:00Z', value: 20 }]);
    const client = open(url('/live'));
    await client.opened;
    await new Promise((r) => setTimeout(r, 50));
    expect(client.messages).toEqual([]);
    client.send({ type: 'auth', token: admin.token });
    const [hello] = await client.waitFor(ofType('authenticated'));
    expect(hello).toMatchObject({ farm: { id: farm.id, slug: farm.slug } });
    expect(Date.parse(hello!.expires_at as string)).toBeGreaterThan(t.clock.now().getTime());
  });

  it('closes a socket that does not sign in within the time allowed', async () => {
    const client = open(url('/live'));
    await client.opened;
    expect((await client.closed).code).toBe(4001);
    expect(client.messages.at(-1)).toMatchObject({ type: 'error', error_code: 'AUTH_TIMEOUT' });
  });

  it('refuses a bad token, a first message that is not auth, and a farm the caller is not in', async () => {
    const bad = open(url('/live'));
    await bad.opened;
    bad.send({ type: 'auth', token: 'not-a-token' });
    expect((await bad.closed).code).toBe(4001);
    expect(bad.messages.filter((m) => m.type !== 'error')).toEqual([]);

    const early = open(url('/live'));
    await early.opened;
    early.send({ type: 'subscribe' });
    expect((await early.closed).code).toBe(4001);

    const stranger = await member(t.app, admin, await createFarm(t.app, admin, 'Other Farm'), 'viewer', 'stranger');
    const foreign = open(url('/live'));
    await foreign.opened;
    foreign.send({ type: 'auth', token: stranger.token });
    expect((await foreign.closed).code).toBe(4004);
    expect(foreign.messages.map((m) => m.type)).toEqual(['error']);
  });

  it('accepts the Authorization header instead, and answers a bad one before the upgrade', async () => {
    const client = open(url('/live'), { authorization: `Bearer ${admin.token}` });
    await client.waitFor(ofType('authenticated'));
    await expect(open(url('/live'), { authorization: 'Bearer nope' }).opened).rejects.toMatchObject({ status: 401 });
    await expect(
      open('/api/v1/farms/no-such-farm/live', { authorization: `Bearer ${admin.token}` }).opened,
    ).rejects.toMatchObject({ status: 404 });
  });

  it('checks the Origin of browsers: its own pages yes, others no', async () => {
    await expect(open(url('/live'), { origin: 'https://evil.example' }).opened).rejects.toMatchObject({ status: 403 });
    const own = open(url('/live'), { origin: base });
    await own.opened;
    await open(url('/live'), { origin: 'https://farm.example.org' }).opened; // CROFT_PUBLIC_URL's
    await open(url('/live'), { origin: 'http://localhost:5173' }).opened; // CROFT_ALLOWED_ORIGINS
    await expect(open(url('/live'), { origin: 'https://farm.example.org.evil.example' }).opened).rejects.toMatchObject({
      status: 403,
    });
  });

  it('closes when the token expires, unless a new one came in time', async () => {
    const kept = await signedIn();
    const lapsed = await signedIn();
    const expiry = Date.parse(kept.messages[0]!.expires_at as string);
    t.clock.set(new Date(expiry - 60_000));
    const fresh = await login(t.app, admin.email); // issued at the moved clock, so it lasts longer
    kept.send({ type: 'auth', token: fresh.token });
    await kept.waitFor(ofType('authenticated'), 2);
    t.clock.set(new Date(expiry + 1_000));
    expect((await lapsed.closed).code).toBe(4001);
    expect(lapsed.messages.at(-1)).toMatchObject({ type: 'error', error_code: 'TOKEN_EXPIRED' });
    kept.send({ type: 'ping' });
    await kept.waitFor(ofType('pong'));
    t.clock.set('2026-06-10T12:00:00Z');
    admin = await login(t.app, admin.email);
  });

  it('closes when the member is removed from the farm', async () => {
    const worker = await member(t.app, admin, farm, 'worker', 'leaver');
    const client = await signedIn(worker);
    const res = await t.app.inject({ method: 'DELETE', url: url(`/members/${worker.userId}`), headers: admin.headers });
    expect(res.statusCode, res.body).toBe(204);
    expect((await client.closed).code).toBe(4003);
    expect(client.messages.at(-1)).toMatchObject({ type: 'error', error_code: 'MEMBERSHIP_REMOVED' });
  });
});

describe('live socket: credentials that stop working, and limits', () => {
  const newKey = async (role = 'viewer') => {
    const res = await t.app.inject({
      method: 'POST',
      url: url('/api-keys'),
      headers: admin.headers,
      payload: { name: `Live ${role}`, role },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; key: string };
  };

  it('closes a socket opened with an API key as soon as the key is revoked, and no other', async () => {
    const { id, key } = await newKey();
    const byMessage = await signedIn({ ...admin, token: key });
    const byHeader = open(url('/live'), { authorization: `Bearer ${key}` });
    await byHeader.waitFor(ofType('authenticated'));
    const person = await signedIn();
    const res = await t.app.inject({ method: 'DELETE', url: url(`/api-keys/${id}`), headers: admin.headers });
    expect(res.statusCode, res.body).toBe(204);
    for (const client of [byMessage, byHeader]) {
      expect(await client.closed).toEqual({ code: 4001, reason: 'API_KEY_REVOKED' });
      expect(client.messages.at(-1)).toMatchObject({ type: 'error', error_code: 'API_KEY_REVOKED' });
    }
    person.send({ type: 'ping' });
    await person.waitFor(ofType('pong'));
  });

  it('checks credential and farm again every CROFT_LIVE_RECHECK_S: a disabled account, a deleted farm', async () => {
    const worker = await member(t.app, admin, farm, 'worker', 'disabled-later');
    const workerSocket = await signedIn(worker);
    const doomed = await createFarm(t.app, admin, 'Doomed Farm');
    const doomedSocket = await signedIn(admin, doomed.slug);
    const kept = await signedIn();
    const disabled = await t.app.inject({
      method: 'POST',
      url: `/api/v1/users/${worker.userId}/disable`,
      headers: admin.headers,
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/farms/${doomed.slug}`,
      headers: admin.headers,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    // Nothing tells the sockets; the next re-check, 30 s on, finds out.
    workerSocket.send({ type: 'ping' });
    await workerSocket.waitFor(ofType('pong'));
    t.clock.set(new Date(t.clock.now().getTime() + 31_000));
    expect(await workerSocket.closed).toEqual({ code: 4001, reason: 'CREDENTIAL_REVOKED' });
    expect(await doomedSocket.closed).toEqual({ code: 4003, reason: 'FARM_ACCESS_LOST' });
    kept.send({ type: 'ping' });
    await kept.waitFor(ofType('pong'), 1);
    expect(kept.ws.readyState).toBe(kept.ws.OPEN);
    t.clock.set('2026-06-10T12:00:00Z');
  });

  it('refuses a socket beyond CROFT_LIVE_SOCKETS_PER_USER for one person, counting keys apart', async () => {
    const person = await member(t.app, admin, farm, 'viewer', 'many-tabs');
    const four = [];
    for (let i = 0; i < 4; i++) four.push(await signedIn(person));
    const fifth = open(url('/live'));
    await fifth.opened;
    fifth.send({ type: 'auth', token: person.token });
    expect(await fifth.closed).toEqual({ code: 4029, reason: 'TOO_MANY_SOCKETS' });
    expect(fifth.messages.at(-1)).toMatchObject({ type: 'error', error_code: 'TOO_MANY_SOCKETS' });
    expect(fifth.messages.at(-1)!.message).toContain('4');
    const { key } = await newKey();
    await signedIn({ ...person, token: key }); // a key's sockets are its own
    // A closed socket makes room again (once the server has seen it close).
    four[0]!.close();
    await four[0]!.closed;
    for (let attempt = 0; ; attempt++) {
      const again = open(url('/live'));
      await again.opened;
      again.send({ type: 'auth', token: person.token });
      const first = await again.waitFor(() => true);
      if (first[0]!.type === 'authenticated') break;
      expect(first[0]).toMatchObject({ error_code: 'TOO_MANY_SOCKETS' });
      expect(attempt).toBeLessThan(50);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});

describe('live socket: readings', () => {
  it('starts a subscription with the last 10 readings of each series, then every new one as it is committed', async () => {
    const history = Array.from({ length: 12 }, (_, i) => ({
      device: 'coop-2',
      metric: 'humidity',
      ts: new Date(Date.parse('2026-06-10T10:00:00Z') + i * 60_000).toISOString(),
      value: 50 + i,
    }));
    await ingest(history);
    const client = await signedIn();
    client.send({ type: 'subscribe', devices: ['coop-2'], metrics: ['humidity'] });
    await client.waitFor(ofType('subscribed'));
    const past = await client.waitFor((m) => m.type === 'reading' && m.history === true, 10);
    expect(past.map((m) => m.value)).toEqual([52, 53, 54, 55, 56, 57, 58, 59, 60, 61]);

    const result = await ingest([
      { device: 'coop-2', metric: 'humidity', ts: '2026-06-10T11:30:00Z', value: 70 },
      { device: 'coop-2', metric: 'humidity', ts: '2026-06-10T10:00:00Z', value: 1 }, // a resend: stored once, not news
      { device: 'coop-2', metric: 'temperature', ts: '2026-06-10T11:30:00Z', value: 21 }, // another metric
      { device: 'coop-1', metric: 'humidity', ts: '2026-06-10T11:30:00Z', value: 40 }, // another device
    ]);
    expect(result).toMatchObject({ accepted: 3, duplicate: 1 });
    const [live] = await client.waitFor((m) => m.type === 'reading' && !m.history);
    expect(live).toEqual({
      type: 'reading',
      device: 'coop-2',
      metric: 'humidity',
      ts: '2026-06-10T11:30:00.000Z',
      value: 70,
      quality: 0,
    });
    await ingest([{ device: 'coop-2', metric: 'humidity', ts: '2026-06-10T11:31:00Z', value: 71 }]);
    await client.waitFor((m) => m.type === 'reading' && m.value === 71);
    expect(
      readings(client)
        .filter((m) => !m.history)
        .map((m) => m.value),
    ).toEqual([70, 71]);
  });

  it('subscribes to the whole farm by default, to devices by id too, and stops on unsubscribe', async () => {
    const device = (await t.app.inject({ method: 'GET', url: url('/devices/coop-1'), headers: admin.headers })).json();
    const whole = await signedIn();
    const byId = await signedIn();
    whole.send({ type: 'subscribe' });
    byId.send({ type: 'subscribe', devices: [device.id] });
    const [ack] = await byId.waitFor(ofType('subscribed'));
    expect(ack).toMatchObject({ devices: ['coop-1'], metrics: null });
    await whole.waitFor(ofType('subscribed'));
    await ingest([
      { device: 'coop-1', metric: 'ammonia', ts: '2026-06-10T11:40:00Z', value: 3 },
      { device: 'coop-2', metric: 'ammonia', ts: '2026-06-10T11:40:00Z', value: 4 },
    ]);
    const got = await whole.waitFor((m) => m.type === 'reading' && m.metric === 'ammonia', 2);
    expect(got.map((m) => m.device).sort()).toEqual(['coop-1', 'coop-2']);
    await byId.waitFor((m) => m.type === 'reading' && m.metric === 'ammonia');
    expect(
      readings(byId)
        .filter((m) => m.metric === 'ammonia')
        .map((m) => m.device),
    ).toEqual(['coop-1']);

    whole.send({ type: 'unsubscribe' });
    whole.send({ type: 'ping' });
    await whole.waitFor(ofType('pong'));
    const before = readings(whole).length;
    await ingest([{ device: 'coop-1', metric: 'ammonia', ts: '2026-06-10T11:41:00Z', value: 5 }]);
    await byId.waitFor((m) => m.type === 'reading' && m.value === 5);
    expect(readings(whole).length).toBe(before);
  });

  it('answers a malformed message with an error and keeps the socket', async () => {
    const client = await signedIn();
    client.send('not json');
    client.send({ type: 'subscribe', devices: 'coop-1' });
    client.send({ type: 'dance' });
    const errors = await client.waitFor(ofType('error'), 3);
    expect(errors.map((e) => e.error_code)).toEqual(['BAD_MESSAGE', 'BAD_MESSAGE', 'BAD_MESSAGE']);
    expect(errors[1]!.message).toContain('/devices');
    client.send({ type: 'ping' });
    await client.waitFor(ofType('pong'));
  });
});

describe('live socket: other events', () => {
  it('carries farm events to subscribers (narrowed by device) and a person’s notifications on every socket they have', async () => {
    const all = await signedIn();
    const one = await signedIn();
    all.send({ type: 'subscribe' });
    one.send({ type: 'subscribe', devices: ['coop-2'] });
    await all.waitFor(ofType('subscribed'));
    await one.waitFor(ofType('subscribed'));
    const personal = open('/api/v1/live');
    await personal.opened;
    personal.send({ type: 'auth', token: admin.token });
    const [hello] = await personal.waitFor(ofType('authenticated'));
    expect(hello!.farm).toBeNull();

    const { live } = t.deps;
    live.farmEvent(farm.id, { type: 'alert', device: 'coop-1', state: 'triggered' });
    live.farmEvent(farm.id, { type: 'command', device: 'coop-2', status: 'completed' });
    live.notification(admin.userId, { id: 'n1', title: 'Too hot in coop 1' });
    await all.waitFor((m) => m.type === 'alert' || m.type === 'command', 2);
    await one.waitFor(ofType('command'));
    for (const socket of [all, one, personal]) await socket.waitFor(ofType('notification'));
    expect(one.messages.filter(ofType('alert'))).toEqual([]);
    expect(personal.messages.map((m: LiveMessage) => m.type)).toEqual(['authenticated', 'notification']);
  });
});
