import type { FastifyInstance } from 'fastify';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { buildApp } from '../src/app.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { compileEverySchema } from '../src/platform/http/validation.js';
import { testBackend } from './helpers/database.js';
import { conflict, ruleViolation } from '../src/platform/errors.js';
import { bodyIsOptional } from '../src/platform/http/validation.js';
import { setupAdmin, type Actor, type FarmRef } from './helpers/factories.js';
import { waitFor } from './helpers/wait.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
const logged: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  t = await createTestApp({
    env: { CROFT_BODY_LIMIT: '2kb' },
    logLines: logged,
    prepare: async (_deps, _registry, app) => {
      // Routes that exist only in this test, to drive each failure path through the real app.
      app.post(
        '/api/v1/test/echo',
        {
          schema: {
            security: [],
            body: Type.Object(
              {
                name: Type.String({ minLength: 1 }),
                count: Type.Integer({ minimum: 0 }),
                nested: Type.Optional(Type.Object({ ok: Type.Boolean() }, { additionalProperties: false })),
              },
              { additionalProperties: false },
            ),
            response: { 200: Type.Object({ name: Type.String(), count: Type.Integer() }) },
          },
        },
        async (request) => ({ name: request.body.name, count: request.body.count }),
      );
      app.get('/api/v1/test/boom', { schema: { security: [], response: { 200: Type.Object({}) } } }, async () => {
        throw new Error('secret connection string postgres://admin:hunter2@db');
      });
      app.get('/api/v1/test/conflict', { schema: { security: [], response: { 200: Type.Object({}) } } }, async () => {
        throw conflict('HIVE_HAS_QUEEN', 'The hive already has a queen', { hive: 'h1' });
      });
      app.get('/api/v1/test/rule', { schema: { security: [], response: { 200: Type.Object({}) } } }, async () => {
        throw ruleViolation('KARENZ_VIOLATION', 'Harvest is blocked until the waiting period ends');
      });
    },
  });
  ({ admin, farm } = await setupAdmin(t.app));
});

afterAll(() => t.close());

describe('schemas compiled at first use', () => {
  it('compiles every route validator and response serializer without an error', () => {
    // A start no longer compiles them (first request does): this is where a schema that cannot compile fails.
    const app = t.app as unknown as FastifyInstance;
    const routes = app.printRoutes({ commonPrefix: false }).split('\n').length;
    expect(compileEverySchema(app)).toBeGreaterThan(routes);
  });
});

describe('error shape', () => {
  it('answers an unknown API route with 404 in the error shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/no-such-thing?x=1' });
    expect(res.statusCode).toBe(404);
    const body = res.json();
    expect(body).toEqual({
      error_id: expect.stringMatching(UUID),
      error_code: 'ROUTE_NOT_FOUND',
      message: 'No API endpoint GET /api/v1/no-such-thing',
      details: {},
    });
  });

  it('lists every invalid field of a request', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      payload: { name: '', count: -1, extra: true, nested: { ok: 'yes' } },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error_code).toBe('VALIDATION_FAILED');
    expect(body.error_id).toMatch(UUID);
    const fields = (body.details.fields as { field: string; message: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(['body.count', 'body.extra', 'body.name', 'body.nested.ok']);
    expect(body.details.fields).toContainEqual({ field: 'body.extra', message: 'is not a known field' });
  });

  it('names a missing required field', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/test/echo', payload: { name: 'a' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.fields).toEqual([{ field: 'body.count', message: 'is required' }]);
  });

  it('refuses malformed JSON with 400 in the error shape', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error_code: 'BAD_REQUEST', error_id: expect.stringMatching(UUID) });
  });

  it('refuses a body over the configured limit with 413', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      payload: { name: 'x'.repeat(4000), count: 1 },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error_code: 'PAYLOAD_TOO_LARGE', details: {} });
  });

  it('answers 500 without internals and logs the cause', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/test/boom' });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body.error_code).toBe('INTERNAL');
    expect(body.message).toContain(body.error_id);
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('postgres://');
    // The cause is in the log, under the same error_id.
    const line = logged.find((l) => l.errorId === body.error_id);
    expect(line?.level).toBe(50);
    expect(JSON.stringify(line?.err)).toContain('hunter2');
  });

  it('never logs credentials', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      headers: { authorization: 'Bearer top-secret-token', cookie: 'croft_refresh=secret-cookie' },
      payload: { name: 'a', count: 1 },
    });
    const text = JSON.stringify(logged);
    expect(text).not.toContain('top-secret-token');
    expect(text).not.toContain('secret-cookie');
  });

  it('maps domain errors by kind: conflict 409, rule 422, with their codes and details', async () => {
    const c = await t.app.inject({ method: 'GET', url: '/api/v1/test/conflict' });
    expect(c.statusCode).toBe(409);
    expect(c.json()).toMatchObject({ error_code: 'HIVE_HAS_QUEEN', details: { hive: 'h1' } });
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/test/rule' });
    expect(r.statusCode).toBe(422);
    expect(r.json().error_code).toBe('KARENZ_VIOLATION');
  });

  it('leaves paths outside /api/ to the web app: a page is HTML, anything else a plain 404', async () => {
    // The app itself when built (npm ci builds it), else the page saying how to build it.
    const page = await t.app.inject({ method: 'GET', url: '/some/page' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const post = await t.app.inject({ method: 'POST', url: '/some/page' });
    expect(post.statusCode).toBe(404);
    expect(post.headers['content-type']).toContain('text/plain');
  });
});

describe('headers', () => {
  const expected = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'permissions-policy': 'camera=(self), microphone=(), geolocation=(self)',
  };

  it('sets the security headers and a request id on success, error and 404 alike', async () => {
    for (const url of ['/api/v1/health', '/api/v1/test/boom', '/api/v1/nothing', '/elsewhere']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers, url).toMatchObject(expected);
      expect(res.headers['x-request-id'], url).toMatch(UUID);
      expect(res.headers['strict-transport-security'], url).toBeUndefined();
    }
  });

  it('keeps a sane incoming X-Request-Id and replaces an unsafe one', async () => {
    const kept = await t.app.inject({
      method: 'GET',
      url: '/api/v1/health',
      headers: { 'x-request-id': 'trace-42.a' },
    });
    expect(kept.headers['x-request-id']).toBe('trace-42.a');
    const replaced = await t.app.inject({
      method: 'GET',
      url: '/api/v1/health',
      headers: { 'x-request-id': 'bad id\u0001' },
    });
    expect(replaced.headers['x-request-id']).toMatch(UUID);
  });

  it('adds HSTS in production', async () => {
    const app = await buildApp({ ...t.deps, config: { ...t.deps.config, env: 'production' } });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/v1/health' });
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await app.close();
    }
  });
});

describe('health, metrics and docs', () => {
  it('reports the version and the database backend', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', version: t.deps.version, database: testBackend(), jobs: 'off' });
  });

  it('serves OpenAPI 3.1 with every API route and the shared error schema', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/v1/health'].get.responses['200']).toBeDefined();
    expect(
      doc.paths['/api/v1/health'].get.responses['4XX'] ?? doc.paths['/api/v1/health'].get.responses['4xx'],
    ).toBeDefined();
    expect(doc.components.schemas.ErrorResponse.properties.error_code).toBeDefined();
  });

  it('caps every number a query string may ask for: page sizes and spans have a maximum', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const unbounded: string[] = [];
    let limits = 0;
    type Parameter = { in: string; name: string; schema?: { type?: string; maximum?: number } };
    for (const [path, operations] of Object.entries<Record<string, { parameters?: Parameter[] }>>(doc.paths))
      for (const [method, operation] of Object.entries(operations))
        for (const p of operation.parameters ?? []) {
          if (p.in !== 'query' || (p.schema?.type !== 'integer' && p.schema?.type !== 'number')) continue;
          if (p.name === 'limit') limits++;
          if (p.schema.maximum === undefined) unbounded.push(`${method.toUpperCase()} ${path} ?${p.name}`);
        }
    expect(limits).toBeGreaterThan(3);
    expect(unbounded).toEqual([]);
  });

  it('serves the interactive docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });

  it('counts requests in Prometheus text format', async () => {
    await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(/croft_http_requests_total\{method="GET",route="\/api\/v1\/health",status="200"\} \d+/);
    expect(res.body).toContain('croft_http_request_duration_seconds_bucket');
    expect(res.body).toContain('# TYPE croft_jobs gauge');
  });

  it('refuses an API route that declares no response schema', async () => {
    const app = await buildApp(t.deps);
    expect(() => app.get('/api/v1/test/undeclared', async () => ({}))).toThrow(/declares no success response schema/);
    await app.close();
  });
});

describe('metrics token', () => {
  it('requires the bearer token when one is set', async () => {
    const app = await buildApp({ ...t.deps, config: { ...t.deps.config, metricsToken: 's3cret' } });
    try {
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect(
        (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer nope' } })).statusCode,
      ).toBe(401);
      expect(
        (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer s3cret' } })).statusCode,
      ).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('health without a database', () => {
  it('answers 503 in the error shape when the database does not answer', async () => {
    const other = await createTestApp();
    await other.database.db.close();
    const res = await other.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error_code: 'DATABASE_UNAVAILABLE', error_id: expect.stringMatching(UUID) });
    await other.app.close();
    await other.deps.jobs.stop(1000).catch(() => {});
    await other.database.close();
  });
});

describe('optional bodies', () => {
  async function release() {
    const url = `/api/v1/farms/${farm.slug}/emergency-stop/release`;
    const released = await t.app.inject({ method: 'POST', url, headers: admin.headers });
    expect(released.statusCode, released.body).toBe(200);
  }

  /** Every route of the OpenAPI document whose JSON body `{}` satisfies. */
  async function optionalBodyRoutes(): Promise<Array<{ method: string; path: string }>> {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const routes: Array<{ method: string; path: string }> = [];
    for (const [path, operations] of Object.entries<Record<string, { requestBody?: { content: object } }>>(doc.paths))
      for (const [method, operation] of Object.entries(operations)) {
        const content = operation.requestBody?.content as Record<string, { schema: unknown }> | undefined;
        if (content?.['application/json'] && bodyIsOptional(content['application/json'].schema))
          routes.push({ method: method.toUpperCase(), path });
      }
    return routes;
  }

  it('stops the farm on a bare POST …/emergency-stop, and with an empty JSON body too', async () => {
    const url = `/api/v1/farms/${farm.slug}/emergency-stop`;
    const bare = await t.app.inject({ method: 'POST', url, headers: admin.headers });
    expect(bare.statusCode, bare.body).toBe(200);
    const held = await t.app.inject({ method: 'GET', url, headers: admin.headers });
    expect(held.json()).toMatchObject({ holding: true });
    await release();
    const emptyJson = await t.app.inject({
      method: 'POST',
      url,
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: '',
    });
    expect(emptyJson.statusCode, emptyJson.body).toBe(200);
    await release();
  });

  it('takes a request without a body — no body, no content type — wherever no field is required', async () => {
    const routes = await optionalBodyRoutes();
    expect(routes).toContainEqual({ method: 'POST', path: '/api/v1/farms/{farm}/emergency-stop' });
    for (const { method, path } of routes) {
      const url = path.replace('{farm}', farm.slug).replace(/\{[a-z_]+\}/g, '00000000-0000-4000-8000-000000000000');
      const res = await t.app.inject({ method: method as 'POST', url, headers: admin.headers });
      const fields = ((res.statusCode === 400 && res.json().details.fields) || []) as Array<{ field: string }>;
      expect(
        fields.map((f) => f.field),
        `${method} ${path}: ${res.body}`,
      ).not.toContain('body');
      expect(res.statusCode, `${method} ${path}: ${res.body}`).not.toBe(400);
      expect(res.statusCode, `${method} ${path}: ${res.body}`).toBeLessThan(500);
    }
  });

  it('still refuses a missing body where a field is required', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/farms/${farm.slug}/devices`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error_code: 'VALIDATION_FAILED', details: { fields: [{ field: 'body' }] } });
  });
});

describe('NUL characters', () => {
  const refused = (res: { statusCode: number; json(): unknown }, field: string) => {
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error_id: expect.stringMatching(UUID),
      error_code: 'NUL_CHARACTER',
      message: expect.stringContaining(field),
      details: { field },
    });
  };

  it('refuses a NUL in a path parameter or the query string as a bad request, not a 500', async () => {
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: admin.headers });
    refused(await get(`/api/v1/farms/${farm.slug}/devices/%00`), 'params.device');
    refused(await get(`/api/v1/farms/${farm.slug}/devices/a%00b`), 'params.device');
    refused(await get('/api/v1/farms/%00/devices'), 'params.farm');
    refused(await get(`/api/v1/farms/${farm.slug}/telemetry/latest?device=%00`), 'querystring.device');
    refused(await get(`/api/v1/farms/${farm.slug}/audit?category=x%00`), 'querystring.category');
  });

  it('refuses a NUL in any string of a JSON body, or in a key', async () => {
    const post = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url: `/api/v1/farms/${farm.slug}${url}`, headers: admin.headers, payload });
    refused(await post('/devices', { device_id: 'pump-1', name: 'Pump\u0000', type: 'sensor' }), 'body.name');
    refused(await post('/emergency-stop', { reason: 'fire\u0000' }), 'body.reason');
    refused(
      await post('/telemetry', { readings: [{ device: 'x', metric: 'm', value: 1 }, { device: 'x\u0000' }] }),
      'body.readings[1].device',
    );
    refused(await post('/emergency-stop', { 'a\u0000': 1 }), 'body.a\\u0000');
  });

  it('leaves an escaped backslash-zero alone: only the character itself is refused', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"\\\\u0000","count":1}',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().name).toBe('\\u0000');
  });
});

describe('blank names', () => {
  // Found by test/fuzz.api.test.ts (seed 20260601, case 5: POST …/api-keys {"name":" ","role":"viewer"}):
  // services trim a name before storing it, and the empty text left broke the table's check, a 500.
  it('refuses a name of only white space as a bad request wherever a name is taken, not a 500', async () => {
    const f = `/api/v1/farms/${farm.slug}`;
    const cases: Array<[method: 'POST' | 'PATCH', url: string, payload: Record<string, unknown>]> = [
      ['POST', `${f}/api-keys`, { name: ' ', role: 'viewer' }],
      ['POST', '/api/v1/farms', { name: '\t\n', timezone: 'Europe/Berlin' }],
      ['PATCH', f, { name: '\u3000' }],
      ['POST', `${f}/locations`, { name: '   ', type: 'site' }],
      ['POST', `${f}/devices`, { device_id: 'blank-name', name: ' ', type: 'sensor' }],
      ['POST', `${f}/alert-rules`, { name: ' ', kind: 'offline', severity: 'warning', minutes: 30 }],
      ['PATCH', '/api/v1/auth/me', { name: '\u00a0' }],
    ];
    for (const [method, url, payload] of cases) {
      const res = await t.app.inject({ method, url, headers: admin.headers, payload });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(400);
      expect(res.json()).toMatchObject({
        error_code: 'VALIDATION_FAILED',
        details: { fields: [{ field: 'body.name' }] },
      });
    }
  });
});

describe('date-times', () => {
  // Found by test/fuzz.api.test.ts (FUZZ_SEED=7, case 1: GET /api/v1/notifications?cursor=2024-02-29T23:59:60Z):
  // RFC 3339 allows the leap second, a JavaScript Date does not, and the Invalid Date failed in the query.
  it('refuses a leap second, which no Date can hold, as a bad request rather than a 500', async () => {
    for (const url of [
      '/api/v1/notifications?cursor=2024-02-29T23%3A59%3A60Z',
      `/api/v1/farms/${farm.slug}/audit?from=2016-12-31T23%3A59%3A60Z`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url, headers: admin.headers });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect(res.json().error_code).toBe('VALIDATION_FAILED');
    }
    const fine = await t.app.inject({
      method: 'GET',
      url: '/api/v1/notifications?cursor=2024-02-29T23%3A59%3A59.999%2B07%3A00',
      headers: admin.headers,
    });
    expect(fine.statusCode, fine.body).toBe(200);
  });
});

describe("Fastify's and Node's own refusals", () => {
  const shaped = (res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) => ({
    status: res.statusCode,
    body: res.json(),
    nosniff: res.headers['x-content-type-options'],
    requestId: typeof res.headers['x-request-id'],
  });
  const errorShape = (status: number, code: string) => ({
    status,
    body: { error_id: expect.stringMatching(UUID), error_code: code, message: expect.any(String), details: {} },
    nosniff: 'nosniff',
    requestId: 'string',
  });

  it('answer under /api/ in the one error shape, with the usual headers', async () => {
    const long = 'x'.repeat(500);
    type Request = {
      method?: 'GET' | 'POST';
      url: string;
      headers?: Record<string, string>;
      payload?: string | object;
    };
    const cases: Array<[string, Request, number, string]> = [
      ['path parameter over the limit', { url: `/api/v1/farms/${farm.slug}/devices/${long}` }, 414, 'URI_TOO_LONG'],
      ['farm over the limit', { url: `/api/v1/farms/${long}/devices` }, 414, 'URI_TOO_LONG'],
      ['bad %-encoding', { url: `/api/v1/farms/${farm.slug}/devices/%zz` }, 400, 'BAD_URL'],
      ['unknown route', { url: '/api/v1/nothing/here' }, 404, 'ROUTE_NOT_FOUND'],
      [
        'unsupported media type',
        { method: 'POST', url: '/api/v1/test/echo', headers: { 'content-type': 'application/xml' }, payload: '<a/>' },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'malformed JSON',
        { method: 'POST', url: '/api/v1/test/echo', headers: { 'content-type': 'application/json' }, payload: '{' },
        400,
        'BAD_REQUEST',
      ],
      [
        'body too large',
        { method: 'POST', url: '/api/v1/test/echo', payload: { name: 'x'.repeat(4000), count: 1 } },
        413,
        'PAYLOAD_TOO_LARGE',
      ],
    ];
    for (const [what, request, status, code] of cases) {
      const res = await t.app.inject({
        ...request,
        headers: { ...admin.headers, ...request.headers },
      } as typeof request);
      expect(shaped(res), what).toEqual(errorShape(status, code));
    }
  });

  it('leave paths outside /api/ plain', async () => {
    const res = await t.app.inject({ url: '/farms/%zz' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('text/plain');
  });

  it("answer what Node's HTTP parser refuses in the one error shape", async () => {
    const app = await buildApp(t.deps);
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as { port: number };
      const raw = (request: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => socket.write(request));
          let text = '';
          socket.on('data', (chunk) => (text += chunk.toString()));
          socket.on('close', () => resolve(text));
          socket.on('error', reject);
        });
      const answers = [
        [await raw('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'), 400, 'BAD_REQUEST'],
        [
          await raw(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
          431,
          'HEADERS_TOO_LARGE',
        ],
      ] as const;
      for (const [text, status, code] of answers) {
        expect(text.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
        const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
        expect(body).toEqual({
          error_id: expect.stringMatching(UUID),
          error_code: code,
          message: expect.any(String),
          details: {},
        });
      }
    } finally {
      await app.close();
    }
  });
});

describe('a request that arrives while Croft is closing', () => {
  it('is refused with 503 SHUTTING_DOWN in the one error shape', async () => {
    let closingStarted!: () => void;
    const started = new Promise<void>((resolve) => (closingStarted = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const closing = await createTestApp({
      // Runs after the app's own preClose hook has marked it closing, and holds the close open meanwhile.
      prepare: (_deps, _registry, app) =>
        void app.addHook('preClose', async () => {
          closingStarted();
          await released;
        }),
    });
    await closing.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = closing.app.server.address() as AddressInfo;
    let serverSide: Socket | undefined;
    closing.app.server.once('connection', (socket: Socket) => (serverSide = socket));
    const client = connect(port, '127.0.0.1');
    let answer = '';
    client.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const ended = new Promise((resolve) => client.on('close', resolve));
    // A request whose headers are not finished yet: its connection is busy, so closing leaves it open.
    client.write('GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n');
    await waitFor(() => (serverSide?.bytesRead ?? 0) > 0);
    const stopped = closing.close();
    await started;
    client.write('\r\n');
    await waitFor(() => answer.includes('\r\n\r\n{'));
    release();
    client.end();
    await ended;
    await stopped;

    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ error_code: 'SHUTTING_DOWN', details: {} });
    expect(Object.keys(body).sort()).toEqual(['details', 'error_code', 'error_id', 'message']);
  });
});
