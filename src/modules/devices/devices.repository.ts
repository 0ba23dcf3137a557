import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import type { DeviceChannelTable, DeviceConfigTable, DeviceTable } from './devices.tables.js';

export type DeviceRow = Selectable<DeviceTable>;
export type ChannelRow = Selectable<DeviceChannelTable>;
export type ConfigRow = Selectable<DeviceConfigTable>;

export const devicesRepository = {
  insert(tx: Tx, row: Insertable<DeviceTable>): Promise<DeviceRow> {
    return tx.insertInto('devices').values(row).returningAll().executeTakeFirstOrThrow();
  },

  /** By id, or by the label the hardware reports (a UUID-shaped value is an id). */
  find(tx: Tx, farmId: string, idOrLabel: string): Promise<DeviceRow | undefined> {
    return tx
      .selectFrom('devices')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where(isUuid(idOrLabel) ? 'id' : 'device_id', '=', idOrLabel)
      .executeTakeFirst();
  },

  byLabels(tx: Tx, farmId: string, labels: string[]): Promise<DeviceRow[]> {
    if (labels.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('devices')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('device_id', 'in', labels)
      .execute();
  },

  byIds(tx: Tx, farmId: string, ids: string[]): Promise<DeviceRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return tx.selectFrom('devices').selectAll().where('farm_id', '=', farmId).where('id', 'in', ids).execute();
  },

  /** System scope: live devices with this label in any farm (the BeeAPI topic names no farm). */
  byLabelAnywhere(tx: Tx, label: string) {
    return tx
      .selectFrom('devices')
      .innerJoin('farms', 'farms.id', 'devices.farm_id')
      .select(['devices.id', 'devices.farm_id', 'devices.device_id', 'farms.slug'])
      .where('devices.device_id', '=', label)
      .where('farms.deleted_at', 'is', null)
      .limit(2)
      .execute();
  },

  list(tx: Tx, farmId: string): Promise<DeviceRow[]> {
    return tx.selectFrom('devices').selectAll().where('farm_id', '=', farmId).orderBy('device_id').execute();
  },

  async setCredentials(
    tx: Tx,
    row: { device_id: string; farm_id: string; username: string; secret_hash: string; created_at: Date },
  ): Promise<void> {
    await tx
      .insertInto('device_credentials')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('device_id')
          .doUpdateSet({ username: row.username, secret_hash: row.secret_hash, created_at: row.created_at }),
      )
      .execute();
  },

  /** System scope: the device a username belongs to (sign-in of a device). */
  byUsername(tx: Tx, username: string) {
    return tx
      .selectFrom('device_credentials')
      .innerJoin('devices', 'devices.id', 'device_credentials.device_id')
      .innerJoin('farms', 'farms.id', 'devices.farm_id')
      .select([
        'devices.id',
        'devices.farm_id',
        'devices.device_id',
        'device_credentials.secret_hash',
        'farms.slug',
        'farms.time_zone',
      ])
      .where('device_credentials.username', '=', username)
      .where('farms.deleted_at', 'is', null)
      .executeTakeFirst();
  },

  update(tx: Tx, farmId: string, id: string, patch: Updateable<DeviceTable>): Promise<DeviceRow | undefined> {
    return tx
      .updateTable('devices')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  async remove(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx.deleteFrom('devices').where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  channels(tx: Tx, farmId: string, deviceIds: string[]): Promise<ChannelRow[]> {
    if (deviceIds.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('device_channels')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('device_id', 'in', deviceIds)
      .orderBy('device_id')
      .orderBy('position')
      .execute();
  },

  async replaceChannels(
    tx: Tx,
    farmId: string,
    deviceId: string,
    channels: Omit<ChannelRow, 'farm_id' | 'device_id' | 'position'>[],
  ): Promise<void> {
    await tx.deleteFrom('device_channels').where('farm_id', '=', farmId).where('device_id', '=', deviceId).execute();
    if (channels.length === 0) return;
    await tx
      .insertInto('device_channels')
      .values(channels.map((c, position) => ({ ...c, farm_id: farmId, device_id: deviceId, position })))
      .execute();
  },

  config(tx: Tx, farmId: string, deviceId: string): Promise<ConfigRow[]> {
    return tx
      .selectFrom('device_config')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('device_id', '=', deviceId)
      .orderBy('name')
      .execute();
  },

  configParameter(tx: Tx, farmId: string, deviceId: string, name: string): Promise<ConfigRow | undefined> {
    return tx
      .selectFrom('device_config')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('device_id', '=', deviceId)
      .where('name', '=', name)
      .executeTakeFirst();
  },

  async putConfig(tx: Tx, row: ConfigRow): Promise<void> {
    const value = JSON.stringify(row.value);
    await tx
      .insertInto('device_config')
      .values({ ...row, value: sql`${value}::jsonb` })
      .onConflict((oc) =>
        oc.columns(['device_id', 'name']).doUpdateSet({
          value: sql`${value}::jsonb`,
          unit: row.unit,
          min: row.min,
          max: row.max,
          calibrated: row.calibrated,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  },

  async deleteConfig(tx: Tx, farmId: string, deviceId: string, name: string): Promise<boolean> {
    const result = await tx
      .deleteFrom('device_config')
      .where('farm_id', '=', farmId)
      .where('device_id', '=', deviceId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  async deleteCredentials(tx: Tx, farmId: string, deviceId: string): Promise<string | undefined> {
    const row = await tx
      .deleteFrom('device_credentials')
      .where('farm_id', '=', farmId)
      .where('device_id', '=', deviceId)
      .returning('username')
      .executeTakeFirst();
    return row?.username;
  },

  credentialsOf(tx: Tx, farmId: string, deviceId: string) {
    return tx
      .selectFrom('device_credentials')
      .select(['username', 'created_at'])
      .where('farm_id', '=', farmId)
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
  },

  /** System scope: online devices whose last sign of life is older than `before` (the presence sweep). */
  silentOnline(tx: Tx, before: Date, limit: number) {
    return tx
      .selectFrom('devices')
      .select(['id', 'farm_id', 'device_id'])
      .where('online', '=', true)
      .where((eb) => eb.or([eb('last_heartbeat_at', 'is', null), eb('last_heartbeat_at', '<', before)]))
      .limit(limit)
      .execute();
  },
};
