import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { createFarm, login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
});

afterAll(() => t.close());

const adminNow = () => login(t.app, admin.email);
const call = (method: string, url: string, headers: Record<string, string>, payload?: unknown) =>
  t.app.inject({ method: method as 'GET', url, headers, payload: payload as Record<string, unknown> });

describe('farms', () => {
  it('get slugs from their names, unique, never UUID-shaped', async () => {
    const { headers } = await adminNow();
    const one = await call('POST', '/api/v1/farms', headers, {
      name: 'Kampot Pepper Co-op',
      timezone: 'Asia/Phnom_Penh',
    });
    const two = await call('POST', '/api/v1/farms', headers, {
      name: 'Kampot pepper co-op!',
      timezone: 'Asia/Phnom_Penh',
    });
    const khmer = await call('POST', '/api/v1/farms', headers, { name: 'ចំការម្រេច', timezone: 'Asia/Phnom_Penh' });
    expect([one.json().slug, two.json().slug, khmer.json().slug]).toEqual([
      'kampot-pepper-co-op',
      'kampot-pepper-co-op-2',
      'farm',
    ]);
    const uuidish = await call('POST', '/api/v1/farms', headers, {
      name: 'X',
      slug: '0badcafe-0000-4000-8000-000000000000',
      timezone: 'UTC',
    });
    expect(uuidish.statusCode).toBe(400);
    const taken = await call('POST', '/api/v1/farms', headers, {
      name: 'X',
      slug: 'kampot-pepper-co-op',
      timezone: 'UTC',
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error_code).toBe('SLUG_TAKEN');
  });

  it('answer by id or slug, and list with the caller role', async () => {
    const { headers } = await adminNow();
    const byId = await call('GET', `/api/v1/farms/${farm.id}`, headers);
    const bySlug = await call('GET', `/api/v1/farms/${farm.slug}`, headers);
    expect(byId.statusCode).toBe(200);
    expect(bySlug.json()).toEqual(byId.json());
    expect(byId.json()).toMatchObject({ role: 'admin', timezone: 'Asia/Phnom_Penh' });
    const list = await call('GET', '/api/v1/farms', headers);
    expect(list.json().data.map((f: { slug: string }) => f.slug)).toContain(farm.slug);
  });

  it('change settings, refusing unknown fields and time zones', async () => {
    const { headers } = await adminNow();
    const res = await call('PATCH', `/api/v1/farms/${farm.slug}`, headers, {
      description: 'Rice and bees',
      latitude: 11.56,
      longitude: 104.92,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ description: 'Rice and bees', latitude: 11.56 });
    expect((await call('PATCH', `/api/v1/farms/${farm.slug}`, headers, { id: farm.id })).statusCode).toBe(400);
    expect((await call('PATCH', `/api/v1/farms/${farm.slug}`, headers, { timezone: 'Nowhere/Land' })).statusCode).toBe(
      400,
    );
    expect((await call('PATCH', `/api/v1/farms/${farm.slug}`, headers, { latitude: 91 })).statusCode).toBe(400);
  });

  it('are soft-deleted, then purged by the job after the retention', async () => {
    const { headers } = await adminNow();
    const doomed = await createFarm(t.app, await adminNow(), 'Doomed Plot');
    expect((await call('DELETE', `/api/v1/farms/${doomed.slug}`, headers)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/farms/${doomed.slug}`, headers)).statusCode).toBe(404);
    const count = () =>
      t.deps.db.system(async (tx) =>
        Number(
          (await sql<{ n: number }>`select count(*)::int as n from farms where id = ${doomed.id}`.execute(tx)).rows[0]!
            .n,
        ),
      );
    expect(await t.deps.services.farms.purgeDeleted()).toBe(0);
    expect(await count()).toBe(1);
    t.clock.advance(31 * 86_400_000);
    expect(await t.deps.services.farms.purgeDeleted()).toBeGreaterThanOrEqual(1);
    expect(await count()).toBe(0);
  });
});

describe('members and invitations', () => {
  it('an invitation for an address works for that address only, once', async () => {
    const { headers } = await adminNow();
    const invite = await call('POST', `/api/v1/farms/${farm.slug}/invitations`, headers, {
      email: 'Someone@Example.org',
      role: 'worker',
    });
    expect(invite.statusCode).toBe(201);
    expect(invite.json()).toMatchObject({
      email: 'someone@example.org',
      role: 'worker',
      accept_path: `/invite/${invite.json().token}`,
    });
    const stranger = await member(
      t.app,
      await adminNow(),
      await createFarm(t.app, await adminNow(), 'Elsewhere'),
      'viewer',
      'stranger',
    );
    const wrong = await call('POST', `/api/v1/invitations/${invite.json().token}/accept`, stranger.headers);
    expect(wrong.statusCode).toBe(404);
    const listed = await call('GET', `/api/v1/farms/${farm.slug}/invitations`, headers);
    expect(listed.json().data.map((i: { id: string }) => i.id)).toContain(invite.json().id);
    expect(listed.body).not.toContain(invite.json().token);
  });

  it('a link invitation joins whoever signs in with it; revoked and expired ones do not', async () => {
    const { headers } = await adminNow();
    const link = await call('POST', `/api/v1/farms/${farm.slug}/invitations`, headers, { role: 'viewer' });
    const elsewhere = await createFarm(t.app, await adminNow(), 'Other Place');
    const person = await member(t.app, await adminNow(), elsewhere, 'viewer', 'linked');
    const accepted = await call('POST', `/api/v1/invitations/${link.json().token}/accept`, person.headers);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toEqual({ farm_id: farm.id, role: 'viewer' });
    expect((await call('POST', `/api/v1/invitations/${link.json().token}/accept`, person.headers)).statusCode).toBe(
      404,
    );

    const revoked = await call('POST', `/api/v1/farms/${farm.slug}/invitations`, headers, { role: 'viewer' });
    expect(
      (await call('DELETE', `/api/v1/farms/${farm.slug}/invitations/${revoked.json().id}`, headers)).statusCode,
    ).toBe(204);
    expect((await call('POST', `/api/v1/invitations/${revoked.json().token}/accept`, person.headers)).statusCode).toBe(
      404,
    );

    const expiring = await call('POST', `/api/v1/farms/${farm.slug}/invitations`, headers, { role: 'viewer' });
    t.clock.advance(8 * 86_400_000);
    const fresh = await login(t.app, person.email);
    expect((await call('POST', `/api/v1/invitations/${expiring.json().token}/accept`, fresh.headers)).statusCode).toBe(
      404,
    );
  });

  it('a farm keeps at least one admin', async () => {
    const { headers, userId } = await adminNow();
    const leave = await call('POST', `/api/v1/farms/${farm.slug}/leave`, headers);
    expect(leave.statusCode).toBe(409);
    expect(leave.json().error_code).toBe('LAST_ADMIN');
    const demote = await call('PATCH', `/api/v1/farms/${farm.slug}/members/${userId}`, headers, { role: 'manager' });
    expect(demote.statusCode).toBe(409);
    const second = await member(t.app, await adminNow(), farm, 'admin', 'second-admin');
    expect(
      (await call('PATCH', `/api/v1/farms/${farm.slug}/members/${second.userId}`, headers, { role: 'viewer' }))
        .statusCode,
    ).toBe(204);
    expect(
      (await call('PATCH', `/api/v1/farms/${farm.slug}/members/${second.userId}`, headers, { role: 'admin' }))
        .statusCode,
    ).toBe(204);
    expect((await call('POST', `/api/v1/farms/${farm.slug}/leave`, second.headers)).statusCode).toBe(204);
  });

  it('managers invite and remove below admin, never an admin', async () => {
    const manager = await member(t.app, await adminNow(), farm, 'manager', 'boss');
    const asAdmin = await call('POST', `/api/v1/farms/${farm.slug}/invitations`, manager.headers, { role: 'admin' });
    expect(asAdmin.statusCode).toBe(403);
    const worker = await member(t.app, manager, farm, 'worker', 'hand');
    expect(
      (await call('DELETE', `/api/v1/farms/${farm.slug}/members/${worker.userId}`, manager.headers)).statusCode,
    ).toBe(204);
    expect(
      (await call('DELETE', `/api/v1/farms/${farm.slug}/members/${admin.userId}`, manager.headers)).statusCode,
    ).toBe(403);
    expect((await call('GET', `/api/v1/farms/${farm.slug}`, worker.headers)).statusCode).toBe(404);
  });
});

describe('API keys', () => {
  it('are shown once, act with their role on their farm only, and stop when revoked', async () => {
    const { headers } = await adminNow();
    const created = await call('POST', `/api/v1/farms/${farm.slug}/api-keys`, headers, {
      name: 'Gateway',
      role: 'worker',
    });
    expect(created.statusCode).toBe(201);
    const { key, id, prefix } = created.json();
    expect(key).toMatch(/^croft_[0-9a-f]{12}_/);
    expect(key.startsWith(prefix)).toBe(true);
    const list = await call('GET', `/api/v1/farms/${farm.slug}/api-keys`, headers);
    expect(list.body).not.toContain(key);
    expect(list.json().data[0]).toMatchObject({ id, name: 'Gateway', role: 'worker', revoked: false });

    const asKey = { authorization: `Bearer ${key}` };
    expect((await call('GET', `/api/v1/farms/${farm.slug}`, asKey)).json().role).toBe('worker');
    expect((await call('GET', `/api/v1/farms/${farm.slug}/api-keys`, asKey)).statusCode).toBe(403);
    const other = await createFarm(t.app, await adminNow(), 'Key Elsewhere');
    expect((await call('GET', `/api/v1/farms/${other.slug}`, asKey)).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/auth/me', asKey)).statusCode).toBe(403);
    const used = await call('GET', `/api/v1/farms/${farm.slug}/api-keys`, headers);
    expect(used.json().data[0].last_used_at).not.toBeNull();

    expect((await call('DELETE', `/api/v1/farms/${farm.slug}/api-keys/${id}`, headers)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/farms/${farm.slug}`, asKey)).statusCode).toBe(401);
    expect(
      (await call('GET', `/api/v1/farms/${farm.slug}`, { authorization: `Bearer ${key.slice(0, -1)}A` })).statusCode,
    ).toBe(401);
  });

  it('cannot be made with a role above the maker', async () => {
    // Only admins hold api_keys.manage, and an admin may grant any role: the rule is the service's.
    const { headers } = await adminNow();
    expect(
      (await call('POST', `/api/v1/farms/${farm.slug}/api-keys`, headers, { name: 'x', role: 'owner' })).statusCode,
    ).toBe(400);
  });
});

describe('audit log', () => {
  it('records changes with who and where, filterable, newest first', async () => {
    const { headers } = await adminNow();
    await call(
      'PATCH',
      `/api/v1/farms/${farm.slug}`,
      { ...headers, 'user-agent': 'croft-test' },
      { name: 'Sunny Acres Too' },
    );
    const res = await call('GET', `/api/v1/farms/${farm.slug}/audit?category=farm&limit=1`, headers);
    expect(res.statusCode).toBe(200);
    const [entry] = res.json().data;
    expect(entry).toMatchObject({
      event_type: 'farm.updated',
      category: 'farm',
      user_id: admin.userId,
      user_agent: 'croft-test',
      data: { changed: ['name'] },
    });
    expect(res.json().next_cursor).toEqual(String(entry.id));
    const older = await call('GET', `/api/v1/farms/${farm.slug}/audit?category=farm&cursor=${entry.id}`, headers);
    expect(older.json().data.every((e: { id: number }) => e.id < entry.id)).toBe(true);
    const types = (await call('GET', `/api/v1/farms/${farm.slug}/audit?limit=200`, headers))
      .json()
      .data.map((e: { event_type: string }) => e.event_type);
    for (const type of [
      'farm.created',
      'invitation.created',
      'invitation.accepted',
      'member.role_changed',
      'api_key.created',
      'api_key.revoked',
    ]) {
      expect(types).toContain(type);
    }
  });

  it('cannot be changed or deleted by the application role', async () => {
    await expect(
      t.deps.db.farm(farm.id, (tx) => sql`update audit_log set message = 'nothing happened'`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
    await expect(t.deps.db.farm(farm.id, (tx) => sql`delete from audit_log`.execute(tx))).rejects.toThrow(
      /permission denied/,
    );
  });
});

describe('tenant isolation in the database', () => {
  it('keeps a query that forgets its farm filter inside one farm', async () => {
    const other = await createFarm(t.app, await adminNow(), 'Isolated');
    const { headers } = await adminNow();
    await call('POST', `/api/v1/farms/${other.slug}/invitations`, headers, { role: 'viewer' });
    await call('POST', `/api/v1/farms/${other.slug}/api-keys`, headers, { name: 'k', role: 'viewer' });
    for (const table of ['invitations', 'memberships', 'api_keys', 'audit_log', 'farms'] as const) {
      const rows = await t.deps.db.farm(other.id, (tx) =>
        sql<{ farm_id?: string; id: string }>`select * from ${sql.table(table)}`.execute(tx),
      );
      const farmIds = new Set(rows.rows.map((r) => (table === 'farms' ? r.id : r.farm_id)));
      expect([...farmIds], table).toEqual([other.id]);
    }
  });

  it("shows another user none of a user's sessions", async () => {
    const rows = await t.deps.db.user(admin.userId, (tx) =>
      sql<{ user_id: string }>`select user_id from refresh_tokens`.execute(tx),
    );
    expect(new Set(rows.rows.map((r) => r.user_id))).toEqual(new Set([admin.userId]));
  });
});
