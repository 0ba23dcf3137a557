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
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/setup',
    payload: { email, password: PASSWORD, name: 'Ada Admin', farm: { name: farmName, timezone: 'Asia/Phnom_Penh' } },
  });
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json();
  return {
    admin: { token: body.access_token, userId: body.user.id, email, headers: bearer(body.access_token) },
    farm: { id: body.farm.id, slug: body.farm.slug },
  };
}

export async function login(app: App, email: string, password = PASSWORD): Promise<Actor & { refreshToken: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password, refresh_in_body: true },
  });
  expect(res.statusCode, res.body).toBe(200);
  const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(res.json().access_token) });
  return {
    token: res.json().access_token,
    refreshToken: res.json().refresh_token,
    userId: me.json().id,
    email,
    headers: bearer(res.json().access_token),
  };
}

/** A new person who joins `farm` with `role` the way people do: invitation, registration, sign-in. */
export async function member(
  app: App,
  inviter: Actor,
  farm: FarmRef,
  role: Role,
  label: string = role,
): Promise<Actor> {
  const email = uniqueEmail(label);
  const invite = await app.inject({
    method: 'POST',
    url: `/api/v1/farms/${farm.slug}/invitations`,
    headers: inviter.headers,
    payload: { email, role },
  });
  expect(invite.statusCode, invite.body).toBe(201);
  const registered = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password: PASSWORD, name: `${label} person`, invitation: invite.json().token },
  });
  expect(registered.statusCode, registered.body).toBe(201);
  return login(app, email);
}

/** Another farm made by `owner`, who is its admin. */
export async function createFarm(app: App, owner: Actor, name: string): Promise<FarmRef> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/farms',
    headers: owner.headers,
    payload: { name, timezone: 'Europe/Berlin' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id, slug: res.json().slug };
}

/** Who makes something: anyone with headers (an Actor, or a fresh sign-in's). */
type Maker = Pick<Actor, 'headers'>;

const farmUrl = (farm: FarmRef, path: string) => `/api/v1/farms/${farm.slug}${path}`;

async function created<T>(app: App, who: Maker, farm: FarmRef, path: string, payload?: object): Promise<T> {
  const res = await app.inject({
    method: 'POST',
    url: farmUrl(farm, path),
    headers: who.headers,
    ...(payload ? { payload } : {}),
  });
  expect(res.statusCode, `POST ${path}: ${res.body}`).toBe(201);
  return res.json() as T;
}

// The shapes below mirror the route schemas (devices.routes.ts, locations.schemas.ts, beekeeping.routes.ts).

export type DeviceType = 'gpio' | 'relay' | 'pwm' | 'adc' | 'servo' | 'sensor' | 'manual';

export interface Channel {
  name: string;
  kind: string;
  safe_state: 'on' | 'off' | 'unchanged' | number;
}

export interface NewDevice {
  /** The label the hardware reports; made up (device-N) when not given. */
  device_id?: string;
  /** The label when not given. */
  name?: string;
  /** sensor when not given. */
  type?: DeviceType;
  hardware_id?: string | null;
  location_id?: string | null;
  model?: string | null;
  firmware_version?: string | null;
  channels?: Channel[];
}

/** A device as the API answers it. */
export interface Device {
  id: string;
  device_id: string;
  name: string;
  type: DeviceType;
  hardware_id: string | null;
  location_id: string | null;
  model: string | null;
  firmware_version: string | null;
  active: boolean;
  online: boolean;
  last_heartbeat_at: string | null;
  signal_strength: number | null;
  heap_free: number | null;
  uptime_seconds: number | null;
  last_command_status: string | null;
  last_command_at: string | null;
  channels: Channel[];
  created_at: string;
  updated_at: string;
}

export interface DeviceCredentials {
  username: string;
  password: string;
  /** The broker the device is told to use. */
  host: string;
  port: number | null;
  /** croft/{farm}/{device} */
  topicPrefix: string;
}

/** The credentials as the API answers them. */
interface IssuedCredentials {
  username: string;
  password: string;
  mqtt: { host: string; port: number | null; topic_prefix: string };
}

/** A device registered through the API (a sensor named by its label unless overridden). */
export async function createDevice(app: App, who: Maker, farm: FarmRef, overrides: NewDevice = {}): Promise<Device> {
  const label = overrides.device_id ?? `device-${++counter}`;
  return created<Device>(app, who, farm, '/devices', { name: label, type: 'sensor', ...overrides, device_id: label });
}

/** New credentials for a device (by label, id, or as created): the password is shown only here. */
export async function issueCredentials(
  app: App,
  who: Maker,
  farm: FarmRef,
  device: string | Pick<Device, 'device_id'>,
): Promise<DeviceCredentials> {
  const label = typeof device === 'string' ? device : device.device_id;
  const path = `/devices/${encodeURIComponent(label)}/credentials`;
  const { username, password, mqtt } = await created<IssuedCredentials>(app, who, farm, path);
  return { username, password, host: mqtt.host, port: mqtt.port, topicPrefix: mqtt.topic_prefix };
}

/** A device registered and given its credentials, ready to connect. */
export async function createDeviceWithCredentials(
  app: App,
  who: Maker,
  farm: FarmRef,
  overrides: NewDevice = {},
): Promise<{ device: Device; credentials: DeviceCredentials }> {
  const device = await createDevice(app, who, farm, overrides);
  return { device, credentials: await issueCredentials(app, who, farm, device) };
}

export type Geometry =
  | { type: 'Point'; coordinates: number[] }
  | { type: 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] };

export interface NewLocation {
  /** Location N when not given. */
  name?: string;
  /** site (which may stand at the top) when not given. */
  type?: string;
  parent_id?: string | null;
  code?: string | null;
  qr_code?: string;
  capacity?: number | null;
  status?: 'active' | 'maintenance' | 'retired';
  properties?: Record<string, unknown>;
  geometry?: Geometry | null;
}

/** A location as the API answers it. */
export interface Location {
  id: string;
  parent_id: string | null;
  name: string;
  type: string;
  code: string | null;
  qr_code: string;
  capacity: number | null;
  status: 'active' | 'maintenance' | 'retired';
  properties: Record<string, unknown>;
  geometry: Geometry | null;
  area_m2: number | null;
  centroid: { type: 'Point'; coordinates: number[] } | null;
  depth: number;
  created_at: string;
  updated_at: string;
}

/** A location made through the API (a site at the top unless overridden). */
export async function createLocation(
  app: App,
  who: Maker,
  farm: FarmRef,
  overrides: NewLocation = {},
): Promise<Location> {
  return created<Location>(app, who, farm, '/locations', { name: `Location ${++counter}`, type: 'site', ...overrides });
}

/** An apiary: a location of type apiary (at the top unless given a parent). */
export async function createApiary(
  app: App,
  who: Maker,
  farm: FarmRef,
  overrides: Omit<NewLocation, 'type'> = {},
): Promise<Location> {
  return createLocation(app, who, farm, { name: `Apiary ${++counter}`, ...overrides, type: 'apiary' });
}

export type HiveStatus = 'active' | 'dead_out' | 'sold' | 'united';
export interface HiveLayout {
  brood_boxes?: number;
  supers?: number;
  queen_excluder?: boolean;
  feeder?: boolean;
}

export interface NewHive {
  /** Hive N when not given. */
  name?: string;
  /** A new apiary is made when not given. */
  apiary_id?: string;
  /** The label of the scale under it. */
  device_id?: string | null;
  hive_type?: 'langstroth' | 'dadant' | 'national' | 'top_bar' | 'warre' | 'layens' | 'other';
  layout?: HiveLayout;
  status?: HiveStatus;
  scale_tare_kg?: number | null;
}

/** A hive as the API answers it. */
export interface Hive {
  id: string;
  name: string;
  apiary_id: string;
  hive_type: string;
  layout: HiveLayout;
  status: HiveStatus;
  /** The scale under it (device label). */
  device: string | null;
  scale_tare_kg: number | null;
  current_queen: { id: string; name: string; marking_colour: string | null; [field: string]: unknown } | null;
  last_inspection: string | null;
  active_alerts: Array<{ id: string; type: string; severity: string; message: string; triggered_at: string }>;
  created_at: string;
  updated_at: string;
}

/** A hive added through the API, in the apiary given or in a new one. */
export async function createHive(app: App, who: Maker, farm: FarmRef, overrides: NewHive = {}): Promise<Hive> {
  const apiary = overrides.apiary_id ?? (await createApiary(app, who, farm)).id;
  return created<Hive>(app, who, farm, '/hives', { name: `Hive ${++counter}`, ...overrides, apiary_id: apiary });
}

// The plant catalogue (catalog.schemas.ts): a farm's own rows, in the shipped catalogue's families and
// phase sequences unless told otherwise. The shipped rows themselves are in every test database already.

/** A catalogue row as the API answers it (the fields a test usually looks at; the rest by name). */
export interface CatalogRow {
  id: string;
  key: string;
  origin: 'global' | 'farm';
  retired_at: string | null;
  [field: string]: unknown;
}

/** Letters only (family names allow no digits): 1 → b, 2 → c … 26 → bb. */
const letters = (n: number) => {
  let text = '';
  for (let rest = n; ; rest = Math.floor(rest / 26) - 1) {
    text = String.fromCharCode(97 + (rest % 26)) + text;
    if (rest < 26) return text;
  }
};

/** A family of the farm's own (Croft…aceae unless named). */
export async function createCatalogFamily(
  app: App,
  who: Maker,
  farm: FarmRef,
  overrides: Record<string, unknown> = {},
): Promise<CatalogRow & { name: string }> {
  return created(app, who, farm, '/catalog/families', { name: `Croft${letters(++counter)}aceae`, ...overrides });
}

/** A species of the farm's own: a vegetable of the Solanaceae on the annual-fruiting sequence unless told. */
export async function createCatalogSpecies(
  app: App,
  who: Maker,
  farm: FarmRef,
  overrides: Record<string, unknown> = {},
): Promise<
  CatalogRow & { scientific_name: string; family: { id: string; key: string }; sequence: { id: string; key: string } }
> {
  return created(app, who, farm, '/catalog/species', {
    scientific_name: `Croftia ${letters(++counter)}`,
    family: 'solanaceae',
    category: 'vegetable',
    sequence: 'annual-fruiting',
    ...overrides,
  });
}

/** A cultivar of the farm's own, of the shipped tomato unless told (`species`: id or key). */
export async function createCatalogCultivar(
  app: App,
  who: Maker,
  farm: FarmRef,
  overrides: Record<string, unknown> = {},
): Promise<CatalogRow & { name: string; species: { id: string; key: string } }> {
  return created(app, who, farm, '/catalog/cultivars', {
    species: 'solanum-lycopersicum',
    name: `Cultivar ${++counter}`,
    ...overrides,
  });
}
