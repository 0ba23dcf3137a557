import { randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, DomainError, invalid, notFound } from '../../platform/errors.js';
import { isUuid } from '../../platform/ids.js';
import { recordAudit } from '../audit/index.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { hashToken, randomToken, sameHash } from '../../platform/secrets.js';
import type { Hooks } from '../../platform/hooks.js';
import type { DeviceLink } from '../../platform/mqtt/link.js';
import type { LiveEvents } from '../../platform/live/events.js';
import { checkConfigValue, deviceTopics } from './commands.engine.js';
import { devicesRepository, type ChannelRow, type ConfigRow, type DeviceRow } from './devices.repository.js';
import type { ChannelInput, ConfigInput, DevicePatch, Heartbeat, NewDevice } from './devices.schemas.js';

/** A device signed in with its own credentials. */
export interface DeviceIdentity {
  id: string;
  farmId: string;
  farmSlug: string;
  farmTimeZone: string;
  label: string;
}

export interface DeviceWithChannels extends DeviceRow {
  channels: ChannelRow[];
}

declare module '../../platform/hooks.js' {
  interface HookEvents {
    /** A device came online (its waiting commands go out). */
    'devices.online': { farmId: string; deviceId: string };
  }
}

interface Deps {
  db: Database;
  clock: Clock;
  config: Config;
  live: LiveEvents;
  hooks: Hooks;
  link: DeviceLink;
}

const SEMVER = /^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/;

function channelRows(channels: ChannelInput[]) {
  const names = new Set<string>();
  return channels.map((c, i) => {
    if (names.has(c.name))
      throw invalid(`Channel "${c.name}" is named twice`, {
        fields: [{ field: `body.channels[${i}].name`, message: 'is named twice' }],
      });
    names.add(c.name);
    return typeof c.safe_state === 'number'
      ? { name: c.name, kind: c.kind, safe_state: 'value' as const, safe_value: c.safe_state }
      : { name: c.name, kind: c.kind, safe_state: c.safe_state, safe_value: null };
  });
}

const uniqueViolation = (error: unknown, constraint: string) =>
  (error as { code?: string; constraint?: string }).code === '23505' &&
  String((error as { constraint?: string }).constraint ?? '').includes(constraint);

/** The device registry: devices and their channels, configuration, credentials and presence. */
export class DevicesService {
  constructor(private readonly deps: Deps) {}

  async create(ctx: FarmContext, input: NewDevice, meta: RequestMeta): Promise<DeviceWithChannels> {
    const now = this.deps.clock.now();
    const channels = channelRows(input.channels ?? []);
    const created = await this.#writing(() =>
      this.deps.db.farm(ctx.farmId, async (tx) => {
        if (await devicesRepository.find(tx, ctx.farmId, input.device_id)) {
          throw conflict('DEVICE_ID_TAKEN', `This farm already has a device "${input.device_id}"`);
        }
        const row = await devicesRepository.insert(tx, {
          farm_id: ctx.farmId,
          device_id: input.device_id,
          name: input.name.trim(),
          type: input.type,
          hardware_id: input.hardware_id ?? null,
          location_id: input.location_id ?? null,
          model: input.model ?? null,
          firmware_version: input.firmware_version ?? null,
          created_at: now,
          updated_at: now,
        });
        await devicesRepository.replaceChannels(tx, ctx.farmId, row.id, channels);
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'device.created',
          category: 'devices',
          message: `Device ${row.device_id} created`,
          data: { device_id: row.id },
        });
        return { ...row, channels: await devicesRepository.channels(tx, ctx.farmId, [row.id]) };
      }),
    );
    this.deps.live.farmEvent(ctx.farmId, { type: 'device', device: created.device_id, event: 'created' });
    return created;
  }

  async update(ctx: FarmContext, ref: string, patch: DevicePatch, meta: RequestMeta): Promise<DeviceWithChannels> {
    const updated = await this.#writing(() =>
      this.deps.db.farm(ctx.farmId, async (tx) => {
        const device = await this.#find(tx, ctx.farmId, ref);
        const { channels, ...fields } = patch;
        const row = await devicesRepository.update(tx, ctx.farmId, device.id, {
          ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
          updated_at: this.deps.clock.now(),
        });
        if (channels) await devicesRepository.replaceChannels(tx, ctx.farmId, device.id, channelRows(channels));
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'device.updated',
          category: 'devices',
          message: `Device ${device.device_id} changed`,
          data: { device_id: device.id, changed: Object.keys(patch) },
        });
        return { ...row!, channels: await devicesRepository.channels(tx, ctx.farmId, [device.id]) };
      }),
    );
    this.deps.live.farmEvent(ctx.farmId, { type: 'device', device: updated.device_id, event: 'updated' });
    return updated;
  }

  async remove(ctx: FarmContext, ref: string, meta: RequestMeta): Promise<void> {
    const device = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const found = await this.#find(tx, ctx.farmId, ref);
      await devicesRepository.remove(tx, ctx.farmId, found.id);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'device.deleted',
        category: 'devices',
        severity: 'warning',
        message: `Device ${found.device_id} deleted with its readings`,
        data: { device_id: found.id },
      });
      return found;
    });
    this.deps.link.disconnect(ctx.farmId, device.device_id);
    this.deps.live.farmEvent(ctx.farmId, { type: 'device', device: device.device_id, event: 'deleted' });
  }

  async list(ctx: FarmContext): Promise<DeviceWithChannels[]> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const rows = await devicesRepository.list(tx, ctx.farmId);
      const channels = await devicesRepository.channels(
        tx,
        ctx.farmId,
        rows.map((r) => r.id),
      );
      return rows.map((r) => ({ ...r, channels: channels.filter((c) => c.device_id === r.id) }));
    });
  }

  async get(ctx: FarmContext, ref: string): Promise<DeviceWithChannels> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const row = await this.#find(tx, ctx.farmId, ref);
      return { ...row, channels: await devicesRepository.channels(tx, ctx.farmId, [row.id]) };
    });
  }

  async #find(tx: Tx, farmId: string, ref: string): Promise<DeviceRow> {
    const row = await devicesRepository.find(tx, farmId, ref);
    if (!row) throw notFound('Device', { device: ref });
    return row;
  }

  /** Unique hardware ids and bad locations answer in words, not as a database error. */
  async #writing<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if (uniqueViolation(error, 'hardware_id'))
        throw conflict('HARDWARE_ID_TAKEN', 'Another device already has this hardware id');
      if ((error as { code?: string }).code === '23503')
        throw invalid('No such location in this farm', {
          fields: [{ field: 'body.location_id', message: 'not found' }],
        });
      throw error;
    }
  }

  // Configuration

  config(ctx: FarmContext, ref: string): Promise<ConfigRow[]> {
    return this.deps.db.farm(ctx.farmId, async (tx) =>
      devicesRepository.config(tx, ctx.farmId, (await this.#find(tx, ctx.farmId, ref)).id),
    );
  }

  /** Sets one parameter (bounds kept unless given) and sends the whole configuration to the device, retained. */
  async setConfig(
    ctx: FarmContext,
    ref: string,
    name: string,
    input: ConfigInput,
    meta: RequestMeta,
  ): Promise<ConfigRow> {
    const { device, row, all } = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const device = await this.#find(tx, ctx.farmId, ref);
      const before = await devicesRepository.configParameter(tx, ctx.farmId, device.id, name);
      const min = input.min !== undefined ? input.min : (before?.min ?? null);
      const max = input.max !== undefined ? input.max : (before?.max ?? null);
      if (min !== null && max !== null && min > max)
        throw invalid('min must not be above max', { fields: [{ field: 'body.min', message: 'is above max' }] });
      const problem = checkConfigValue(input.value, min, max);
      if (problem)
        throw invalid(
          `${name} ${problem}`,
          { fields: [{ field: 'body.value', message: problem }], min, max },
          'VALUE_OUT_OF_RANGE',
        );
      const row: ConfigRow = {
        farm_id: ctx.farmId,
        device_id: device.id,
        name,
        value: input.value,
        unit: input.unit !== undefined ? input.unit : (before?.unit ?? null),
        min,
        max,
        calibrated: input.calibrated ?? before?.calibrated ?? false,
        updated_at: this.deps.clock.now(),
      };
      await devicesRepository.putConfig(tx, row);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'device.config_changed',
        category: 'devices',
        message: `${device.device_id}: ${name} set`,
        data: { device_id: device.id, name, from: before?.value ?? null, to: input.value },
      });
      return { device, row, all: await devicesRepository.config(tx, ctx.farmId, device.id) };
    });
    await this.#publishConfig(ctx, device.device_id, all);
    return row;
  }

  async deleteConfig(ctx: FarmContext, ref: string, name: string, meta: RequestMeta): Promise<void> {
    const { device, all } = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const device = await this.#find(tx, ctx.farmId, ref);
      if (!(await devicesRepository.deleteConfig(tx, ctx.farmId, device.id, name)))
        throw notFound('Parameter', { name });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'device.config_changed',
        category: 'devices',
        message: `${device.device_id}: ${name} removed`,
        data: { device_id: device.id, name },
      });
      return { device, all: await devicesRepository.config(tx, ctx.farmId, device.id) };
    });
    await this.#publishConfig(ctx, device.device_id, all);
  }

  /** Retained on both the farm-id and the slug form of the topic (see {@link deviceTopics}). */
  async #publishConfig(ctx: FarmContext, label: string, all: ConfigRow[]): Promise<void> {
    const message = JSON.stringify(Object.fromEntries(all.map((p) => [p.name, p.value])));
    for (const topic of deviceTopics({ id: ctx.farmId, slug: ctx.slug }, label, 'config'))
      await this.deps.link.publish(topic, message, { retain: true });
  }

  // Credentials

  /**
   * New credentials for a device (the old ones stop working at once, and a device connected with
   * them is disconnected). The password is returned this once; the username is unique in the instance.
   */
  async issueCredentials(
    ctx: FarmContext,
    idOrLabel: string,
    meta: RequestMeta,
  ): Promise<{ username: string; password: string; device: DeviceRow }> {
    const password = randomToken(24);
    const issued = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const device = await this.#find(tx, ctx.farmId, idOrLabel);
      const username = `${ctx.slug}.${device.device_id}.${randomBytes(3).toString('hex')}`;
      const rotated = (await devicesRepository.credentialsOf(tx, ctx.farmId, device.id)) !== undefined;
      await devicesRepository.setCredentials(tx, {
        device_id: device.id,
        farm_id: ctx.farmId,
        username,
        secret_hash: hashToken(password),
        created_at: this.deps.clock.now(),
      });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: rotated ? 'device.credentials_rotated' : 'device.credentials_issued',
        category: 'devices',
        severity: 'warning',
        message: `New credentials for device ${device.device_id}`,
        data: { device_id: device.id },
      });
      return { username, password, device, rotated };
    });
    if (issued.rotated) this.deps.link.disconnect(ctx.farmId, issued.device.device_id);
    return issued;
  }

  async revokeCredentials(ctx: FarmContext, idOrLabel: string, meta: RequestMeta): Promise<void> {
    const device = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const device = await this.#find(tx, ctx.farmId, idOrLabel);
      if (!(await devicesRepository.deleteCredentials(tx, ctx.farmId, device.id)))
        throw notFound('Credentials', { device: idOrLabel });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'device.credentials_revoked',
        category: 'devices',
        severity: 'warning',
        message: `Credentials of device ${device.device_id} revoked`,
        data: { device_id: device.id },
      });
      return device;
    });
    this.deps.link.disconnect(ctx.farmId, device.device_id);
  }

  /** Device references (ids or labels) as labels; ids of no device of the farm are left out. */
  async labelsOf(farmId: string, refs: string[]): Promise<string[]> {
    const ids = refs.filter(isUuid);
    const found = await this.deps.db.farm(farmId, (tx) =>
      devicesRepository.byIds(
        tx,
        farmId,
        ids.map((id) => id.toLowerCase()),
      ),
    );
    return [...new Set([...refs.filter((r) => !isUuid(r)), ...found.map((d) => d.device_id)])];
  }

  /** The device a username belongs to, without checking a password (a broker asking about topic rights). */
  async byUsername(username: string): Promise<DeviceIdentity | undefined> {
    const row = await this.deps.db.system((tx) => devicesRepository.byUsername(tx, username));
    return (
      row && { id: row.id, farmId: row.farm_id, farmSlug: row.slug, farmTimeZone: row.time_zone, label: row.device_id }
    );
  }

  /** Checks a device's username and password (MQTT CONNECT, HTTP Basic); undefined when wrong. */
  async authenticate(username: string, password: string): Promise<DeviceIdentity | undefined> {
    const row = await this.deps.db.system((tx) => devicesRepository.byUsername(tx, username));
    if (!row || !sameHash(row.secret_hash, hashToken(password))) return undefined;
    return { id: row.id, farmId: row.farm_id, farmSlug: row.slug, farmTimeZone: row.time_zone, label: row.device_id };
  }

  // Presence

  /**
   * A heartbeat (MQTT or HTTP), or any other sign of life: the device is online, its health is
   * recorded, and when it was offline that change is announced and its waiting commands go out.
   */
  async heartbeat(farmId: string, label: string, beat: Heartbeat = {}): Promise<void> {
    const now = this.deps.clock.now();
    const change = await this.deps.db.farm(farmId, async (tx) => {
      const device = await devicesRepository.find(tx, farmId, label);
      if (!device) return undefined;
      await devicesRepository.update(tx, farmId, device.id, {
        online: true,
        last_heartbeat_at: now,
        ...(beat.firmware_version !== undefined && SEMVER.test(beat.firmware_version)
          ? { firmware_version: beat.firmware_version }
          : {}),
        ...(beat.signal_strength !== undefined ? { signal_strength: beat.signal_strength } : {}),
        ...(beat.heap_free !== undefined ? { heap_free: Math.round(beat.heap_free) } : {}),
        ...(beat.uptime_seconds !== undefined ? { uptime_seconds: Math.round(beat.uptime_seconds) } : {}),
      });
      if (device.online) return undefined;
      await recordAudit(tx, this.deps.clock, {
        farmId,
        eventType: 'device.online',
        category: 'devices',
        message: `Device ${label} is online`,
        data: { device_id: device.id },
      });
      return device;
    });
    if (change) {
      this.deps.live.farmEvent(farmId, {
        type: 'device',
        device: label,
        event: 'online',
        online: true,
        last_heartbeat_at: now.toISOString(),
      });
      this.deps.hooks.emit('devices.online', { farmId, deviceId: change.id });
    }
  }

  /** The device left (its MQTT connection closed) or fell silent. */
  /** A heartbeat over HTTP, for the device (id or label) a route names. */
  async heartbeatOf(ctx: FarmContext, ref: string, beat: Heartbeat): Promise<void> {
    const device = await this.get(ctx, ref);
    await this.heartbeat(ctx.farmId, device.device_id, beat);
  }

  async markOffline(farmId: string, label: string, reason: string): Promise<void> {
    const changed = await this.deps.db.farm(farmId, async (tx) => {
      const device = await devicesRepository.find(tx, farmId, label);
      if (!device?.online) return false;
      await devicesRepository.update(tx, farmId, device.id, { online: false });
      await recordAudit(tx, this.deps.clock, {
        farmId,
        eventType: 'device.offline',
        category: 'devices',
        severity: 'warning',
        message: `Device ${label} is offline (${reason})`,
        data: { device_id: device.id, reason },
      });
      return true;
    });
    if (changed)
      this.deps.live.farmEvent(farmId, { type: 'device', device: label, event: 'offline', online: false, reason });
  }

  /** Marks offline every device that missed its heartbeats (the presence sweep); returns how many. */
  async sweepPresence(): Promise<number> {
    const { heartbeatIntervalS, heartbeatMissed } = this.deps.config;
    const now = this.deps.clock.now();
    const before = new Date(now.getTime() - heartbeatIntervalS * heartbeatMissed * 1000);
    const silent = await this.deps.db.system((tx) => devicesRepository.silentOnline(tx, before, 500));
    let marked = 0;
    for (const device of silent) {
      await this.markOffline(
        device.farm_id,
        device.device_id,
        `no heartbeat for ${heartbeatMissed} × ${heartbeatIntervalS} s`,
      );
      marked++;
    }
    return marked;
  }
}
