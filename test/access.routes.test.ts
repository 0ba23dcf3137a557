/**
 * Walks every route of the OpenAPI document: farm-scoped routes declare a permission, the declared
 * role matrix holds for every role, and another farm's routes answer 404 exactly like missing ones.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, ROLES, isPermission, type Role } from '../src/platform/tenancy/access.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createFarm, login, member, setupAdmin, type Actor, type FarmRef } from './helpers/factories.js';

interface Operation {
  method: string;
  path: string;
  permission: string | undefined;
}

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let operations: Operation[];

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
    paths: Record<string, Record<string, { 'x-permission'?: string }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      permission: op['x-permission'],
    })),
  );
});

afterAll(() => t.close());

const farmScoped = () => operations.filter((op) => op.path.startsWith('/api/v1/farms/{farm}'));

/** Destructive calls last: deleting the farm (only an admin may), then leaving it. */
function ordered(ops: Operation[]): Operation[] {
  const weight = (op: Operation) =>
    op.method === 'DELETE' && op.path === '/api/v1/farms/{farm}' ? 1 : op.path.endsWith('/leave') ? 2 : 0;
  return [...ops].sort((a, b) => weight(a) - weight(b));
}

function urlFor(op: Operation, farmRef: string): string {
  return op.path.replace('{farm}', farmRef).replace(/\{[^}]+\}/g, () => randomUUID());
}

async function callAs(op: Operation, farmRef: string, headers: Record<string, string>) {
  const hasBody = ['POST', 'PATCH', 'PUT'].includes(op.method);
  return t.app.inject({
    method: op.method as 'GET',
    url: urlFor(op, farmRef),
    headers,
    ...(hasBody ? { payload: {} } : {}),
  });
}

describe('every farm-scoped route', () => {
  it('declares a permission of the matrix', () => {
    expect(farmScoped().length).toBeGreaterThan(10);
    const missing = farmScoped()
      .filter((op) => !isPermission(op.permission))
      .map((op) => `${op.method} ${op.path}`);
    expect(missing).toEqual([]);
  });

  it.each(ROLES)('lets a %s do exactly what the matrix allows', async (role: Role) => {
    const own = await createFarm(t.app, await login(t.app, admin.email), `Matrix ${role}`);
    const actor =
      role === 'admin'
        ? await login(t.app, admin.email)
        : await member(t.app, await login(t.app, admin.email), own, role);
    const wrong: string[] = [];
    for (const op of ordered(farmScoped())) {
      const res = await callAs(op, own.slug, actor.headers);
      const allowed = can(role, op.permission as Parameters<typeof can>[1]);
      const refused =
        res.statusCode === 403 &&
        res.json().error_code === 'FORBIDDEN' &&
        res.json().details.permission === op.permission;
      if (allowed === refused || res.statusCode === 401)
        wrong.push(`${op.method} ${op.path}: ${res.statusCode} ${res.body.slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
  });

  it("answers 404 on another farm's routes, as if the farm did not exist", async () => {
    const outsider = await member(
      t.app,
      await login(t.app, admin.email),
      await createFarm(t.app, await login(t.app, admin.email), 'Outsider Home'),
      'admin',
      'outsider',
    );
    const target = await createFarm(t.app, await login(t.app, admin.email), 'Not Yours');
    const wrong: string[] = [];
    for (const op of farmScoped()) {
      for (const ref of [target.slug, target.id, 'no-such-farm']) {
        const res = await callAs(op, ref, outsider.headers);
        if (res.statusCode !== 404 || res.json().error_code !== 'NOT_FOUND')
          wrong.push(`${op.method} ${op.path} (${ref}): ${res.statusCode}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("answers 404 for another farm's invitations, keys and members reached through a farm the caller is in", async () => {
    const both = await login(t.app, admin.email);
    const other = await createFarm(t.app, both, 'Second Home');
    const invitation = await t.app.inject({
      method: 'POST',
      url: `/api/v1/farms/${other.slug}/invitations`,
      headers: both.headers,
      payload: { role: 'viewer' },
    });
    const key = await t.app.inject({
      method: 'POST',
      url: `/api/v1/farms/${other.slug}/api-keys`,
      headers: both.headers,
      payload: { name: 'k', role: 'viewer' },
    });
    const stranger = await member(t.app, both, other, 'viewer', 'second-home-viewer');
    for (const url of [
      `/api/v1/farms/${farm.slug}/invitations/${invitation.json().id}`,
      `/api/v1/farms/${farm.slug}/api-keys/${key.json().id}`,
      `/api/v1/farms/${farm.slug}/members/${stranger.userId}`,
    ]) {
      const res = await t.app.inject({ method: 'DELETE', url, headers: both.headers });
      expect(res.statusCode, url).toBe(404);
    }
    // Still there in their own farm.
    const keys = await t.app.inject({
      method: 'GET',
      url: `/api/v1/farms/${other.slug}/api-keys`,
      headers: both.headers,
    });
    expect(keys.json().data.map((k: { id: string }) => k.id)).toContain(key.json().id);
  });
});

describe('every API route', () => {
  it('is private unless it says otherwise', async () => {
    const open = operations.filter((op) => !op.path.startsWith('/api/v1/farms/{farm}'));
    const publicOnes: string[] = [];
    for (const op of open) {
      const res = await t.app.inject({
        method: op.method as 'GET',
        url: urlFor(op, farm.slug),
        ...(['POST', 'PATCH'].includes(op.method) ? { payload: {} } : {}),
      });
      const signInFirst = res.statusCode === 401 && res.json().details.reason === 'no_credentials';
      if (!signInFirst) publicOnes.push(`${op.method} ${op.path}`);
    }
    expect(publicOnes.sort()).toEqual([
      // web-config: the web app's settings before sign-in (map tiles), nothing about any farm.
      'GET /api/v1/auth/status',
      // A calendar feed: its secret address is the credential (a phone's calendar app cannot sign in).
      'GET /api/v1/calendar/{token}.ics',
      'GET /api/v1/health',
      'GET /api/v1/web-config',
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/logout',
      'POST /api/v1/auth/password-reset',
      'POST /api/v1/auth/refresh',
      'POST /api/v1/auth/register',
      'POST /api/v1/auth/setup',
      // The MQTT broker endpoints exist only with MQTT_URL (guarded by CROFT_BROKER_AUTH_TOKEN when set; see
      // src/modules/telemetry/broker-auth.test.ts).
    ]);
  });
});
