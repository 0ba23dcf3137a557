import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Json } from '../../../test/helpers/app.js';
import {
  createFarm,
  createLocation,
  login,
  member,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';

/** Calendar feeds through the API: made, fetched as iCalendar without a session, listed, revoked. */

const PUBLIC_URL = 'https://farm.example.org';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let worker: Actor;
let viewer: Actor;
let manager: Actor;
let runPlantIds: string[];
let soloId: string;
const logged: Array<Record<string, unknown>> = [];
/** Every token handed out in this file: none may ever reach a log line. */
const tokens: string[] = [];

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin, on = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${on.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

/** Makes a feed as `who`, keeping its token to look for in the logs. */
async function makeFeed(who: Actor, name?: string, on = farm) {
  const res = await api('POST', '/calendar-feeds', name === undefined ? {} : { name }, who, on);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  tokens.push(tokenOf(res.body.url as string));
  return res.body;
}

const tokenOf = (url: string) => /\/api\/v1\/calendar\/([^/]+)\.ics$/.exec(url)![1]!;

/** Fetches a feed the way a calendar app does: its address, no credentials. */
function fetchFeed(url: string) {
  return t.app.inject({ method: 'GET', url: url.slice(PUBLIC_URL.length), headers: { 'user-agent': 'Calendar/1.0' } });
}

interface VEvent {
  props: Map<string, { params: string; value: string }>;
}

/** A small iCalendar reader (RFC 5545): unfolds lines, then each VEVENT's properties by name. */
function parseICalendar(text: string): { calendar: Map<string, string>; events: VEvent[] } {
  expect(text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
  expect(text.trimEnd().endsWith('END:VCALENDAR')).toBe(true);
  const lines = text
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .filter(Boolean);
  const calendar = new Map<string, string>();
  const events: VEvent[] = [];
  let current: VEvent | null = null;
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') {
      current = { props: new Map() };
      continue;
    }
    if (line === 'END:VEVENT') {
      events.push(current!);
      current = null;
      continue;
    }
    const colon = line.indexOf(':');
    const head = line.slice(0, colon);
    const [name, ...params] = head.split(';');
    const value = line.slice(colon + 1);
    if (current) current.props.set(name!, { params: params.join(';'), value });
    else calendar.set(name!, value);
  }
  return { calendar, events };
}

const unescape = (v: string) => v.replace(/\\n/g, '\n').replace(/\\([,;\\])/g, '$1');
const summary = (e: VEvent) => unescape(e.props.get('SUMMARY')!.value);
const uid = (e: VEvent) => e.props.get('UID')!.value;
const start = (e: VEvent) => e.props.get('DTSTART')!;

beforeAll(async () => {
  t = await createTestApp({
    now: '2026-03-01T03:00:00Z', // 10:00 in Phnom Penh
    env: { CROFT_ACCESS_TOKEN_TTL_S: '86400', CROFT_PUBLIC_URL: PUBLIC_URL },
    logLines: logged,
  });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  worker = await member(t.app, admin, farm, 'worker');
  viewer = await member(t.app, admin, farm, 'viewer');
  manager = await member(t.app, admin, farm, 'manager');

  // A run of three tomatoes and one tomato on its own, all put in at 10:00 on 1 March (germination).
  const greenhouse = await createLocation(t.app, admin, farm, { name: 'Greenhouse', type: 'greenhouse' });
  const bed = await createLocation(t.app, admin, farm, {
    name: 'North bed',
    type: 'bed',
    code: 'NB',
    parent_id: greenhouse.id,
  });
  const run = await api('POST', '/planting-runs', {
    name: 'Tomatoes, spring',
    type: 'monoculture',
    location: bed.id,
    entries: [{ species: 'solanum-lycopersicum', quantity: 3, id_prefix: 'TOM' }],
  });
  expect(run.status, JSON.stringify(run.body)).toBe(201);
  const made = await api('POST', `/planting-runs/${run.body.id}/plants`, { planted_on: '2026-03-01' });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  runPlantIds = (made.body.plants as Json[]).map((p) => p.id as string);
  const solo = await api('POST', '/plants', { species: 'solanum-lycopersicum', label: 'SOLO-1' });
  expect(solo.status, JSON.stringify(solo.body)).toBe(201);
  soloId = solo.body.id;
});

afterAll(() => t.close());

describe('making a feed', () => {
  it('answers its secret address once, as https and as webcal', async () => {
    const feed = await makeFeed(admin, 'My phone');
    expect(feed).toMatchObject({ name: 'My phone', created_by: { id: admin.userId }, last_fetched_at: null });
    expect(feed.url).toMatch(/^https:\/\/farm\.example\.org\/api\/v1\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    expect(feed.webcal_url).toBe(feed.url.replace('https:', 'webcal:'));
    // A feed without a name gets one.
    expect((await makeFeed(admin)).name).toBe('Croft calendar');
  });

  it('validates its input, naming the field', async () => {
    const blank = await api('POST', '/calendar-feeds', { name: '   ' });
    expect(blank.status).toBe(400);
    expect(blank.body.details.fields).toEqual([expect.objectContaining({ field: 'body.name' })]);
    const stray = await api('POST', '/calendar-feeds', { name: 'x', token: 'mine' });
    expect(stray.status).toBe(400);
    expect(stray.body.details.fields).toEqual([expect.objectContaining({ field: 'body.token' })]);
    const long = await api('POST', '/calendar-feeds', { name: 'x'.repeat(101) });
    expect(long.status).toBe(400);
  });

  it('is for people: a viewer may keep one, an API key may not', async () => {
    expect((await makeFeed(viewer, 'Viewer phone')).created_by.id).toBe(viewer.userId);
    const key = await api('POST', '/api-keys', { name: 'script', role: 'admin' });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    const byKey = await api('POST', '/calendar-feeds', {}, { headers: { authorization: `Bearer ${key.body.key}` } });
    expect(byKey.status).toBe(403);
    expect(byKey.body.details).toMatchObject({ reason: 'person_only' });
    // Nothing is made without a sign-in.
    const anonymous = await t.app.inject({ method: 'POST', url: `/api/v1/farms/${farm.slug}/calendar-feeds` });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('fetching a feed', () => {
  it('is iCalendar with the expected phase changes, one event per run and phase, stable UIDs', async () => {
    const feed = await makeFeed(worker, 'Worker phone');
    const res = await fetchFeed(feed.url);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    const { calendar, events } = parseICalendar(res.body);
    expect(calendar.get('VERSION')).toBe('2.0');
    expect(calendar.get('X-WR-CALNAME')).toBe('Sunny Acres · Croft');

    // Tomatoes (annual-fruiting: germination 7, seedling 21, vegetative 28, flowering 21, fruiting 35 days,
    // then harvest, terminal), put in at 10:00 on 1 March: the first full day is 2 March, so seedling from
    // 9 March, vegetative 30 March, flowering 27 April, fruiting 18 May, harvest 22 June — all within 120 days.
    const firstOfRun = runPlantIds[0]!; // NB_TOM_01, the run's first label
    const expected = [
      ['seedling', '20260309'],
      ['vegetative', '20260330'],
      ['flowering', '20260427'],
      ['fruiting', '20260518'],
      ['harvest', '20260622'],
    ];
    expect(events).toHaveLength(expected.length * 2);
    for (const [phase, day] of expected) {
      const forRun = events.find((e) => uid(e) === `phase-${firstOfRun}-${phase}@croft`);
      expect(forRun, phase).toBeDefined();
      expect(summary(forRun!)).toBe(`Tomatoes, spring: 3 plants → ${phase}`);
      expect(start(forRun!)).toEqual({ params: 'VALUE=DATE', value: day });
      const description = unescape(forRun!.props.get('DESCRIPTION')!.value);
      expect(description).toContain('Plants: NB_TOM_01, NB_TOM_02, NB_TOM_03');
      expect(description).toContain('Species: Solanum lycopersicum');

      const forSolo = events.find((e) => uid(e) === `phase-${soloId}-${phase}@croft`);
      expect(summary(forSolo!)).toBe(`SOLO-1 → ${phase}`);
      expect(start(forSolo!).value).toBe(day);
    }
    // An all-day event lasts its day.
    const seedling = events.find((e) => uid(e) === `phase-${firstOfRun}-seedling@croft`)!;
    expect(seedling.props.get('DTEND')).toEqual({ params: 'VALUE=DATE', value: '20260310' });
    // The fetch is noted; the token never is.
    const listed = await api('GET', '/calendar-feeds', undefined, worker);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ id: feed.id, last_fetched_at: t.clock.now().toISOString() }),
    ]);
  });

  it('moves an event instead of adding one when a plant’s date changes (same UID)', async () => {
    const feed = await makeFeed(admin, 'Moves');
    // The solo tomato is moved to seedling by hand at 23:00 on 1 March: its later changes come forward.
    t.clock.set('2026-03-01T16:00:00Z');
    const moved = await api('POST', `/plants/${soloId}/phase-transitions`, { to: 'seedling' });
    expect(moved.status, JSON.stringify(moved.body)).toBeLessThan(300);
    const { events } = parseICalendar((await fetchFeed(feed.url)).body);
    const soloEvents = events.filter((e) => uid(e).startsWith(`phase-${soloId}-`));
    // No seedling event any more; vegetative 21 days from 2 March (the first full day in seedling).
    expect(soloEvents.map((e) => [uid(e), start(e).value])).toEqual([
      [`phase-${soloId}-vegetative@croft`, '20260323'],
      [`phase-${soloId}-flowering@croft`, '20260420'],
      [`phase-${soloId}-fruiting@croft`, '20260511'],
      [`phase-${soloId}-harvest@croft`, '20260615'],
    ]);
    // The run's events are the same as before.
    expect(events.filter((e) => uid(e).startsWith(`phase-${runPlantIds[0]}-`))).toHaveLength(5);
  });

  it('answers 404 for an unknown or malformed token, in the one error shape', async () => {
    for (const path of [
      `/api/v1/calendar/${'A'.repeat(43)}.ics`,
      '/api/v1/calendar/short.ics',
      `/api/v1/calendar/${'x'.repeat(60)}.ics`,
      '/api/v1/calendar/.ics',
    ]) {
      const res = await t.app.inject({ method: 'GET', url: path });
      expect(res.statusCode, path).toBe(404);
      expect(res.json().error_code).toMatch(/NOT_FOUND/);
    }
  });
});

describe('open tasks in the feed', () => {
  it('shows each open task at its due time (all day when due at a day’s start); done ones leave', async () => {
    const feed = await makeFeed(admin, 'Tasks');
    const task = async (body: Record<string, unknown>) => {
      const res = await api('POST', '/tasks', body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const timed = await task({
      title: 'Water the tomatoes',
      kind: 'water',
      due_at: '2026-03-02T01:30:00Z',
      notes: 'Both rows',
    });
    // Midnight of 5 March in Phnom Penh: a task given a day, not an hour.
    const allDay = await task({ title: 'Order seed', due_at: '2026-03-04T17:00:00Z' });
    const done = await task({ title: 'Done already', due_at: '2026-03-02T02:00:00Z' });
    const beyond = await task({ title: 'Next winter', due_at: '2026-12-01T02:00:00Z' });

    const before = parseICalendar((await fetchFeed(feed.url)).body).events;
    const byUid = new Map(before.map((e) => [uid(e), e]));
    const water = byUid.get(`task-${timed}@croft`)!;
    expect(summary(water)).toBe('Water the tomatoes');
    expect(start(water)).toEqual({ params: '', value: '20260302T013000Z' });
    expect(water.props.get('DTEND')!.value).toBe('20260302T020000Z');
    expect(unescape(water.props.get('DESCRIPTION')!.value)).toBe('Task (water)\nBoth rows');
    expect(start(byUid.get(`task-${allDay}@croft`)!)).toEqual({ params: 'VALUE=DATE', value: '20260305' });
    expect(byUid.has(`task-${done}@croft`)).toBe(true);
    // Beyond the 120 days a feed looks ahead.
    expect(byUid.has(`task-${beyond}@croft`)).toBe(false);

    const completed = await api('POST', `/tasks/${done}/complete`, { id: randomUUID() });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    const after = parseICalendar((await fetchFeed(feed.url)).body).events.map(uid);
    expect(after).not.toContain(`task-${done}@croft`);
    expect(after).toContain(`task-${timed}@croft`);
    expect(after).toHaveLength(before.length - 1);
  });
});

describe('listing and revoking', () => {
  it('lists a member’s own feeds, a manager every member’s, never a token', async () => {
    const own = await api('GET', '/calendar-feeds', undefined, viewer);
    expect(own.status).toBe(200);
    expect(own.body.data.map((f: Json) => f.name)).toEqual(['Viewer phone']);
    const all = await api('GET', '/calendar-feeds', undefined, manager);
    const makers = new Set(all.body.data.map((f: Json) => f.created_by.id));
    expect(makers).toEqual(new Set([admin.userId, viewer.userId, worker.userId]));
    for (const token of tokens) expect(JSON.stringify(all.body)).not.toContain(token);
    expect(Object.keys(all.body.data[0]).sort()).toEqual(['created_at', 'created_by', 'id', 'last_fetched_at', 'name']);
  });

  it('revokes: the address answers 404 at once; someone else’s feed only a manager may revoke', async () => {
    const feed = await makeFeed(worker, 'To revoke');
    expect((await fetchFeed(feed.url)).statusCode).toBe(200);
    // The viewer does not even see the worker's feed.
    expect((await api('DELETE', `/calendar-feeds/${feed.id}`, undefined, viewer)).status).toBe(404);
    expect((await fetchFeed(feed.url)).statusCode).toBe(200);
    const revoked = await api('DELETE', `/calendar-feeds/${feed.id}`, undefined, manager);
    expect(revoked.status).toBe(204);
    const res = await fetchFeed(feed.url);
    expect(res.statusCode).toBe(404);
    expect(res.json().error_code).toMatch(/NOT_FOUND/);
    expect((await api('DELETE', `/calendar-feeds/${feed.id}`, undefined, manager)).status).toBe(404);
    const listed = await api('GET', '/calendar-feeds', undefined, worker);
    expect(listed.body.data.map((f: Json) => f.id)).not.toContain(feed.id);
    // The member revokes their own.
    const mine = await makeFeed(viewer, 'Mine');
    expect((await api('DELETE', `/calendar-feeds/${mine.id}`, undefined, viewer)).status).toBe(204);
    expect((await fetchFeed(mine.url)).statusCode).toBe(404);
    // The revocation is in the audit log.
    const audit = await api('GET', '/audit?event_type=calendar_feed.revoked');
    expect(audit.status).toBe(200);
    expect(audit.body.data).toHaveLength(2);
  });

  it('answers 404 for another farm’s feed and for an id that is not one', async () => {
    const other = await createFarm(t.app, admin, 'Hill Farm');
    const theirs = await makeFeed(admin, 'Hill phone', other);
    expect((await api('DELETE', `/calendar-feeds/${theirs.id}`)).status).toBe(404);
    expect((await api('GET', '/calendar-feeds')).body.data.map((f: Json) => f.id)).not.toContain(theirs.id);
    // Still live in its own farm, and its feed is that farm's (no plants there).
    const res = await fetchFeed(theirs.url);
    expect(res.statusCode).toBe(200);
    expect(parseICalendar(res.body).events).toHaveLength(0);
    const bad = await api('DELETE', '/calendar-feeds/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields).toEqual([expect.objectContaining({ field: 'params.id' })]);
  });

  it('ends when its maker leaves the farm', async () => {
    const leaving = await member(t.app, admin, farm, 'worker', 'leaving');
    const feed = await makeFeed(leaving, 'Leaving phone');
    expect((await fetchFeed(feed.url)).statusCode).toBe(200);
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/farms/${farm.slug}/members/${leaving.userId}`,
      headers: admin.headers,
    });
    expect(removed.statusCode, removed.body).toBeLessThan(300);
    expect((await fetchFeed(feed.url)).statusCode).toBe(404);
    expect((await api('GET', '/calendar-feeds')).body.data.map((f: Json) => f.id)).not.toContain(feed.id);
  });
});

describe('logs', () => {
  it('never hold a feed’s token: the path segment is redacted, also on a miss', async () => {
    const feed = await makeFeed(admin, 'Logged');
    const token = tokenOf(feed.url);
    await fetchFeed(feed.url);
    await t.app.inject({ method: 'GET', url: `/API//v1/Calendar/${token}.ics?x=1` });
    await t.app.inject({ method: 'GET', url: `/api/v1/calendar/${token}` });
    expect(tokens.length).toBeGreaterThan(5);
    const text = JSON.stringify(logged);
    for (const each of tokens) expect(text).not.toContain(each);
    const urls = logged.map((l) => (l.req as { url?: string } | undefined)?.url).filter(Boolean);
    expect(urls).toContain('/api/v1/calendar/[redacted]');
    expect(urls).toContain('/API//v1/Calendar/[redacted]?x=1');
  });
});

describe('the public address', () => {
  // Last in the file: it uses up this address's allowance of the minute.
  it('is rate-limited per client address: past 60 fetches a minute, 429 in the error shape', async () => {
    const feed = await makeFeed(admin, 'Rate');
    let limitedAt = 0;
    for (let i = 1; i <= 61 && limitedAt === 0; i++) {
      const res = await t.app.inject({
        method: 'GET',
        url: feed.url.slice(PUBLIC_URL.length),
        remoteAddress: '198.51.100.7',
      });
      if (res.statusCode === 429) {
        limitedAt = i;
        expect(res.json()).toMatchObject({ error_code: 'RATE_LIMITED', error_id: expect.any(String) });
      } else expect(res.statusCode).toBe(200);
    }
    expect(limitedAt).toBe(61);
    // Another address is not held back.
    expect((await fetchFeed(feed.url)).statusCode).toBe(200);
  });
});
