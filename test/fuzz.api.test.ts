/**
 * Fuzzes every operation of the OpenAPI document as the instance admin: valid-looking, boundary and
 * malformed path parameters, query strings and bodies (wrong types, edges, very long and unicode
 * text, deep nesting, unknown and missing fields, malformed JSON, other content types). No answer may
 * be a 5xx, and every 4xx is the one error shape {error_id, error_code, message, details}.
 *
 * The cases come from a fixed seed (FUZZ_SEED overrides it, to explore); a failure names the
 * operation, the case number and the request, so `FUZZ_SEED=<seed>` sends it again. FUZZ_REPORT=1 prints
 * the statuses each operation answered (to see that valid-looking cases reach the handlers);
 * FUZZ_DEBUG=<part of "METHOD /path"> prints those operations' 4xx answers with what was sent.
 *
 * Not covered here: the live WebSockets (/api/v1/live, …/farms/{farm}/live: not OpenAPI operations); alerts/{id} and
 * notifications/{id} point only at unknown rows (none exist in this setup).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import {
  createDevice,
  createFarm,
  createHive,
  createLocation,
  login,
  member,
  PASSWORD,
  setupAdmin,
  type Actor,
  type FarmRef,
} from './helpers/factories.js';
import {
  encode,
  Generator,
  hashSeed,
  MALFORMED_BODIES,
  MALFORMED_QUERIES,
  Random,
  type Hints,
  type Schema,
} from './helpers/fuzz.js';

/** Cases sent to each operation: 113 operations × this, on each database. */
const CASES_PER_OPERATION = 40;
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_601);

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: Schema | undefined;
}

interface Sent {
  method: string;
  url: string;
  contentType: string | undefined;
  payload: string | undefined;
}

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let operations: Operation[];
/** The rows path parameters and fields may point at. */
const real: Record<string, string | undefined> = {};
/** Who signs in for /auth/ operations, so that signing out or changing one's email leaves the admin be. */
let self: Actor & { password: string };
/** A farm for the operations that delete or leave one; made anew after a case got through. */
let scratch: FarmRef | undefined;

async function post(url: string, payload: object, who: Actor = admin): Promise<Record<string, string>> {
  const res = await t.app.inject({ method: 'POST', url, headers: who.headers, payload });
  expect(res.statusCode, `POST ${url}: ${res.body}`).toBeLessThan(300);
  return res.json() as Record<string, string>;
}

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
    paths: Record<
      string,
      Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }>
    >;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema,
    })),
  );

  const f = `/api/v1/farms/${farm.slug}`;
  const location = await createLocation(t.app, admin, farm);
  const other = await createLocation(t.app, admin, farm, { parent_id: location.id, type: 'field' });
  const device = await createDevice(t.app, admin, farm, {
    type: 'relay',
    channels: [{ name: 'main', kind: 'valve', safe_state: 'off' }],
  });
  const hive = await createHive(t.app, admin, farm);
  const queen = await post(`${f}/hives/${hive.id}/queens`, { name: 'Queen Fuzz' });
  await t.app.inject({
    method: 'PUT',
    url: `${f}/devices/${device.device_id}/config/interval_s`,
    headers: admin.headers,
    payload: { value: 60 },
  });
  const command = await post(`${f}/devices/${device.device_id}/commands`, { action: 'on', channel: 'main' });
  const schedule = await post(`${f}/schedules`, {
    name: 'Fuzz schedule',
    device: device.device_id,
    channel: 'main',
    kind: 'time',
    action: 'on',
    cron: '0 6 * * *',
  });
  const rule = await post(`${f}/alert-rules`, { name: 'Fuzz rule', kind: 'offline', severity: 'warning', minutes: 30 });
  const invitation = await post(`${f}/invitations`, { role: 'viewer' });
  const key = await post(`${f}/api-keys`, { name: 'Fuzz key', role: 'viewer' });
  const subscription = await post('/api/v1/notification-subscriptions', { channel: 'in_app' });
  const victim = await member(t.app, admin, farm, 'worker', 'victim');
  const selfActor = await member(t.app, admin, farm, 'manager', 'self');
  self = { ...selfActor, password: PASSWORD };

  Object.assign(real, {
    // By id: a fuzzed PATCH may change the slug.
    farm: farm.id,
    location: location.id,
    otherLocation: other.id,
    qr: location.qr_code,
    apiary: hive.apiary_id,
    hive: hive.id,
    queen: queen.id,
    device: device.device_id,
    deviceId: device.id,
    config: 'interval_s',
    command: command.id,
    schedule: schedule.id,
    rule: rule.id,
    invitation: invitation.id,
    token: invitation.token,
    key: key.id,
    subscription: subscription.id,
    victim: victim.userId,
  });
});

afterAll(() => t?.close());

/** What `{id}` of a path means: the resource the segment before it names. */
const ID_OF: Array<[RegExp, string]> = [
  [/\/locations\/\{id\}/, 'location'],
  [/\/apiaries\/\{id\}/, 'apiary'],
  [/\/hives\/\{id\}/, 'hive'],
  [/\/commands\/\{id\}/, 'command'],
  [/\/schedules\/\{id\}/, 'schedule'],
  [/\/alert-rules\/\{id\}/, 'rule'],
  [/\/invitations\/\{id\}/, 'invitation'],
  [/\/api-keys\/\{id\}/, 'key'],
  [/\/notification-subscriptions\/\{id\}/, 'subscription'],
  [/\/users\/\{id\}/, 'victim'],
];

function hintsFor(op: Operation): Hints {
  const ref = (name: string) => () => real[name];
  const id = ID_OF.find(([re]) => re.test(op.path))?.[1];
  const destructive = /^\/api\/v1\/farms\/\{farm\}(\/leave)?$/.test(op.path) && op.method !== 'GET';
  return {
    farm: destructive ? () => scratch?.slug : ref('farm'),
    id: id ? ref(id) : () => undefined,
    device: ref('device'),
    otherId: ref('otherLocation'),
    name: op.path.includes('/config/') ? ref('config') : () => undefined,
    queen: ref('queen'),
    userId: ref('victim'),
    user_id: ref('victim'),
    token: op.path.includes('/invitations/{token}') ? ref('token') : () => undefined,
    qr: ref('qr'),
    apiary: ref('apiary'),
    apiary_id: ref('apiary'),
    parent_id: ref('location'),
    location_id: ref('location'),
    location: ref('location'),
    mother_id: ref('queen'),
    channel: () => 'main',
    type: () => 'site',
    metric: () => 'temperature',
    timezone: () => 'Europe/Berlin',
    time_zone: () => 'Asia/Phnom_Penh',
    cron: () => '*/5 * * * *',
    locale: () => 'en',
    role: () => 'viewer',
    password: () => PASSWORD,
    current_password: () => 'not the password at all',
  };
}

function buildRequest(op: Operation, gen: Generator): Sent {
  const r = gen.random;
  const focus = r.pick(['valid', 'path', 'query', 'body', 'body', 'raw', 'all'] as const);
  const mutate = (part: 'path' | 'query' | 'body') => focus === part || (focus === 'all' && r.chance(0.5));

  let path = op.path;
  for (const p of op.parameters.filter((p) => p.in === 'path')) {
    const hinted = gen.hints[p.name]?.();
    const segment = mutate('path') ? gen.pathSegment(p.name) : encode(hinted ?? String(gen.valid(p.schema, p.name)));
    path = path.replace(`{${p.name}}`, segment);
  }

  let query = '';
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  if (mutate('query') && r.chance(0.15)) query = r.pick(MALFORMED_QUERIES);
  else {
    const pairs: string[] = [];
    for (const p of queryParams) {
      if (!mutate('query') && !p.required && r.chance(0.5)) continue;
      if (mutate('query') && r.chance(0.3)) continue;
      const value = mutate('query') ? gen.queryValue(p.schema, p.name) : String(gen.valid(p.schema, p.name));
      pairs.push(`${p.name}=${encode(value)}`);
      if (mutate('query') && r.chance(0.1)) pairs.push(`${p.name}=${encode(value)}`);
    }
    if (mutate('query') && r.chance(0.3)) pairs.push(`${r.pick(['unknown', 'limit', 'x[y]', '__proto__'])}=1`);
    if (pairs.length) query = `?${pairs.join('&')}`;
  }

  let contentType: string | undefined;
  let payload: string | undefined;
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(op.method);
  if (focus === 'raw' && (hasBody || r.chance(0.3))) {
    ({ contentType, body: payload } = r.pick(MALFORMED_BODIES));
  } else if (op.body) {
    const value = mutate('body') ? gen.boundary(op.body) : gen.valid(op.body);
    if (value !== undefined || r.chance(0.8)) {
      contentType = 'application/json';
      payload = JSON.stringify(value);
    }
  } else if (hasBody && mutate('body')) {
    contentType = 'application/json';
    payload = JSON.stringify(gen.boundary({ type: 'object' }));
  }
  return { method: op.method, url: `${path}${query}`, contentType, payload };
}

/** Why an answer breaks the contract, or undefined when it keeps it. */
function problemOf(status: number, headers: Record<string, unknown>, body: string): string | undefined {
  if (status >= 500) return `answered ${status}`;
  if (status < 400) return undefined;
  if (!String(headers['content-type'] ?? '').startsWith('application/json')) return `${status} is not JSON`;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return `${status} body does not parse`;
  }
  const keys = Object.keys(parsed ?? {}).sort();
  if (keys.join() !== 'details,error_code,error_id,message') return `${status} has the fields ${keys.join()}`;
  if (!/^[0-9a-f-]{36}$/.test(String(parsed.error_id))) return `${status} error_id is not a uuid`;
  if (!/^[A-Z][A-Z0-9_]*$/.test(String(parsed.error_code))) return `${status} error_code is not UPPER_SNAKE`;
  if (typeof parsed.message !== 'string') return `${status} message is not text`;
  if (typeof parsed.details !== 'object' || parsed.details === null || Array.isArray(parsed.details))
    return `${status} details is not an object`;
  return undefined;
}

/** Deleting or leaving a farm runs last, then the deletes, so the rows others point at live longest. */
function ordered(ops: Operation[]): Operation[] {
  const weight = (op: Operation) =>
    /^\/api\/v1\/farms\/\{farm\}(\/leave)?$/.test(op.path) && op.method !== 'GET' && op.method !== 'PATCH'
      ? 2
      : op.method === 'DELETE'
        ? 1
        : 0;
  return [...ops].sort((a, b) => weight(a) - weight(b));
}

/** The caller for an operation: the admin, or for the signed-in person's own settings the `self` user. */
async function callerFor(op: Operation): Promise<Record<string, string>> {
  if (!op.path.startsWith('/api/v1/auth/')) return admin.headers;
  const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: self.headers });
  if (me.statusCode !== 200) {
    const again = await login(t.app, self.email, self.password);
    self = { ...again, password: self.password };
  }
  return self.headers;
}

async function keepScratchFarm(op: Operation): Promise<void> {
  if (!/^\/api\/v1\/farms\/\{farm\}(\/leave)?$/.test(op.path) || op.method === 'GET') return;
  const alive = scratch
    ? (await t.app.inject({ method: 'GET', url: `/api/v1/farms/${scratch.id}`, headers: admin.headers })).statusCode
    : 404;
  if (alive !== 200) scratch = await createFarm(t.app, admin, `Scratch ${Date.now()}`);
}

describe('every OpenAPI operation under fuzzed input', () => {
  it('answers below 500, and every 4xx in the one error shape', { timeout: 600_000 }, async () => {
    expect(operations.length).toBeGreaterThan(100);
    const failures = new Map<string, string>();
    /** Operations that answered at least once below 400: the valid-looking cases reach the handlers. */
    const reached = new Set<string>();
    const statuses: Record<string, Record<number, number>> = {};
    for (const op of ordered(operations)) {
      const gen = new Generator(new Random(hashSeed(SEED, `${op.method} ${op.path}`)), hintsFor(op));
      for (let i = 0; i < CASES_PER_OPERATION; i++) {
        await keepScratchFarm(op);
        const sent = buildRequest(op, gen);
        const headers = { ...(await callerFor(op)), ...(sent.contentType ? { 'content-type': sent.contentType } : {}) };
        const res = await t.app.inject({
          method: sent.method as 'GET',
          url: sent.url,
          headers,
          ...(sent.payload !== undefined ? { payload: sent.payload } : {}),
        });
        if (op.path === '/api/v1/auth/me' && op.method === 'PATCH' && res.statusCode === 200)
          self = { ...self, email: (res.json() as { email: string }).email };
        const name = `${op.method} ${op.path}`;
        if (process.env.FUZZ_DEBUG && name.includes(process.env.FUZZ_DEBUG) && res.statusCode >= 400)
          console.log(name, res.statusCode, res.body.slice(0, 300), '<-', sent.payload?.slice(0, 300));
        if (res.statusCode < 400) reached.add(name);
        (statuses[name] ??= {})[res.statusCode] = (statuses[name][res.statusCode] ?? 0) + 1;
        const problem = problemOf(res.statusCode, res.headers, res.body);
        const key = `${op.method} ${op.path}: ${problem} ${res.body.slice(0, 160)}`;
        if (problem && !failures.has(key)) {
          const shown = sent.payload && sent.payload.length > 300 ? `${sent.payload.slice(0, 300)}…` : sent.payload;
          failures.set(
            key,
            `seed ${SEED} case ${i}: ${sent.method} ${sent.url.slice(0, 300)} [${sent.contentType}] ${shown}`,
          );
        }
      }
    }
    if (process.env.FUZZ_REPORT) for (const [name, counts] of Object.entries(statuses)) console.log(name, counts);
    expect([...failures].map(([what, how]) => `${what}\n    ← ${how}`)).toEqual([]);
  });
});
