import { randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import { conflict, notFound } from '../../platform/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import type { FarmContext, RequestMeta } from '../identity/caller.js';
import { hashToken, randomToken, sameHash } from '../identity/tokens.js';
import { devicesRepository, type DeviceRow } from './devices.repository.js';
import type { DeviceType } from './devices.tables.js';

export interface NewDevice {
  device_id: string;
  name: string;
  type: DeviceType;
  hardware_id?: string | null | undefined;
  location_id?: string | null | undefined;
}

/** A device signed in with its own credentials. */
export interface DeviceIdentity {
  id: string;
  farmId: string;
  farmSlug: string;
  label: string;
}

export interface MqttEndpoint {
  host: string;
  port: number | null;
}

/** The device registry (the minimal record telemetry needs; the devices module grows it). */
export class DevicesService {
  /** Where devices reach the MQTT broker; set when the broker starts. */
  mqtt: MqttEndpoint = { host: 'localhost', port: null };

  constructor(private readonly deps: { db: Database; clock: Clock; config: Config }) {}

  async create(ctx: FarmContext, input: NewDevice, meta: RequestMeta): Promise<DeviceRow> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      if (await devicesRepository.find(tx, ctx.farmId, input.device_id)) {
        throw conflict('DEVICE_ID_TAKEN', `This farm already has a device "${input.device_id}"`);
      }
      const row = await devicesRepository.insert(tx, {
        farm_id: ctx.farmId, device_id: input.device_id, name: input.name.trim(), type: input.type,
        hardware_id: input.hardware_id ?? null, location_id: input.location_id ?? null, created_at: now, updated_at: now,
      });
      await recordAudit(tx, this.deps.clock, { farmId: ctx.farmId, caller: ctx.caller, meta, eventType: 'device.created', category: 'devices',
        message: `Device ${row.device_id} created`, data: { device_id: row.id } });
      return row;
    });
  }

  list(ctx: FarmContext): Promise<DeviceRow[]> {
    return this.deps.db.farm(ctx.farmId, (tx) => devicesRepository.list(tx, ctx.farmId));
  }

  async get(ctx: FarmContext, idOrLabel: string): Promise<DeviceRow> {
    const row = await this.deps.db.farm(ctx.farmId, (tx) => devicesRepository.find(tx, ctx.farmId, idOrLabel));
    if (!row) throw notFound('Device', { device: idOrLabel });
    return row;
  }

  /**
   * New credentials for a device (the old ones stop working at once). The password is returned this
   * once; the username is stable and unique across the instance.
   */
  async issueCredentials(ctx: FarmContext, idOrLabel: string, meta: RequestMeta): Promise<{ username: string; password: string; device: DeviceRow }> {
    const password = randomToken(24);
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const device = await devicesRepository.find(tx, ctx.farmId, idOrLabel);
      if (!device) throw notFound('Device', { device: idOrLabel });
      const username = `${ctx.slug}.${device.device_id}.${randomBytes(3).toString('hex')}`;
      await devicesRepository.setCredentials(tx, { device_id: device.id, farm_id: ctx.farmId, username,
        secret_hash: hashToken(password), created_at: this.deps.clock.now() });
      await recordAudit(tx, this.deps.clock, { farmId: ctx.farmId, caller: ctx.caller, meta, eventType: 'device.credentials_issued',
        category: 'devices', severity: 'warning', message: `New credentials for device ${device.device_id}`, data: { device_id: device.id } });
      return { username, password, device };
    });
  }

  /** Checks a device's username and password (MQTT CONNECT, HTTP Basic); undefined when wrong. */
  async authenticate(username: string, password: string): Promise<DeviceIdentity | undefined> {
    const row = await this.deps.db.system((tx) => devicesRepository.byUsername(tx, username));
    if (!row || !sameHash(row.secret_hash, hashToken(password))) return undefined;
    return { id: row.id, farmId: row.farm_id, farmSlug: row.slug, label: row.device_id };
  }
}
