import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import {
  bearer,
  login,
  member,
  PASSWORD,
  setupAdmin,
  uniqueEmail,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;

beforeAll(async () => {
  t = await createTestApp();
  const status = await t.app.inject({ method: 'GET', url: '/api/v1/auth/status' });
  expect(status.json()).toMatchObject({ needs_setup: true, registration: 'invite' });
  ({ admin, farm } = await setupAdmin(t.app));
});

afterAll(() => t.close());

/** The admin signed in now (tests move the clock past access-token lifetimes). */
const adminNow = () => login(t.app, admin.email);

const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers });
const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

describe('first run', () => {
  it('made the instance admin and the first farm, and then closes', async () => {
    const me = await get('/api/v1/auth/me', admin.headers);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ is_instance_admin: true, name: 'Ada Admin', locale: 'en' });
    expect(farm.slug).toBe('sunny-acres');
    const again = await post('/api/v1/auth/setup', {
      email: uniqueEmail(),
      password: PASSWORD,
      name: 'Eve',
      farm: { name: 'X', timezone: 'UTC' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error_code).toBe('ALREADY_SET_UP');
    expect((await get('/api/v1/auth/status')).json().needs_setup).toBe(false);
  });

  it('requires the setup token when one is configured', async () => {
    const other = await createTestApp({ env: { CROFT_SETUP_TOKEN: 'plant-the-seed' } });
    try {
      const body = { email: uniqueEmail(), password: PASSWORD, name: 'Op', farm: { name: 'Farm', timezone: 'UTC' } };
      const without = await other.app.inject({ method: 'POST', url: '/api/v1/auth/setup', payload: body });
      expect(without.statusCode).toBe(403);
      const wrong = await other.app.inject({
        method: 'POST',
        url: '/api/v1/auth/setup',
        payload: { ...body, setup_token: 'nope' },
      });
      expect(wrong.statusCode).toBe(403);
      const right = await other.app.inject({
        method: 'POST',
        url: '/api/v1/auth/setup',
        payload: { ...body, setup_token: 'plant-the-seed' },
      });
      expect(right.statusCode).toBe(201);
    } finally {
      await other.close();
    }
  });

  it('refuses weak passwords and ignores nothing it does not know', async () => {
    const other = await createTestApp();
    try {
      const base = { email: uniqueEmail(), name: 'Op', farm: { name: 'Farm', timezone: 'UTC' } };
      for (const password of ['short', 'password123', 'x'.repeat(129)]) {
        const res = await other.app.inject({
          method: 'POST',
          url: '/api/v1/auth/setup',
          payload: { ...base, password },
        });
        expect(res.statusCode, password).toBe(400);
        expect(['WEAK_PASSWORD', 'VALIDATION_FAILED']).toContain(res.json().error_code);
      }
      const sneaky = await other.app.inject({
        method: 'POST',
        url: '/api/v1/auth/setup',
        payload: {
          ...base,
          password: PASSWORD,
          is_instance_admin: false,
          farm: { ...base.farm, id: '00000000-0000-0000-0000-000000000001' },
        },
      });
      expect(sneaky.statusCode).toBe(400);
      expect(
        sneaky
          .json()
          .details.fields.map((f: { field: string }) => f.field)
          .sort(),
      ).toEqual(['body.farm.id', 'body.is_instance_admin']);
      const badZone = await other.app.inject({
        method: 'POST',
        url: '/api/v1/auth/setup',
        payload: { ...base, password: PASSWORD, farm: { name: 'F', timezone: 'Mars/Olympus' } },
      });
      expect(badZone.statusCode).toBe(400);
    } finally {
      await other.close();
    }
  });
});

describe('sign-in', () => {
  it('answers an unknown email exactly like a wrong password', async () => {
    const wrong = await post('/api/v1/auth/login', { email: admin.email, password: 'not the password' });
    const unknown = await post('/api/v1/auth/login', { email: uniqueEmail('ghost'), password: 'not the password' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, error_id: undefined });
    expect(strip(unknown.json())).toEqual(strip(wrong.json()));
  });

  it('locks an email after 5 failures for 15 minutes, then doubling', async () => {
    const victim = await member(t.app, await adminNow(), farm, 'worker', 'locked');
    const fail = () => post('/api/v1/auth/login', { email: victim.email.toUpperCase(), password: 'wrong password!' });
    for (let i = 1; i <= 4; i++) expect((await fail()).statusCode).toBe(401);
    const fifth = await fail();
    expect(fifth.statusCode).toBe(423);
    expect(fifth.json()).toMatchObject({ error_code: 'ACCOUNT_LOCKED', details: { retry_after_seconds: 900 } });
    // Locked even with the right password.
    expect((await post('/api/v1/auth/login', { email: victim.email, password: PASSWORD })).statusCode).toBe(423);
    t.clock.advance(15 * 60_000 + 1000);
    for (let i = 1; i <= 4; i++) expect((await fail()).statusCode).toBe(401);
    expect((await fail()).json().details.retry_after_seconds).toBe(1800);
    t.clock.advance(15 * 60_000 + 1000);
    expect((await post('/api/v1/auth/login', { email: victim.email, password: PASSWORD })).statusCode).toBe(423);
    t.clock.advance(15 * 60_000);
    expect((await post('/api/v1/auth/login', { email: victim.email, password: PASSWORD })).statusCode).toBe(200);
  });

  it('counts failures for emails that have no account too', async () => {
    const ghost = uniqueEmail('ghost');
    for (let i = 1; i <= 4; i++) await post('/api/v1/auth/login', { email: ghost, password: 'whatever it is' });
    expect((await post('/api/v1/auth/login', { email: ghost, password: 'whatever it is' })).statusCode).toBe(423);
  });

  it('sets the refresh token in an HttpOnly SameSite cookie scoped to the auth endpoints', async () => {
    const res = await post('/api/v1/auth/login', { email: admin.email, password: PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(res.json().refresh_token).toBeUndefined();
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^croft_refresh=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/api/v1/auth');
    expect(cookie).not.toContain('Secure'); // only in production
  });
});

describe('refresh tokens', () => {
  it('rotate on every use', async () => {
    const session = await login(t.app, admin.email);
    const first = await post('/api/v1/auth/refresh', { refresh_token: session.refreshToken });
    expect(first.statusCode).toBe(200);
    const next = first.json().refresh_token as string;
    expect(next).not.toBe(session.refreshToken);
    expect((await get('/api/v1/auth/me', bearer(first.json().access_token))).statusCode).toBe(200);
    expect((await post('/api/v1/auth/refresh', { refresh_token: next })).statusCode).toBe(200);
  });

  it('refuse a token reused within the grace period without revoking anything', async () => {
    const session = await login(t.app, admin.email);
    const first = await post('/api/v1/auth/refresh', { refresh_token: session.refreshToken });
    t.clock.advance(5_000);
    const late = await post('/api/v1/auth/refresh', { refresh_token: session.refreshToken });
    expect(late.statusCode).toBe(401);
    expect(late.json().details.reason).toBe('refresh_race');
    expect((await post('/api/v1/auth/refresh', { refresh_token: first.json().refresh_token })).statusCode).toBe(200);
  });

  it('revoke the whole sign-in when a rotated token comes back after the grace period', async () => {
    const session = await login(t.app, admin.email);
    const first = await post('/api/v1/auth/refresh', { refresh_token: session.refreshToken });
    t.clock.advance(11_000);
    const stolen = await post('/api/v1/auth/refresh', { refresh_token: session.refreshToken });
    expect(stolen.statusCode).toBe(401);
    expect(stolen.json().details.reason).toBe('refresh_reused');
    // The legitimate holder's newer token died with the family.
    const holder = await post('/api/v1/auth/refresh', { refresh_token: first.json().refresh_token });
    expect(holder.statusCode).toBe(401);
    const audit = await get(`/api/v1/farms/${farm.slug}/audit?category=auth`, (await adminNow()).headers);
    expect(audit.statusCode).toBe(200);
  });

  it('let exactly one of 50 concurrent refreshes with one token through', async () => {
    const session = await login(t.app, admin.email);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => post('/api/v1/auth/refresh', { refresh_token: session.refreshToken })),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 401)).toHaveLength(49);
  });

  it('from the cookie need the X-Requested-With header, and come back as a cookie', async () => {
    const res = await post('/api/v1/auth/login', { email: admin.email, password: PASSWORD });
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    const forged = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie } });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().details.reason).toBe('csrf');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { cookie, 'x-requested-with': 'croft' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().refresh_token).toBeUndefined();
    expect(String(ok.headers['set-cookie'])).toMatch(/^croft_refresh=/);
  });

  it('end with logout; logout-all ends access tokens too', async () => {
    const a = await login(t.app, admin.email);
    expect((await post('/api/v1/auth/logout', { refresh_token: a.refreshToken })).statusCode).toBe(204);
    expect((await post('/api/v1/auth/refresh', { refresh_token: a.refreshToken })).statusCode).toBe(401);
    const worker = await member(t.app, await adminNow(), farm, 'worker', 'everywhere');
    const second = await login(t.app, worker.email);
    t.clock.advance(1_000);
    expect((await post('/api/v1/auth/logout-all', undefined, worker.headers)).statusCode).toBe(204);
    expect((await get('/api/v1/auth/me', worker.headers)).statusCode).toBe(401);
    expect((await get('/api/v1/auth/me', second.headers)).statusCode).toBe(401);
    expect((await post('/api/v1/auth/refresh', { refresh_token: second.refreshToken })).statusCode).toBe(401);
  });
});

describe('signing out on a shared phone', () => {
  const cookieLogin = async () => {
    const res = await post('/api/v1/auth/login', { email: admin.email, password: PASSWORD });
    return { token: res.json().access_token as string, cookie: String(res.headers['set-cookie']).split(';')[0]! };
  };

  it('works with an expired access token: the sign-in ends and the cookie is cleared', async () => {
    const { token, cookie } = await cookieLogin();
    t.clock.advance(15 * 60_000 + 1_000);
    const headers = { cookie, 'x-requested-with': 'croft-web', ...bearer(token) };
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers });
    expect(out.statusCode, out.body).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^croft_refresh=;.*Max-Age=0/);
    // The next page load finds no sign-in to resume.
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers });
    expect(again.statusCode).toBe(401);
    expect(again.json().details.reason).toBe('refresh_invalid');
  });

  it('refresh ignores a stale or broken access token sent along', async () => {
    const { token } = await cookieLogin();
    t.clock.advance(15 * 60_000 + 1_000);
    for (const authorization of [`Bearer ${token}`, 'Bearer nonsense', 'Basic !!']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        headers: { cookie: (await cookieLogin()).cookie, 'x-requested-with': 'croft-web', authorization },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
  });

  it('clears the cookie even when the request is refused', async () => {
    const { cookie } = await cookieLogin();
    const forged = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } });
    expect(forged.statusCode).toBe(403);
    expect(String(forged.headers['set-cookie'])).toMatch(/^croft_refresh=;.*Max-Age=0/);
  });
});

describe('access tokens', () => {
  it('expire after 15 minutes', async () => {
    const session = await login(t.app, admin.email);
    t.clock.advance(15 * 60_000 + 1_000);
    const res = await get('/api/v1/auth/me', session.headers);
    expect(res.statusCode).toBe(401);
    expect(res.json().details.reason).toBe('expired');
  });

  it('are refused when tampered with, unsigned, or meant for another audience', async () => {
    const session = await login(t.app, admin.email);
    const [header, payload, signature] = session.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...claims, sub: '00000000-0000-0000-0000-000000000000' }),
    ).toString('base64url');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    const otherKey = await new SignJWT({ sid: 'x' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setSubject(session.userId)
      .setJti('j')
      .setIssuer('croft')
      .setAudience('croft')
      .setIssuedAt(Math.floor(t.clock.now().getTime() / 1000))
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-another-secret-another'));
    for (const token of [
      `${header}.${payload}.${signature.slice(0, -2)}xx`,
      `${header}.${forgedPayload}.${signature}`,
      `${none}.${payload}.`,
      otherKey,
      'garbage',
    ]) {
      const res = await get('/api/v1/auth/me', bearer(token));
      expect(res.statusCode, token).toBe(401);
      expect(res.json().error_code).toBe('UNAUTHENTICATED');
    }
    const malformed = await get('/api/v1/auth/me', { authorization: 'Basic abc' });
    expect(malformed.statusCode).toBe(401);
  });

  it('are refused when signed with the right key but for another audience, issuer or type', async () => {
    const session = await login(t.app, admin.email);
    const secret = await t.deps.db.system(
      async (tx) => (await tx.selectFrom('croft_instance').select('jwt_secret').executeTakeFirstOrThrow()).jwt_secret,
    );
    const key = new TextEncoder().encode(secret);
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const make = (over: { aud?: string; iss?: string; typ?: string }) =>
      new SignJWT({ sid: 's' })
        .setProtectedHeader({ alg: 'HS256', typ: over.typ ?? 'at+jwt' })
        .setSubject(session.userId)
        .setJti('j')
        .setIssuer(over.iss ?? 'croft')
        .setAudience(over.aud ?? 'croft')
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(key);
    // The same claims with the right audience, issuer and type are accepted: the refusals below are about those alone.
    expect((await get('/api/v1/auth/me', bearer(await make({})))).statusCode).toBe(200);
    for (const over of [{ aud: 'another-app' }, { iss: 'someone-else' }, { typ: 'JWT' }]) {
      expect((await get('/api/v1/auth/me', bearer(await make(over)))).statusCode, JSON.stringify(over)).toBe(401);
    }
  });

  it('are required by private routes', async () => {
    const res = await get('/api/v1/farms');
    expect(res.statusCode).toBe(401);
    expect(res.json().error_code).toBe('UNAUTHENTICATED');
  });
});

describe('passwords', () => {
  it('change ends the other sign-ins and keeps this one', async () => {
    const person = await member(t.app, await adminNow(), farm, 'viewer', 'changer');
    const other = await login(t.app, person.email);
    t.clock.advance(1_000);
    const wrong = await post(
      '/api/v1/auth/password',
      { current_password: 'nope nope', new_password: 'a new long secret' },
      person.headers,
    );
    expect(wrong.statusCode).toBe(403);
    const weak = await post(
      '/api/v1/auth/password',
      { current_password: PASSWORD, new_password: 'qwerty123' },
      person.headers,
    );
    expect(weak.statusCode).toBe(400);
    const changed = await post(
      '/api/v1/auth/password',
      { current_password: PASSWORD, new_password: 'a new long secret' },
      person.headers,
    );
    expect(changed.statusCode).toBe(200);
    expect((await get('/api/v1/auth/me', bearer(changed.json().access_token))).statusCode).toBe(200);
    expect((await get('/api/v1/auth/me', other.headers)).statusCode).toBe(401);
    expect((await post('/api/v1/auth/refresh', { refresh_token: other.refreshToken })).statusCode).toBe(401);
    expect((await post('/api/v1/auth/login', { email: person.email, password: PASSWORD })).statusCode).toBe(401);
    expect((await post('/api/v1/auth/login', { email: person.email, password: 'a new long secret' })).statusCode).toBe(
      200,
    );
  });

  it('reset by a one-time token ends every sign-in', async () => {
    const person = await member(t.app, await adminNow(), farm, 'viewer', 'forgetful');
    t.clock.advance(1_000);
    const token = await t.deps.services.auth.createPasswordReset(person.email);
    const res = await post('/api/v1/auth/password-reset', { token, password: 'remembered at last' });
    expect(res.statusCode).toBe(204);
    expect((await get('/api/v1/auth/me', person.headers)).statusCode).toBe(401);
    expect((await post('/api/v1/auth/password-reset', { token, password: 'and once more please' })).statusCode).toBe(
      401,
    );
    expect((await post('/api/v1/auth/login', { email: person.email, password: 'remembered at last' })).statusCode).toBe(
      200,
    );
  });
});

describe('accounts', () => {
  it('an instance admin disables an account, which ends its sessions at once', async () => {
    const person = await member(t.app, await adminNow(), farm, 'worker', 'disabled');
    const byWorker = await post(`/api/v1/users/${admin.userId}/disable`, undefined, person.headers);
    expect(byWorker.statusCode).toBe(403);
    const { headers } = await adminNow();
    const res = await post(`/api/v1/users/${person.userId}/disable`, undefined, headers);
    expect(res.statusCode).toBe(200);
    expect(res.json().disabled).toBe(true);
    expect((await get('/api/v1/auth/me', person.headers)).statusCode).toBe(401);
    const signIn = await post('/api/v1/auth/login', { email: person.email, password: PASSWORD });
    expect(signIn.statusCode).toBe(403);
    expect((await post(`/api/v1/users/${person.userId}/enable`, undefined, headers)).statusCode).toBe(200);
    expect((await post('/api/v1/auth/login', { email: person.email, password: PASSWORD })).statusCode).toBe(200);
  });

  it('never shows a password hash', async () => {
    const { headers } = await adminNow();
    const bodies = [
      (await get('/api/v1/auth/me', headers)).body,
      (await get(`/api/v1/farms/${farm.slug}/members`, headers)).body,
      (await get(`/api/v1/farms/${farm.slug}/audit`, headers)).body,
    ];
    for (const body of bodies) {
      expect(body).not.toContain('argon2');
      expect(body).not.toContain('password_hash');
    }
  });

  it('updates the profile', async () => {
    const { headers } = await adminNow();
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/auth/me',
      headers,
      payload: { locale: 'km', timezone: 'Asia/Phnom_Penh' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ locale: 'km', timezone: 'Asia/Phnom_Penh' });
    const bad = await t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers, payload: { locale: 'fr' } });
    expect(bad.statusCode).toBe(400);
  });
});

describe('registration', () => {
  it('needs an invitation by default', async () => {
    const res = await post('/api/v1/auth/register', { email: uniqueEmail(), password: PASSWORD, name: 'Walk In' });
    expect(res.statusCode).toBe(403);
    expect(res.json().details.reason).toBe('invitation_required');
  });

  it('is refused when closed and open to all when open', async () => {
    for (const [mode, status] of [
      ['closed', 403],
      ['open', 201],
    ] as const) {
      const other = await createTestApp({ env: { CROFT_REGISTRATION: mode } });
      try {
        const res = await other.app.inject({
          method: 'POST',
          url: '/api/v1/auth/register',
          payload: { email: uniqueEmail(), password: PASSWORD, name: 'Walk In' },
        });
        expect(res.statusCode, mode).toBe(status);
        if (status === 201) {
          const dup = await other.app.inject({
            method: 'POST',
            url: '/api/v1/auth/register',
            payload: { email: res.json().user.email.toUpperCase(), password: PASSWORD, name: 'Again' },
          });
          expect(dup.statusCode).toBe(409);
          expect(dup.json().error_code).toBe('EMAIL_TAKEN');
        }
      } finally {
        await other.close();
      }
    }
  });
});

describe('rate limits', () => {
  it('answer 429 in the error shape past the per-address limit', async () => {
    const other = await createTestApp({ env: { CROFT_AUTH_RATE_LIMIT: '3' } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        codes.push(
          (
            await other.app.inject({
              method: 'POST',
              url: '/api/v1/auth/login',
              payload: { email: 'a@b.co', password: 'xxxxxxxx' },
            })
          ).statusCode,
        );
      }
      expect(codes).toEqual([401, 401, 401, 429]);
      const res = await other.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'a@b.co', password: 'xxxxxxxx' },
      });
      expect(res.json()).toMatchObject({ error_code: 'RATE_LIMITED', error_id: expect.any(String) });
    } finally {
      await other.close();
    }
  });

  it('count clients behind a trusted proxy (CROFT_TRUST_PROXY) apart; else X-Forwarded-For is ignored', async () => {
    const signInFrom = (app: TestApp, client: string) =>
      app.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        // The proxy connects from 127.0.0.1 (inject's address) and names the client it forwards.
        headers: { 'x-forwarded-for': client },
        payload: { email: 'a@b.co', password: 'xxxxxxxx' },
      });
    const codes = async (app: TestApp) => [
      (await signInFrom(app, '203.0.113.1')).statusCode,
      (await signInFrom(app, '203.0.113.1')).statusCode,
      (await signInFrom(app, '203.0.113.1')).statusCode,
      (await signInFrom(app, '203.0.113.2')).statusCode,
    ];
    const behind = await createTestApp({ env: { CROFT_AUTH_RATE_LIMIT: '2', CROFT_TRUST_PROXY: '127.0.0.1' } });
    try {
      // The attacker is refused; the next person behind the same proxy still signs in (or is told why not).
      expect(await codes(behind)).toEqual([401, 401, 429, 401]);
    } finally {
      await behind.close();
    }
    const direct = await createTestApp({ env: { CROFT_AUTH_RATE_LIMIT: '2' } });
    try {
      // No proxy trusted: a client cannot escape its limit by naming another address.
      expect(await codes(direct)).toEqual([401, 401, 429, 429]);
    } finally {
      await direct.close();
    }
  });

  it('count token refreshes apart, with their own wider limit (every page load of the web app is one)', async () => {
    const other = await createTestApp({ env: { CROFT_AUTH_RATE_LIMIT: '3', CROFT_REFRESH_RATE_LIMIT: '5' } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) {
        codes.push(
          (
            await other.app.inject({
              method: 'POST',
              url: '/api/v1/auth/refresh',
              payload: { refresh_token: `nope-${i}` },
            })
          ).statusCode,
        );
      }
      expect(codes).toEqual([401, 401, 401, 401, 401, 429]);
    } finally {
      await other.close();
    }
  });
});
