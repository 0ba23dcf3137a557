import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import type { Role } from '../../platform/tenancy/access.js';
import type { FarmTable, InvitationTable } from './farms.tables.js';

export type FarmRow = Selectable<FarmTable>;
export type InvitationRow = Selectable<InvitationTable>;

export interface MemberRow {
  user_id: string;
  role: Role;
  created_at: Date;
  name: string;
  email: string;
}

export const farmsRepository = {
  /** A farm by id, deleted or not (its name, slug, time zone and position for other modules' work). */
  byId(tx: Tx, id: string): Promise<FarmRow | undefined> {
    return tx.selectFrom('farms').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** A live farm by id or slug (a UUID-shaped value is always an id). */
  findLive(tx: Tx, idOrSlug: string): Promise<FarmRow | undefined> {
    return tx
      .selectFrom('farms')
      .selectAll()
      .where(isUuid(idOrSlug) ? 'id' : 'slug', '=', isUuid(idOrSlug) ? idOrSlug.toLowerCase() : idOrSlug)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  },

  async slugTaken(tx: Tx, slug: string): Promise<boolean> {
    return (await tx.selectFrom('farms').select('id').where('slug', '=', slug).executeTakeFirst()) !== undefined;
  },

  async insert(tx: Tx, row: Insertable<FarmTable>): Promise<FarmRow> {
    return tx.insertInto('farms').values(row).returningAll().executeTakeFirstOrThrow();
  },

  async update(tx: Tx, id: string, patch: Updateable<FarmTable>): Promise<FarmRow> {
    return tx.updateTable('farms').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  },

  /** The live farms a user belongs to, with their role. */
  listForUser(tx: Tx, userId: string) {
    return tx
      .selectFrom('farms')
      .innerJoin('memberships', 'memberships.farm_id', 'farms.id')
      .selectAll('farms')
      .select('memberships.role')
      .where('memberships.user_id', '=', userId)
      .where('farms.deleted_at', 'is', null)
      .orderBy('farms.name')
      .execute();
  },

  listDeletedBefore(tx: Tx, cutoff: Date, limit: number) {
    return tx.selectFrom('farms').select('id').where('deleted_at', '<', cutoff).limit(limit).execute();
  },

  async purge(tx: Tx, id: string): Promise<void> {
    await tx.deleteFrom('farms').where('id', '=', id).execute();
  },
};

export const membershipsRepository = {
  find(tx: Tx, farmId: string, userId: string) {
    return tx
      .selectFrom('memberships')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  },

  async insert(tx: Tx, farmId: string, userId: string, role: Role, now: Date): Promise<void> {
    await tx
      .insertInto('memberships')
      .values({ farm_id: farmId, user_id: userId, role, created_at: now })
      .onConflict((oc) => oc.columns(['farm_id', 'user_id']).doNothing())
      .execute();
  },

  list(tx: Tx, farmId: string): Promise<MemberRow[]> {
    return tx
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['memberships.user_id', 'memberships.role', 'memberships.created_at', 'users.name', 'users.email'])
      .where('memberships.farm_id', '=', farmId)
      .orderBy('users.name')
      .execute();
  },

  async setRole(tx: Tx, farmId: string, userId: string, role: Role): Promise<void> {
    await tx
      .updateTable('memberships')
      .set({ role })
      .where('farm_id', '=', farmId)
      .where('user_id', '=', userId)
      .execute();
  },

  async remove(tx: Tx, farmId: string, userId: string): Promise<void> {
    await tx.deleteFrom('memberships').where('farm_id', '=', farmId).where('user_id', '=', userId).execute();
  },

  /** Admins of the farm, locked so two concurrent demotions cannot both pass the last-admin check. */
  async adminsForUpdate(tx: Tx, farmId: string): Promise<string[]> {
    const rows = await tx
      .selectFrom('memberships')
      .select('user_id')
      .where('farm_id', '=', farmId)
      .where('role', '=', 'admin')
      .forUpdate()
      .execute();
    return rows.map((r) => r.user_id);
  },
};

export const invitationsRepository = {
  async insert(tx: Tx, row: Insertable<InvitationTable>): Promise<InvitationRow> {
    return tx.insertInto('invitations').values(row).returningAll().executeTakeFirstOrThrow();
  },

  findByTokenHash(tx: Tx, tokenHash: string): Promise<InvitationRow | undefined> {
    return tx.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).forUpdate().executeTakeFirst();
  },

  findById(tx: Tx, farmId: string, id: string): Promise<InvitationRow | undefined> {
    return tx
      .selectFrom('invitations')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  listPending(tx: Tx, farmId: string, now: Date): Promise<InvitationRow[]> {
    return tx
      .selectFrom('invitations')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .execute();
  },

  async markAccepted(tx: Tx, id: string, userId: string, now: Date): Promise<void> {
    await tx.updateTable('invitations').set({ accepted_at: now, accepted_by: userId }).where('id', '=', id).execute();
  },

  async revoke(tx: Tx, id: string, now: Date): Promise<void> {
    await tx.updateTable('invitations').set({ revoked_at: now }).where('id', '=', id).execute();
  },
};
