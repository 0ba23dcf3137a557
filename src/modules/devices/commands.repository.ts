import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { CommandStatus, CommandTable, EmergencyStopTable } from './devices.tables.js';

export type CommandRow = Selectable<CommandTable>;
export type EmergencyStopRow = Selectable<EmergencyStopTable>;

export const commandsRepository = {
  insert(tx: Tx, row: Insertable<CommandTable>): Promise<CommandRow> {
    const values = {
      ...row,
      new_state: row.new_state === undefined || row.new_state === null ? null : JSON.stringify(row.new_state),
    };
    return tx
      .insertInto('commands')
      .values(values as Insertable<CommandTable>)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /** Inserts a command with an idempotency key; undefined when the farm already has one with this key. */
  insertKeyed(tx: Tx, row: Insertable<CommandTable>): Promise<CommandRow | undefined> {
    const newState = row.new_state === undefined || row.new_state === null ? null : JSON.stringify(row.new_state);
    return tx
      .insertInto('commands')
      .values({ ...row, new_state: newState } as Insertable<CommandTable>)
      .onConflict((oc) =>
        oc.columns(['farm_id', 'idempotency_key']).where('idempotency_key', 'is not', null).doNothing(),
      )
      .returningAll()
      .executeTakeFirst();
  },

  find(tx: Tx, farmId: string, id: string): Promise<CommandRow | undefined> {
    return tx.selectFrom('commands').selectAll().where('farm_id', '=', farmId).where('id', '=', id).executeTakeFirst();
  },

  /** The farm's command with this idempotency key (unique per farm). */
  byIdempotencyKey(tx: Tx, farmId: string, key: string): Promise<CommandRow | undefined> {
    return tx
      .selectFrom('commands')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
  },

  /** Newest first; `before` is the queued time of the previous page's last row (a cursor). */
  list(
    tx: Tx,
    farmId: string,
    filter: { deviceId?: string | undefined; status?: CommandStatus | undefined; before?: Date | undefined },
    limit: number,
  ) {
    let query = tx.selectFrom('commands').selectAll().where('farm_id', '=', farmId);
    if (filter.deviceId) query = query.where('device_id', '=', filter.deviceId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.before) query = query.where('queued_at', '<', filter.before);
    return query.orderBy('queued_at', 'desc').orderBy('id').limit(limit).execute();
  },

  /**
   * What to deliver to a device now, locked so no other process delivers it at the same time:
   * queued commands (and, on reconnection, sent ones never answered), emergency first, then by
   * priority, then oldest first.
   */
  takeDeliverable(
    tx: Tx,
    farmId: string,
    deviceId: string,
    now: Date,
    resendBefore: Date | null,
  ): Promise<CommandRow[]> {
    return tx
      .selectFrom('commands')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('device_id', '=', deviceId)
      .where((eb) =>
        resendBefore
          ? eb.or([
              eb('status', '=', 'queued'),
              eb.and([eb('status', '=', 'sent'), eb('delivered_at', '<', resendBefore)]),
            ])
          : eb('status', '=', 'queued'),
      )
      .where('expires_at', '>', now)
      .orderBy('priority')
      .orderBy('queued_at')
      .forUpdate()
      .skipLocked()
      .execute();
  },

  update(
    tx: Tx,
    farmId: string,
    id: string,
    patch: Updateable<CommandTable>,
    onlyIf?: readonly CommandStatus[],
  ): Promise<CommandRow | undefined> {
    const values =
      'new_state' in patch
        ? { ...patch, new_state: patch.new_state === null ? null : JSON.stringify(patch.new_state) }
        : patch;
    let query = tx
      .updateTable('commands')
      .set(values as Updateable<CommandTable>)
      .where('farm_id', '=', farmId)
      .where('id', '=', id);
    if (onlyIf) query = query.where('status', 'in', onlyIf);
    return query.returningAll().executeTakeFirst();
  },

  async markSent(tx: Tx, ids: string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await tx
      .updateTable('commands')
      .set({
        status: 'sent',
        sent_at: sql`coalesce(sent_at, ${now})`,
        delivered_at: now,
        deliveries: sql`deliveries + 1`,
      })
      .where('id', 'in', ids)
      .where('status', 'in', ['queued', 'sent'])
      .execute();
  },

  /** System scope: open commands past a deadline, locked for this sweep. */
  overdue(tx: Tx, now: Date, ackTimeoutMs: number, limit: number): Promise<CommandRow[]> {
    const answerBy = new Date(now.getTime() - ackTimeoutMs);
    return tx
      .selectFrom('commands')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('expires_at', '<=', now)]),
          eb.and([eb('status', '=', 'sent'), eb('sent_at', '<=', answerBy)]),
          eb.and([
            eb('status', '=', 'executing'),
            eb('duration_ms', 'is not', null),
            sql<boolean>`executing_at + make_interval(secs => (duration_ms + ${ackTimeoutMs}) / 1000.0) <= ${now}`,
          ]),
        ]),
      )
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
  },

  /** System scope: devices online with commands waiting (after a restart, or a missed trigger). */
  devicesWithQueued(tx: Tx, now: Date, limit: number) {
    return tx
      .selectFrom('commands')
      .innerJoin('devices', 'devices.id', 'commands.device_id')
      .select(['commands.farm_id', 'commands.device_id'])
      .distinct()
      .where('commands.status', '=', 'queued')
      .where('devices.online', '=', true)
      .where('commands.expires_at', '>', now)
      .limit(limit)
      .execute();
  },

  cancelQueued(tx: Tx, farmId: string, now: Date, reason: string): Promise<CommandRow[]> {
    return tx
      .updateTable('commands')
      .set({ status: 'cancelled', finished_at: now, error: reason })
      .where('farm_id', '=', farmId)
      .where('status', '=', 'queued')
      .returningAll()
      .execute();
  },

  holdingStop(tx: Tx, farmId: string): Promise<EmergencyStopRow | undefined> {
    return tx
      .selectFrom('emergency_stops')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('released_at', 'is', null)
      .executeTakeFirst();
  },

  insertStop(tx: Tx, row: Insertable<EmergencyStopTable>): Promise<EmergencyStopRow> {
    return tx.insertInto('emergency_stops').values(row).returningAll().executeTakeFirstOrThrow();
  },

  releaseStop(tx: Tx, farmId: string, patch: Updateable<EmergencyStopTable>): Promise<EmergencyStopRow | undefined> {
    return tx
      .updateTable('emergency_stops')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('released_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  },
};
