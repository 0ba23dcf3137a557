import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { bearer, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
});

afterAll(() => t.close());

const keysUrl = () => `/api/v1/farms/${farm.slug}/api-keys`;

async function makeKey(headers: Record<string, string>, role: string, name = `${role} key`) {
  const res = await t.app.inject({ method: 'POST', url: keysUrl(), headers, payload: { name, role } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; key: string; created_by: { id: string; name: string | null } | null };
}

/** Whether a key still opens the farm. */
const works = async (key: string) =>
  (await t.app.inject({ method: 'GET', url: `/api/v1/farms/${farm.slug}`, headers: bearer(key) })).statusCode;

const listed = async (id: string) => {
  const res = await t.app.inject({ method: 'GET', url: keysUrl(), headers: admin.headers });
  return (res.json().data as Array<{ id: string; created_by: unknown; active: boolean }>).find((k) => k.id === id);
};

describe('API keys answer to the admin who made them', () => {
  it('record the creator (the person behind a key that makes a key too) and show their name', async () => {
    const key = await makeKey(admin.headers, 'worker');
    expect(key.created_by).toEqual({ id: admin.userId, name: 'Ada Admin' });
    const adminKey = await makeKey(admin.headers, 'admin');
    const madeByKey = await makeKey(bearer(adminKey.key), 'viewer');
    expect(madeByKey.created_by).toEqual({ id: admin.userId, name: 'Ada Admin' });
    expect(await listed(madeByKey.id)).toMatchObject({ active: true });
    expect(await works(madeByKey.key)).toBe(200);
  });

  it('stop working when their creator is demoted below admin, and work again once they are admin again', async () => {
    const second = await member(t.app, admin, farm, 'admin', 'second');
    const viewerKey = await makeKey(second.headers, 'viewer');
    const adminKey = await makeKey(second.headers, 'admin');
    const chained = await makeKey(bearer(adminKey.key), 'worker');
    for (const k of [viewerKey, adminKey, chained]) expect(await works(k.key)).toBe(200);

    const demote = (role: string) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/v1/farms/${farm.slug}/members/${second.userId}`,
        headers: admin.headers,
        payload: { role },
      });
    expect((await demote('manager')).statusCode).toBe(204);
    for (const k of [viewerKey, adminKey, chained]) expect(await works(k.key)).toBe(401);
    expect(await listed(viewerKey.id)).toMatchObject({
      active: false,
      created_by: { id: second.userId, name: 'second person' },
    });

    expect((await demote('admin')).statusCode).toBe(204);
    expect(await works(viewerKey.key)).toBe(200);
  });

  it('stop working when their creator leaves the farm or their account is disabled', async () => {
    const leaving = await member(t.app, admin, farm, 'admin', 'leaving');
    const leavingKey = await makeKey(leaving.headers, 'worker');
    const disabled = await member(t.app, admin, farm, 'admin', 'disabled');
    const disabledKey = await makeKey(disabled.headers, 'worker');
    expect(await works(leavingKey.key)).toBe(200);
    expect(await works(disabledKey.key)).toBe(200);

    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/farms/${farm.slug}/members/${leaving.userId}`,
      headers: admin.headers,
    });
    expect(removed.statusCode).toBe(204);
    expect(await works(leavingKey.key)).toBe(401);
    // Still listed (to be revoked), with the creator's id; their name is no longer the farm's to show.
    expect(await listed(leavingKey.id)).toMatchObject({
      active: false,
      created_by: { id: leaving.userId, name: null },
    });

    const off = await t.app.inject({
      method: 'POST',
      url: `/api/v1/users/${disabled.userId}/disable`,
      headers: admin.headers,
    });
    expect(off.statusCode).toBe(200);
    expect(await works(disabledKey.key)).toBe(401);
  });
});
