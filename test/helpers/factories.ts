import { expect } from 'vitest';
import type { App } from '../../src/app.js';
import type { Role } from '../../src/platform/tenancy/access.js';

export const PASSWORD = 'correct horse battery staple';

export interface Actor {
  token: string;
  userId: string;
  email: string;
  headers: { authorization: string };
}

export interface FarmRef {
  id: string;
  slug: string;
}

let counter = 0;
export const uniqueEmail = (label = 'user') => `${label}-${Date.now().toString(36)}-${++counter}@example.org`;

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

/** First-run setup through the API: the instance admin and their first farm. */
export async function setupAdmin(app: App, farmName = 'Sunny Acres'): Promise<{ admin: Actor; farm: FarmRef }> {
  const email = uniqueEmail('admin');
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/setup',
    payload: { email, password: PASSWORD, name: 'Ada Admin', farm: { name: farmName, timezone: 'Asia/Phnom_Penh' } } });
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json();
  return {
    admin: { token: body.access_token, userId: body.user.id, email, headers: bearer(body.access_token) },
    farm: { id: body.farm.id, slug: body.farm.slug },
  };
}

export async function login(app: App, email: string, password = PASSWORD): Promise<Actor & { refreshToken: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password, refresh_in_body: true } });
  expect(res.statusCode, res.body).toBe(200);
  const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(res.json().access_token) });
  return { token: res.json().access_token, refreshToken: res.json().refresh_token, userId: me.json().id, email, headers: bearer(res.json().access_token) };
}

/** A new person who joins `farm` with `role` the way people do: invitation, registration, sign-in. */
export async function member(app: App, inviter: Actor, farm: FarmRef, role: Role, label: string = role): Promise<Actor> {
  const email = uniqueEmail(label);
  const invite = await app.inject({ method: 'POST', url: `/api/v1/farms/${farm.slug}/invitations`, headers: inviter.headers, payload: { email, role } });
  expect(invite.statusCode, invite.body).toBe(201);
  const registered = await app.inject({ method: 'POST', url: '/api/v1/auth/register',
    payload: { email, password: PASSWORD, name: `${label} person`, invitation: invite.json().token } });
  expect(registered.statusCode, registered.body).toBe(201);
  return login(app, email);
}

/** Another farm made by `owner`, who is its admin. */
export async function createFarm(app: App, owner: Actor, name: string): Promise<FarmRef> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/farms', headers: owner.headers, payload: { name, timezone: 'Europe/Berlin' } });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id, slug: res.json().slug };
}
