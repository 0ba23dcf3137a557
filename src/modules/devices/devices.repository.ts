import type { Insertable, Selectable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import type { DeviceTable } from './devices.tables.js';

export type DeviceRow = Selectable<DeviceTable>;


export const devicesRepository = {
  insert(tx: Tx, row: Insertable<DeviceTable>): Promise<DeviceRow> {
    return tx.insertInto('devices').values(row).returningAll().executeTakeFirstOrThrow();
  },

  /** By id, or by the label the hardware reports (a UUID-shaped value is an id). */
  find(tx: Tx, farmId: string, idOrLabel: string): Promise<DeviceRow | undefined> {
    return tx.selectFrom('devices').selectAll().where('farm_id', '=', farmId)
      .where(isUuid(idOrLabel) ? 'id' : 'device_id', '=', idOrLabel).executeTakeFirst();
  },

  byLabels(tx: Tx, farmId: string, labels: string[]): Promise<DeviceRow[]> {
    if (labels.length === 0) return Promise.resolve([]);
    return tx.selectFrom('devices').selectAll().where('farm_id', '=', farmId).where('device_id', 'in', labels).execute();
  },

  list(tx: Tx, farmId: string): Promise<DeviceRow[]> {
    return tx.selectFrom('devices').selectAll().where('farm_id', '=', farmId).orderBy('device_id').execute();
  },

  async setCredentials(tx: Tx, row: { device_id: string; farm_id: string; username: string; secret_hash: string; created_at: Date }): Promise<void> {
    await tx.insertInto('device_credentials').values(row)
      .onConflict((oc) => oc.column('device_id').doUpdateSet({ username: row.username, secret_hash: row.secret_hash, created_at: row.created_at }))
      .execute();
  },

  /** System scope: the device a username belongs to (sign-in of a device). */
  byUsername(tx: Tx, username: string) {
    return tx.selectFrom('device_credentials').innerJoin('devices', 'devices.id', 'device_credentials.device_id')
      .innerJoin('farms', 'farms.id', 'devices.farm_id')
      .select(['devices.id', 'devices.farm_id', 'devices.device_id', 'device_credentials.secret_hash', 'farms.slug'])
      .where('device_credentials.username', '=', username).executeTakeFirst();
  },
};
