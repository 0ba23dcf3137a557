import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, DomainError, invalid, notFound } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import type { Logger } from '../../platform/logger.js';
import { recordAudit } from '../audit/index.js';
import { actorIds, type FarmContext, type RequestMeta } from '../../platform/tenancy/caller.js';
import type { Hooks } from '../../platform/hooks.js';
import type { DeviceLink } from '../../platform/mqtt/link.js';
import type { LiveEvents } from '../../platform/live/events.js';
import {
  deviceTopics,
  afterAck,
  checkCommand,
  OPEN_STATUSES,
  overdue,
  PRIORITY_RANK,
  safeStateCommands,
  type CommandInput,
  type Priority,
} from './commands.engine.js';
import { commandsRepository, type CommandRow, type EmergencyStopRow } from './commands.repository.js';
import { farmReads } from '../farms/index.js';
import { devicesRepository, type DeviceRow } from './devices.repository.js';
import type { DevicesService } from './devices.service.js';
import type { CommandSource, CommandTable } from './devices.tables.js';
import type { CommandAck, CommandBatch, CommandsQuery, NewCommand } from './commands.schemas.js';
import { commandView, type CommandView } from './commands.views.js';

export type { CommandAck } from './commands.schemas.js';

/** A command as clients see it (the device's label included). */
export type { CommandView } from './commands.views.js';

declare module '../../platform/hooks.js' {
  interface HookEvents {
    /** A command reached a final status (schedules record their executions' outcome). */
    'commands.finished': { farmId: string; command: CommandView };
  }
}

interface Deps {
  hooks: Hooks;
  link: DeviceLink;
  db: Database;
  clock: Clock;
  config: Config;
  log: Logger;
  live: LiveEvents;
  devices: DevicesService;
}

/** A sent, unanswered command goes again on reconnection, if its last delivery is older than this. */
const RESEND_AFTER_MS = 2_000;

const locked = (message: string) => new DomainError('locked', 'EMERGENCY_STOP', message);
const inactive = (device: DeviceRow) =>
  new DomainError('rule', 'DEVICE_INACTIVE', `Device ${device.device_id} is not active`);

/**
 * The command queue: commands wait in the database until their device is online, go out over MQTT
 * (at least once: the device ignores an id it already ran) emergency first, then by priority, and
 * move queued → sent → executing → completed | failed | timeout | expired | cancelled, every step
 * stamped and announced on the live hub.
 */
export class CommandsService {
  constructor(private readonly deps: Deps) {}

  /**
   * Queues a command. An idempotency key follows the one rule for client-made ids
   * (platform/idempotency.ts): unique in the farm; a repeat answers the command it queued, whatever
   * has happened since; the same key with a different command (or device) is IDEMPOTENCY_CONFLICT.
   */
  async create(
    ctx: FarmContext,
    deviceRef: string,
    input: NewCommand,
    meta: RequestMeta,
  ): Promise<{ command: CommandView; created: boolean }> {
    const result = await this.deps.db.farm(ctx.farmId, async (tx) => {
      // A repeat answers its command even when the device has been switched off since.
      const device = await this.#device(tx, ctx.farmId, deviceRef, !input.idempotency_key);
      const queue = async (requestHash: string | null): Promise<CommandRow | undefined> => {
        if (!device.active) throw inactive(device);
        if (await commandsRepository.holdingStop(tx, ctx.farmId)) {
          throw locked('An emergency stop holds this farm: release it first');
        }
        const row = await this.#commandRow(tx, ctx, device, input, 'api', null);
        const command =
          requestHash === null
            ? await commandsRepository.insert(tx, row)
            : await commandsRepository.insertKeyed(tx, { ...row, request_hash: requestHash });
        if (!command) return undefined;
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'command.queued',
          category: 'commands',
          message: `${input.action}${input.channel ? ` ${input.channel}` : ''} → ${device.device_id}`,
          data: { command_id: command.id, device_id: device.id },
        });
        return command;
      };
      const key = input.idempotency_key;
      const { row, created } = key
        ? await idempotent({
            request: { ...input, idempotency_key: undefined, device: device.id },
            find: () => commandsRepository.byIdempotencyKey(tx, ctx.farmId, key),
            create: queue,
            storedHash: (stored) => stored.request_hash,
            details: { idempotency_key: key },
          })
        : { row: (await queue(null))!, created: true };
      return { command: { ...row, device: device.device_id }, created, device };
    });
    if (result.created) this.#announce(ctx.farmId, result.command);
    if (result.created && result.device.online) await this.dispatch(ctx.farmId, result.device.id, false);
    return { command: result.command, created: result.created };
  }

  /** One command to many devices: all checked first; nothing is queued unless every device can take it. */
  async batch(
    ctx: FarmContext,
    body: CommandBatch,
    meta: RequestMeta,
  ): Promise<{ batch_id: string; commands: CommandView[] }> {
    const { devices: deviceRefs, ...input } = body;
    const batchId = randomUUID();
    const { commands, devices } = await this.deps.db.farm(ctx.farmId, async (tx) => {
      if (await commandsRepository.holdingStop(tx, ctx.farmId))
        throw locked('An emergency stop holds this farm: release it first');
      const devices: DeviceRow[] = [];
      for (const [i, ref] of [...new Set(deviceRefs)].entries()) {
        try {
          devices.push(await this.#device(tx, ctx.farmId, ref));
        } catch (error) {
          if (error instanceof DomainError)
            throw invalid(`devices[${i}]: ${error.message}`, {
              fields: [{ field: `body.devices[${i}]`, message: error.message }],
            });
          throw error;
        }
      }
      const commands: CommandView[] = [];
      for (const device of devices)
        commands.push({ ...(await this.#queue(tx, ctx, device, input, 'batch', batchId)), device: device.device_id });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'command.batch_queued',
        category: 'commands',
        message: `${input.action} → ${devices.length} devices`,
        data: { batch_id: batchId, devices: devices.map((d) => d.id) },
      });
      return { commands, devices };
    });
    for (const command of commands) this.#announce(ctx.farmId, command);
    for (const device of devices) if (device.online) await this.dispatch(ctx.farmId, device.id, false);
    return { batch_id: batchId, commands };
  }

  async #device(tx: Tx, farmId: string, ref: string, mustBeActive = true): Promise<DeviceRow> {
    const device = await devicesRepository.find(tx, farmId, ref);
    if (!device) throw notFound('Device', { device: ref });
    if (mustBeActive && !device.active) throw inactive(device);
    return device;
  }

  async #queue(
    tx: Tx,
    ctx: Pick<FarmContext, 'farmId'> & { caller?: FarmContext['caller'] | undefined },
    device: DeviceRow,
    input: NewCommand,
    source: CommandSource,
    batchId: string | null,
  ): Promise<CommandRow> {
    return commandsRepository.insert(tx, await this.#commandRow(tx, ctx, device, input, source, batchId));
  }

  /** The command row for a request, once the device can take it (else the refusal in words). */
  async #commandRow(
    tx: Tx,
    ctx: Pick<FarmContext, 'farmId'> & { caller?: FarmContext['caller'] | undefined },
    device: DeviceRow,
    input: NewCommand,
    source: CommandSource,
    batchId: string | null,
  ): Promise<Insertable<CommandTable>> {
    const channels = (await devicesRepository.channels(tx, ctx.farmId, [device.id])).map((c) => c.name);
    const checked = checkCommand(device.type, channels, input);
    if (!checked.ok) {
      throw checked.status === 'rule'
        ? new DomainError('rule', checked.code, checked.message)
        : invalid(
            checked.message,
            { fields: [{ field: checked.field ?? 'body', message: checked.message }] },
            checked.code,
          );
    }
    const now = this.deps.clock.now();
    return {
      farm_id: ctx.farmId,
      device_id: device.id,
      channel: input.channel ?? null,
      action: input.action,
      value: input.value ?? null,
      duration_ms: input.duration_ms ?? null,
      priority: source === 'emergency' ? 0 : PRIORITY_RANK[input.priority ?? 'normal'],
      status: 'queued',
      source,
      idempotency_key: input.idempotency_key ?? null,
      batch_id: batchId,
      requested_by_user: actorIds(ctx.caller).user_id,
      requested_by_api_key: actorIds(ctx.caller).api_key_id,
      error: null,
      new_state: null,
      queued_at: now,
      sent_at: null,
      executing_at: null,
      finished_at: null,
      expires_at: new Date(now.getTime() + (input.ttl_s ?? this.deps.config.commandTtlS) * 1000),
    };
  }

  async get(ctx: FarmContext, id: string): Promise<CommandView> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const command = await commandsRepository.find(tx, ctx.farmId, id);
      if (!command) throw notFound('Command', { id });
      return this.#view(tx, ctx.farmId, command);
    });
  }

  async list(ctx: FarmContext, query: CommandsQuery & { limit: number }) {
    const { device: ref, status, limit } = query;
    const before = query.cursor ? new Date(query.cursor) : undefined;
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const device = ref ? await devicesRepository.find(tx, ctx.farmId, ref) : undefined;
      if (ref && !device) throw notFound('Device', { device: ref });
      const rows = await commandsRepository.list(tx, ctx.farmId, { deviceId: device?.id, status, before }, limit + 1);
      const labels = new Map(
        (await devicesRepository.byIds(tx, ctx.farmId, [...new Set(rows.map((r) => r.device_id))])).map((d) => [
          d.id,
          d.device_id,
        ]),
      );
      const page = rows.slice(0, limit).map((r) => ({ ...r, device: labels.get(r.device_id) ?? r.device_id }));
      return { data: page, next: rows.length > limit ? page[page.length - 1]!.queued_at : null };
    });
  }

  /** Cancels a command still waiting; once sent it is the device's (409). */
  async cancel(ctx: FarmContext, id: string, meta: RequestMeta): Promise<CommandView> {
    const view = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const command = await commandsRepository.find(tx, ctx.farmId, id);
      if (!command) throw notFound('Command', { id });
      const cancelled = await commandsRepository.update(
        tx,
        ctx.farmId,
        id,
        { status: 'cancelled', finished_at: this.deps.clock.now() },
        ['queued'],
      );
      if (!cancelled)
        throw conflict('NOT_CANCELLABLE', `The command is ${command.status}: only a queued command can be cancelled`, {
          status: command.status,
        });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'command.cancelled',
        category: 'commands',
        message: 'Command cancelled',
        data: { command_id: id },
      });
      return this.#view(tx, ctx.farmId, cancelled);
    });
    this.#announce(ctx.farmId, view);
    return view;
  }

  async #view(tx: Tx, farmId: string, command: CommandRow): Promise<CommandView> {
    const [device] = await devicesRepository.byIds(tx, farmId, [command.device_id]);
    return { ...command, device: device?.device_id ?? command.device_id };
  }

  /**
   * Sends a device what waits for it, emergency first, then by priority, oldest first — when it is
   * online. `resend` also sends again what was sent but never answered (after a reconnection).
   */
  async dispatch(farmId: string, deviceId: string, resend: boolean): Promise<number> {
    const now = this.deps.clock.now();
    // Marked sent and committed first, then announced, then published: a device's answer can then
    // never overtake the "sent" step. A crash before publishing leaves it sent and unanswered, so it
    // goes again when the device reconnects (or times out and the sender is told).
    const taken = await this.deps.db.farm(farmId, async (tx) => {
      const [device] = await devicesRepository.byIds(tx, farmId, [deviceId]);
      if (!device?.online) return undefined;
      const farm = await farmReads.byId(tx, farmId);
      if (!farm) return undefined;
      // A command delivered a moment ago (by another trigger of the same reconnection) is not sent again yet.
      const due = await commandsRepository.takeDeliverable(
        tx,
        farmId,
        deviceId,
        now,
        resend ? new Date(now.getTime() - RESEND_AFTER_MS) : null,
      );
      await commandsRepository.markSent(
        tx,
        due.map((c) => c.id),
        now,
      );
      return { due, topics: deviceTopics(farm, device.device_id, 'commands'), label: device.device_id };
    });
    if (!taken) return 0;
    for (const command of taken.due) {
      if (command.status === 'queued')
        this.#announce(farmId, { ...command, status: 'sent', sent_at: now, device: taken.label });
    }
    for (const command of taken.due) {
      const message = JSON.stringify({
        command_id: command.id,
        action: command.action,
        ...(command.value !== null ? { value: command.value } : {}),
        ...(command.channel !== null ? { channel: command.channel } : {}),
        ...(command.duration_ms !== null ? { duration_ms: command.duration_ms } : {}),
        expires_at: command.expires_at.toISOString(),
      });
      for (const topic of taken.topics)
        await this.deps.link
          .publish(topic, message)
          .catch((error: unknown) =>
            this.deps.log.warn(
              { err: error, command: command.id, topic },
              'command not published: it goes again on reconnection',
            ),
          );
    }
    return taken.due.filter((c) => c.status === 'queued').length;
  }

  /**
   * A device (re)subscribed to its commands: what waits goes out, and what was sent but never
   * answered goes again (the device ignores an id it already ran).
   */
  async listening(farmId: string, label: string): Promise<void> {
    const device = await this.deps.db.farm(farmId, (tx) => devicesRepository.find(tx, farmId, label));
    if (device) await this.dispatch(farmId, device.id, true);
  }

  /** A device's report on a command (MQTT `commands/ack`, or HTTP from a gateway). */
  async acknowledge(farmId: string, deviceLabel: string, ack: CommandAck): Promise<CommandView | undefined> {
    const now = this.deps.clock.now();
    const view = await this.deps.db.farm(farmId, async (tx) => {
      const command = await commandsRepository.find(tx, farmId, ack.command_id);
      const device = command && (await devicesRepository.byIds(tx, farmId, [command.device_id]))[0];
      if (!command || device?.device_id !== deviceLabel) return undefined;
      const next = afterAck(command.status, ack.status);
      if (!next) return undefined;
      const updated = await commandsRepository.update(
        tx,
        farmId,
        command.id,
        {
          status: next,
          ...(next === 'executing'
            ? { executing_at: now }
            : { finished_at: now, executing_at: command.executing_at ?? now }),
          ...(command.sent_at === null ? { sent_at: now } : {}),
          ...(ack.error !== undefined ? { error: ack.error.slice(0, 1000) } : {}),
          ...(ack.new_state !== undefined ? { new_state: ack.new_state } : {}),
        },
        [command.status],
      );
      if (!updated) return undefined;
      await devicesRepository.update(tx, farmId, device.id, { last_command_status: next, last_command_at: now });
      return { ...updated, device: deviceLabel };
    });
    if (view) this.#announce(farmId, view);
    return view;
  }

  /**
   * The sweep (every CROFT_DEVICE_SWEEP_MS where jobs run): expires and times out overdue commands,
   * tells the sender of a timeout, delivers what waits for online devices, and marks silent devices
   * offline. Safe to run in several processes at once.
   */
  async sweep(): Promise<{ expired: number; timedOut: number; delivered: number; offline: number }> {
    const now = this.deps.clock.now();
    const ackTimeoutMs = this.deps.config.commandAckTimeoutS * 1000;
    const changed = await this.deps.db.system(async (tx) => {
      const due = await commandsRepository.overdue(tx, now, ackTimeoutMs, 500);
      const out: CommandRow[] = [];
      for (const command of due) {
        const status = overdue(
          {
            status: command.status,
            expires_at: command.expires_at.getTime(),
            sent_at: command.sent_at?.getTime() ?? null,
            executing_at: command.executing_at?.getTime() ?? null,
            duration_ms: command.duration_ms,
          },
          now.getTime(),
          ackTimeoutMs,
        );
        if (!status) continue;
        const error =
          status === 'expired'
            ? 'The device did not come online before the command expired'
            : command.status === 'sent'
              ? `No answer from the device within ${this.deps.config.commandAckTimeoutS} s`
              : 'The device did not report the command finished within its duration';
        const updated = await commandsRepository.update(
          tx,
          command.farm_id,
          command.id,
          { status, finished_at: now, error },
          [command.status],
        );
        if (updated) out.push(updated);
      }
      return out;
    });
    for (const command of changed) {
      const view = await this.deps.db.farm(command.farm_id, (tx) => this.#view(tx, command.farm_id, command));
      this.#announce(command.farm_id, view);
      if (command.status === 'timeout' && command.requested_by_user) {
        this.deps.live.notification(command.requested_by_user, {
          kind: 'command_timeout',
          severity: 'important',
          farm_id: command.farm_id,
          command_id: command.id,
          device: view.device,
          title: `${view.device} did not answer`,
          message: `${command.action} to ${view.device}: ${command.error}`,
        });
      }
    }
    const waiting = await this.deps.db.system((tx) => commandsRepository.devicesWithQueued(tx, now, 200));
    let delivered = 0;
    for (const { farm_id, device_id } of waiting) delivered += await this.dispatch(farm_id, device_id, false);
    const offline = await this.deps.devices.sweepPresence();
    return {
      expired: changed.filter((c) => c.status === 'expired').length,
      timedOut: changed.filter((c) => c.status === 'timeout').length,
      delivered,
      offline,
    };
  }

  // Emergency stop

  holding(farmId: string): Promise<EmergencyStopRow | undefined> {
    return this.deps.db.farm(farmId, (tx) => commandsRepository.holdingStop(tx, farmId));
  }

  /**
   * Cancels everything queued, and sends every channel of the farm to its safe state ahead of
   * anything else; holds (no other command, schedules suspended) until released.
   */
  async emergencyStop(
    ctx: FarmContext,
    reason: string | undefined,
    meta: RequestMeta,
  ): Promise<{ stop: EmergencyStopRow; commands: CommandView[]; cancelled: number }> {
    const now = this.deps.clock.now();
    const result = await this.deps.db.farm(ctx.farmId, async (tx) => {
      if (await commandsRepository.holdingStop(tx, ctx.farmId))
        throw conflict('EMERGENCY_STOP_HOLDS', 'An emergency stop already holds this farm');
      const actor = actorIds(ctx.caller);
      const stop = await commandsRepository.insertStop(tx, {
        farm_id: ctx.farmId,
        reason: reason ?? null,
        started_at: now,
        started_by_user: actor.user_id,
        started_by_api_key: actor.api_key_id,
        released_at: null,
        released_by_user: null,
        released_by_api_key: null,
      });
      const cancelled = await commandsRepository.cancelQueued(tx, ctx.farmId, now, 'Cancelled by the emergency stop');
      const devices = (await devicesRepository.list(tx, ctx.farmId)).filter((d) => d.active);
      const channels = await devicesRepository.channels(
        tx,
        ctx.farmId,
        devices.map((d) => d.id),
      );
      const commands: CommandView[] = [];
      for (const device of devices) {
        for (const input of safeStateCommands(
          device.type,
          channels.filter((c) => c.device_id === device.id),
        )) {
          commands.push({
            ...(await this.#queue(tx, ctx, device, { ...input, ttl_s: 24 * 3600 }, 'emergency', stop.id)),
            device: device.device_id,
          });
        }
      }
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'farm.emergency_stop',
        category: 'commands',
        severity: 'critical',
        message: `Emergency stop${reason ? `: ${reason}` : ''}`,
        data: { stop_id: stop.id, cancelled: cancelled.length, safe_state_commands: commands.length },
      });
      return { stop, commands, cancelled, devices };
    });
    for (const command of result.cancelled)
      this.#announce(ctx.farmId, {
        ...command,
        device: result.devices.find((d) => d.id === command.device_id)?.device_id ?? '',
      });
    for (const command of result.commands) this.#announce(ctx.farmId, command);
    for (const device of result.devices) if (device.online) await this.dispatch(ctx.farmId, device.id, false);
    return { stop: result.stop, commands: result.commands, cancelled: result.cancelled.length };
  }

  async releaseEmergencyStop(ctx: FarmContext, meta: RequestMeta): Promise<EmergencyStopRow> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const actor = actorIds(ctx.caller);
      const released = await commandsRepository.releaseStop(tx, ctx.farmId, {
        released_at: this.deps.clock.now(),
        released_by_user: actor.user_id,
        released_by_api_key: actor.api_key_id,
      });
      if (!released) throw conflict('NO_EMERGENCY_STOP', 'No emergency stop holds this farm');
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'farm.emergency_stop_released',
        category: 'commands',
        severity: 'warning',
        message: 'Emergency stop released',
        data: { stop_id: released.id },
      });
      return released;
    });
  }

  #announce(farmId: string, command: CommandView): void {
    this.deps.live.farmEvent(farmId, { type: 'command', device: command.device, command: commandView(command) });
    if (!OPEN_STATUSES.includes(command.status)) {
      this.deps.hooks.emit('commands.finished', { farmId, command });
    }
  }

  /**
   * A command on behalf of the farm itself (a schedule firing), queued in the caller's transaction;
   * once that has committed, {@link afterQueued} announces and sends it. The caller has checked that
   * no emergency stop holds.
   */
  async queueFor(
    farmId: string,
    deviceId: string,
    input: CommandInput & { priority?: Priority | undefined },
    source: CommandSource,
    tx: Tx,
  ): Promise<CommandView> {
    const [device] = await devicesRepository.byIds(tx, farmId, [deviceId]);
    if (!device) throw notFound('Device', { device: deviceId });
    return { ...(await this.#queue(tx, { farmId }, device, input, source, null)), device: device.device_id };
  }

  /** After a `queueFor` inside the caller's transaction has committed: announce and send it. */
  async afterQueued(farmId: string, command: CommandView, deviceId: string): Promise<void> {
    this.#announce(farmId, command);
    await this.dispatch(farmId, deviceId, false);
  }
}
