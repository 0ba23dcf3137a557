import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { createDevice, login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';
import { waitFor } from '../../../test/helpers/wait.js';
import type { BusMessage } from '../../platform/live/bus.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let smtp: SMTPServer;
const mails: string[] = [];
const events: BusMessage[] = [];

const url = (path: string) => `/api/v1/farms/${farm.slug}${path}`;
const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: unknown, who: Actor = admin) =>
  t.app.inject({
    method,
    url: path.startsWith('/api/') ? path : url(path),
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const read = async (device: string, metric: string, value: number) => {
  t.clock.advance(1_000);
  const res = await call('POST', '/telemetry', {
    readings: [{ device, metric, ts: t.clock.now().toISOString(), value }],
  });
  expect(res.json().accepted, res.body).toBe(1);
  await t.deps.services.alerts.evaluate(farm.id);
};
const alertsOf = async (state = 'active') =>
  (await call('GET', `/alerts?state=${state}`)).json().data as Array<Record<string, unknown>>;
const inbox = async (who: Actor = admin) => (await call('GET', '/api/v1/notifications', undefined, who)).json();

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      let text = '';
      stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
      stream.on('end', () => {
        mails.push(text);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  t = await createTestApp({
    workJobs: true,
    now: '2026-06-10T05:00:00Z',
    env: {
      CROFT_ACCESS_TOKEN_TTL_S: '86400',
      CROFT_WEBHOOK_ALLOW_PRIVATE: 'on',
      CROFT_WEBHOOK_RETRY_S: '1,1,1',
      CROFT_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      CROFT_SMTP_FROM: 'croft@farm.test',
    },
  });
  ({ admin, farm } = await setupAdmin(t.app)); // Asia/Phnom_Penh: 12:00 local
  admin = await login(t.app, admin.email);
  for (const id of ['coop-1', 'coop-2', 'scale-1']) await createDevice(t.app, admin, farm, { device_id: id });
  await t.deps.bus.subscribe(`farm:${farm.id}`, (m) => void events.push(m));
});

afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe('threshold rules', () => {
  it('raise exactly one alert while the crossing lasts, then resolve it by themselves', async () => {
    const rule = await call('POST', '/alert-rules', {
      name: 'Too hot',
      kind: 'threshold',
      metric: 'temperature',
      operator: '>',
      value: 32,
      aggregate: 'avg',
      window_s: 120,
      severity: 'warning',
      clear_s: 60,
    });
    expect(rule.statusCode, rule.body).toBe(201);
    expect(rule.json().warnings).toEqual([expect.stringContaining('Nothing has sent "temperature" yet')]);
    await read('coop-1', 'temperature', 30);
    expect(await alertsOf()).toEqual([]);
    await read('coop-1', 'temperature', 36);
    await read('coop-1', 'temperature', 37);
    await read('coop-1', 'temperature', 38);
    const active = await alertsOf();
    expect(active).toEqual([
      expect.objectContaining({ type: 'temperature_high', state: 'triggered', severity: 'warning' }),
    ]);
    expect(events.filter((e) => e.type === 'alert' && e.change === 'triggered').length).toBe(1);
    // Cooled down: cleared, but resolved only after 60 s of it.
    t.clock.advance(200_000);
    await read('coop-1', 'temperature', 25);
    expect((await alertsOf())[0]).toMatchObject({ state: 'triggered' });
    t.clock.advance(61_000);
    await read('coop-1', 'temperature', 24);
    expect(await alertsOf()).toEqual([]);
    expect((await alertsOf('resolved'))[0]).toMatchObject({ resolved_by: null });
    await call('DELETE', `/alert-rules/${rule.json().id}`);
  });

  it('are acknowledged and resolved by hand, each step announced and audited', async () => {
    const rule = (
      await call('POST', '/alert-rules', {
        name: 'Dry',
        kind: 'threshold',
        metric: 'humidity',
        device: 'coop-2',
        operator: 'outside',
        value: [40, 80],
        aggregate: 'last',
        window_s: 600,
        severity: 'critical',
      })
    ).json();
    await read('coop-2', 'humidity', 35);
    const [alert] = await alertsOf();
    expect(alert).toMatchObject({ type: 'humidity_out_of_range', severity: 'critical' });
    const ack = await call('POST', `/alerts/${alert!.id}/acknowledge`);
    expect([ack.statusCode, ack.json().state, ack.json().acknowledged_by]).toEqual([200, 'acknowledged', admin.userId]);
    expect((await call('POST', `/alerts/${alert!.id}/acknowledge`)).statusCode).toBe(409);
    const resolved = await call('POST', `/alerts/${alert!.id}/resolve`);
    expect(resolved.json()).toMatchObject({ state: 'resolved', resolved_by: admin.userId });
    expect(
      events.filter((e) => e.type === 'alert' && (e.alert as { id: string }).id === alert!.id).map((e) => e.change),
    ).toEqual(['triggered', 'acknowledged', 'resolved']);
    const audit = (await call('GET', '/audit?category=alerts'))
      .json()
      .data.map((e: { event_type: string }) => e.event_type);
    expect(audit).toEqual(expect.arrayContaining(['alert.triggered', 'alert.acknowledged', 'alert.resolved']));
    await call('DELETE', `/alert-rules/${rule.id}`);
  });

  it('refuse incomplete rules in words', async () => {
    const res = await call('POST', '/alert-rules', {
      name: 'x',
      kind: 'threshold',
      metric: 'temperature',
      operator: 'outside',
      value: 3,
      severity: 'info',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.fields.map((f: { field: string }) => f.field)).toEqual(
      expect.arrayContaining(['body.aggregate', 'body.window_s', 'body.value']),
    );
  });
});

describe('presence rules', () => {
  it('raise offline and silent alerts from device presence and readings', async () => {
    const offline = (
      await call('POST', '/alert-rules', {
        name: 'Gone',
        kind: 'offline',
        device: 'scale-1',
        minutes: 30,
        severity: 'critical',
      })
    ).json();
    const silent = (
      await call('POST', '/alert-rules', {
        name: 'Quiet',
        kind: 'silent',
        device: 'scale-1',
        minutes: 10,
        severity: 'warning',
      })
    ).json();
    await t.deps.services.devices.heartbeat(farm.id, 'scale-1');
    await read('scale-1', 'weight', 45);
    await t.deps.services.devices.markOffline(farm.id, 'scale-1', 'test');
    t.clock.advance(11 * 60_000);
    await t.deps.services.alerts.evaluate(farm.id);
    expect((await alertsOf()).map((a) => a.type)).toEqual(['device_silent']);
    t.clock.advance(20 * 60_000);
    await t.deps.services.alerts.evaluate(farm.id);
    expect((await alertsOf()).map((a) => a.type).sort()).toEqual(['device_offline', 'device_silent']);
    for (const r of [offline, silent]) await call('DELETE', `/alert-rules/${r.id}`);
  });
});

describe('notifications', () => {
  it('reach the inbox with an unread count, pushed live, and are marked read', async () => {
    const worker = await member(t.app, admin, farm, 'worker', 'keeper');
    const pushed: BusMessage[] = [];
    const unsubscribe = await t.deps.bus.subscribe(`user:${worker.userId}`, (m) => void pushed.push(m));
    const before = (await inbox(worker)).unread;
    const rule = (
      await call('POST', '/alert-rules', {
        name: 'Ammonia',
        kind: 'threshold',
        metric: 'ammonia',
        operator: '>',
        value: 25,
        aggregate: 'last',
        window_s: 300,
        severity: 'warning',
      })
    ).json();
    await read('coop-1', 'ammonia', 30);
    await waitFor(async () => (await inbox(worker)).unread === before + 1);
    const box = await inbox(worker);
    expect(box.data[0]).toMatchObject({
      title: expect.stringContaining('Ammonia'),
      severity: 'important',
      read: false,
      farm_id: farm.id,
    });
    expect(pushed).toEqual([
      expect.objectContaining({ type: 'notification', title: expect.stringContaining('Ammonia') }),
    ]);
    expect((await call('POST', `/api/v1/notifications/${box.data[0].id}/read`, undefined, worker)).statusCode).toBe(
      204,
    );
    expect((await inbox(worker)).unread).toBe(before);
    unsubscribe();
    await call('DELETE', `/alert-rules/${rule.id}`);
  });

  it('keep quiet hours across midnight (only critical passes) and stay muted for the hours asked', async () => {
    const night = await member(t.app, admin, farm, 'viewer', 'sleeper');
    // 23:30 in Phnom Penh.
    t.clock.set('2026-06-10T16:30:00Z');
    night.headers = (await login(t.app, night.email)).headers;
    const sub = (
      await call(
        'POST',
        '/api/v1/notification-subscriptions',
        {
          channel: 'in_app',
          min_severity: 'info',
          quiet_start: '22:00',
          quiet_end: '06:00',
          time_zone: 'Asia/Phnom_Penh',
        },
        night,
      )
    ).json();
    const warm = (
      await call('POST', '/alert-rules', {
        name: 'Warm',
        kind: 'threshold',
        metric: 'temp_b',
        operator: '>',
        value: 30,
        aggregate: 'last',
        window_s: 60,
        severity: 'warning',
      })
    ).json();
    const fire = (
      await call('POST', '/alert-rules', {
        name: 'Fire',
        kind: 'threshold',
        metric: 'temp_b',
        operator: '>',
        value: 50,
        aggregate: 'last',
        window_s: 60,
        severity: 'critical',
      })
    ).json();
    await read('coop-2', 'temp_b', 60);
    await waitFor(async () => (await inbox(night)).data.length === 1);
    expect((await inbox(night)).data[0].title).toContain('Fire');
    const muted = await call('POST', `/api/v1/notification-subscriptions/${sub.id}/mute`, { hours: 4 }, night);
    expect(Date.parse(muted.json().muted_until) - t.clock.now().getTime()).toBe(4 * 3_600_000);
    for (const r of [warm, fire]) await call('DELETE', `/alert-rules/${r.id}`);
    const again = (
      await call('POST', '/alert-rules', {
        name: 'Fire again',
        kind: 'threshold',
        metric: 'temp_b',
        operator: '>',
        value: 50,
        aggregate: 'last',
        window_s: 60,
        severity: 'critical',
      })
    ).json();
    await read('coop-2', 'temp_b', 61);
    await new Promise((r) => setTimeout(r, 200));
    expect((await inbox(night)).data.length).toBe(1); // muted: not even critical
    await call('DELETE', `/alert-rules/${again.id}`);
    t.clock.set('2026-06-10T17:00:00Z');
  });

  it('refuse an unknown time zone; one stored anyway keeps nobody else from hearing of an alert', async () => {
    const refused = await call('POST', '/api/v1/notification-subscriptions', {
      channel: 'in_app',
      time_zone: 'Mars/Olympus',
    });
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().details.fields).toEqual([expect.objectContaining({ field: 'body.time_zone' })]);
    const broken = await member(t.app, admin, farm, 'viewer', 'broken-zone');
    const fine = await member(t.app, admin, farm, 'viewer', 'fine-zone');
    // A zone stored before zones were checked (or one a newer runtime no longer knows).
    await t.deps.db.system((tx) =>
      tx
        .insertInto('notification_subscriptions')
        .values({
          user_id: broken.userId,
          farm_id: null,
          alert_type: null,
          min_severity: 'info',
          channel: 'in_app',
          target: null,
          secret: null,
          quiet_start: '22:00',
          quiet_end: '06:00',
          time_zone: 'Mars/Olympus',
          muted_until: null,
          created_at: t.clock.now(),
        })
        .execute(),
    );
    const before = (await inbox(fine)).unread;
    const rule = (
      await call('POST', '/alert-rules', {
        name: 'Zone test',
        kind: 'threshold',
        metric: 'zone_test',
        operator: '>',
        value: 1,
        aggregate: 'last',
        window_s: 60,
        severity: 'warning',
      })
    ).json();
    await read('coop-1', 'zone_test', 5);
    await waitFor(async () => (await inbox(fine)).unread === before + 1);
    expect((await inbox(broken)).data).toEqual([]);
    await call('DELETE', `/alert-rules/${rule.id}`);
  });

  it('sign webhooks, retry failures, and record every attempt; email goes to the SMTP server', async () => {
    const received: Array<{ body: string; signature: string | undefined }> = [];
    let failures = 2;
    const hook = http.createServer((request, response) => {
      let body = '';
      request.on('data', (c: Buffer) => (body += c.toString()));
      request.on('end', () => {
        received.push({ body, signature: request.headers['x-croft-signature'] as string | undefined });
        response.statusCode = failures-- > 0 ? 500 : 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const target = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/croft`;
      const sub = (
        await call('POST', '/api/v1/notification-subscriptions', { channel: 'webhook', target, farm: farm.slug })
      ).json();
      expect(sub.secret).toEqual(expect.any(String));
      await call('POST', '/api/v1/notification-subscriptions', {
        channel: 'email',
        target: 'farmer@farm.test',
        min_severity: 'critical',
      });
      const rule = (
        await call('POST', '/alert-rules', {
          name: 'Flood',
          kind: 'threshold',
          metric: 'water_level',
          operator: '>',
          value: 90,
          aggregate: 'last',
          window_s: 60,
          severity: 'critical',
        })
      ).json();
      await read('coop-1', 'water_level', 95);
      await waitFor(() => received.length === 3, 15_000);
      const expected = `sha256=${createHmac('sha256', sub.secret).update(received[2]!.body).digest('hex')}`;
      expect(received.map((r) => r.signature)).toEqual([expected, expected, expected]);
      expect(JSON.parse(received[2]!.body)).toMatchObject({
        event: 'alert.triggered',
        alert: { type: 'water_level_high', severity: 'critical' },
      });
      await waitFor(
        async () => (await t.deps.services.notifications.deliveries(admin.userId))[0]?.status === 'delivered',
        5_000,
      );
      const [delivery] = await t.deps.services.notifications.deliveries(admin.userId);
      expect((delivery!.attempts as Array<{ status: number }>).map((a) => a.status)).toEqual([500, 500, 200]);
      await waitFor(() => mails.some((m) => m.includes('Flood')), 10_000);
      expect(mails.find((m) => m.includes('Flood'))).toContain('To: farmer@farm.test');
      await call('DELETE', `/alert-rules/${rule.id}`);
    } finally {
      hook.close();
    }
  }, 30_000);

  it('refuse webhook targets in private networks unless allowed', async () => {
    const guarded = await createTestApp({ env: { CROFT_WEBHOOK_ALLOW_PRIVATE: 'off' } });
    try {
      const { admin: someone } = await setupAdmin(guarded.app);
      for (const target of [
        'http://127.0.0.1:9/x',
        'http://169.254.169.254/latest',
        'http://[::1]/x',
        'http://10.0.0.5/x',
        'ftp://example.org/x',
      ]) {
        const res = await guarded.app.inject({
          method: 'POST',
          url: '/api/v1/notification-subscriptions',
          headers: someone.headers,
          payload: { channel: 'webhook', target },
        });
        expect(res.statusCode, target).toBe(400);
      }
    } finally {
      await guarded.close();
    }
  });
});

describe('webhook targets, judged where they are reached', () => {
  it('never reach loopback through a mapped IPv6 address or a name resolving to it', async () => {
    const arrived: string[] = [];
    const listener = http.createServer((request, response) => {
      arrived.push(request.url ?? '');
      response.end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    const guarded = await createTestApp({ env: { CROFT_WEBHOOK_ALLOW_PRIVATE: 'off', CROFT_WEBHOOK_RETRY_S: '1' } });
    try {
      const { admin: someone } = await setupAdmin(guarded.app);
      const mapped = `http://[::ffff:127.0.0.1]:${port}/mapped`;
      const refused = await guarded.app.inject({
        method: 'POST',
        url: '/api/v1/notification-subscriptions',
        headers: someone.headers,
        payload: { channel: 'webhook', target: mapped },
      });
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().error_code).toBe('WEBHOOK_TARGET_REFUSED');
      // Targets that got past the check at subscribing (a name that resolved elsewhere then): delivery
      // judges them again.
      const attempt = async (target: string) => {
        const deliveryId = await guarded.deps.db.system(async (tx) => {
          const sub = await tx
            .insertInto('notification_subscriptions')
            .values({
              user_id: someone.userId,
              farm_id: null,
              alert_type: null,
              min_severity: 'info',
              channel: 'webhook',
              target,
              secret: 'secret',
              quiet_start: null,
              quiet_end: null,
              time_zone: 'UTC',
              muted_until: null,
              created_at: guarded.clock.now(),
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          const delivery = await tx
            .insertInto('webhook_deliveries')
            .values({
              user_id: someone.userId,
              subscription_id: sub.id,
              notification_id: null,
              url: target,
              body: '{}',
              attempts: JSON.stringify([]),
              status: 'pending',
              created_at: guarded.clock.now(),
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          return delivery.id;
        });
        await guarded.deps.services.notifications.deliverWebhook(deliveryId);
        const deliveries = await guarded.deps.services.notifications.deliveries(someone.userId);
        const delivery = deliveries.find((d) => d.id === deliveryId)!;
        expect(delivery.status, target).toBe('failed'); // refused: not tried again
        return (delivery.attempts as Array<{ error: string | null }>)[0]!;
      };
      expect((await attempt(mapped)).error).toMatch(/^Webhook target refused: .* not a public address/);
      // A name is resolved once, at the connection, and every address it resolves to is judged there.
      expect((await attempt(`http://localhost:${port}/by-name`)).error).toMatch(
        /localhost resolves to .* not a public/,
      );
      expect(arrived).toEqual([]);
    } finally {
      await guarded.close();
      listener.close();
    }
  });
});

describe('subscription limits', () => {
  it('refuse one subscription more than a person, or a farm, may have (409), until one is removed', async () => {
    const capped = await createTestApp({
      env: { CROFT_SUBSCRIPTIONS_PER_USER: '3', CROFT_SUBSCRIPTIONS_PER_FARM: '5', CROFT_WEBHOOK_ALLOW_PRIVATE: 'on' },
    });
    try {
      const { admin: owner, farm: own } = await setupAdmin(capped.app);
      const subscribe = (who: Actor, payload: object) =>
        capped.app.inject({ method: 'POST', url: '/api/v1/notification-subscriptions', headers: who.headers, payload });
      const hook = { channel: 'webhook', target: 'http://127.0.0.1:9/hook' };
      // The owner's three all-farms subscriptions reach the farm too.
      const mine = [];
      for (let i = 0; i < 3; i++) {
        const res = await subscribe(owner, hook);
        expect(res.statusCode, res.body).toBe(201);
        mine.push(res.json().id as string);
      }
      const fourth = await subscribe(owner, { ...hook, farm: own.slug });
      expect(fourth.statusCode).toBe(409);
      expect(fourth.json()).toMatchObject({ error_code: 'SUBSCRIPTION_LIMIT', details: { limit: 3, per: 'user' } });
      const other = await member(capped.app, owner, own, 'viewer', 'capped');
      for (let i = 0; i < 2; i++) expect((await subscribe(other, { ...hook, farm: own.slug })).statusCode).toBe(201);
      const sixth = await subscribe(other, { channel: 'in_app' });
      expect(sixth.statusCode).toBe(409);
      expect(sixth.json()).toMatchObject({
        error_code: 'SUBSCRIPTION_LIMIT',
        details: { limit: 5, per: 'farm', farm_id: own.id },
      });
      const removed = await capped.app.inject({
        method: 'DELETE',
        url: `/api/v1/notification-subscriptions/${mine[0]}`,
        headers: owner.headers,
      });
      expect(removed.statusCode).toBe(204);
      expect((await subscribe(other, { channel: 'in_app' })).statusCode).toBe(201);
    } finally {
      await capped.close();
    }
  });
});
