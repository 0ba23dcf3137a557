import { sql } from 'kysely';
import type { ExpressionBuilder, Insertable, Selectable, Updateable } from 'kysely';
import type { DB } from '../../platform/db/schema.js';
import type { Tx } from '../../platform/db/database.js';
import type { ThrottleState } from './throttle.engine.js';
import type { ApiKeyTable, RefreshTokenTable, UserTable } from './identity.tables.js';

export type UserRow = Selectable<UserTable>;
export type RefreshTokenRow = Selectable<RefreshTokenTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;

export const usersRepository = {
  /** The instance's admins whose accounts are enabled, with the address their mail goes to. */
  instanceAdmins: (tx: Tx) =>
    tx
      .selectFrom('users')
      .select(['id', 'email'])
      .where('is_instance_admin', '=', true)
      .where('disabled_at', 'is', null)
      .orderBy('created_at')
      .execute(),

  findByEmail(tx: Tx, email: string): Promise<UserRow | undefined> {
    return tx
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
      .executeTakeFirst();
  },

  findById(tx: Tx, id: string): Promise<UserRow | undefined> {
    return tx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async any(tx: Tx): Promise<boolean> {
    return (await tx.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
  },

  insert(tx: Tx, row: Insertable<UserTable>): Promise<UserRow> {
    return tx.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow();
  },

  update(tx: Tx, id: string, patch: Updateable<UserTable>): Promise<UserRow> {
    return tx.updateTable('users').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  },
};

export const refreshTokensRepository = {
  async insert(tx: Tx, row: Insertable<RefreshTokenTable>): Promise<void> {
    await tx.insertInto('refresh_tokens').values(row).execute();
  },

  findByHash(tx: Tx, tokenHash: string): Promise<RefreshTokenRow | undefined> {
    return tx.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  },

  /**
   * Marks a live token rotated, atomically: of many concurrent uses of one token exactly one gets
   * the row back.
   */
  rotate(tx: Tx, tokenHash: string, now: Date): Promise<RefreshTokenRow | undefined> {
    return tx
      .updateTable('refresh_tokens')
      .set({ rotated_at: now })
      .where('token_hash', '=', tokenHash)
      .where('rotated_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
  },

  async revokeFamily(tx: Tx, familyId: string, now: Date): Promise<void> {
    await tx
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
  },

  /** Revokes every session of a user except `keepFamily`. */
  async revokeForUser(tx: Tx, userId: string, now: Date, keepFamily?: string): Promise<void> {
    let query = tx
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (keepFamily) query = query.where('family_id', '!=', keepFamily);
    await query.execute();
  },
};

export const passwordResetsRepository = {
  async insert(tx: Tx, tokenHash: string, userId: string, now: Date, expiresAt: Date): Promise<void> {
    await tx
      .insertInto('password_resets')
      .values({ token_hash: tokenHash, user_id: userId, created_at: now, expires_at: expiresAt, used_at: null })
      .execute();
  },

  /** Uses a live reset token once; returns its user. */
  async use(tx: Tx, tokenHash: string, now: Date): Promise<string | undefined> {
    const row = await tx
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('user_id')
      .executeTakeFirst();
    return row?.user_id;
  },
};

export const throttleRepository = {
  async get(tx: Tx, emailKey: string): Promise<ThrottleState | undefined> {
    const row = await tx
      .selectFrom('login_throttle')
      .selectAll()
      .where('email_key', '=', emailKey)
      .forUpdate()
      .executeTakeFirst();
    return row && { failures: row.failures, lockouts: row.lockouts, lockedUntil: row.locked_until };
  },

  async save(tx: Tx, emailKey: string, state: ThrottleState, now: Date): Promise<void> {
    const values = {
      failures: state.failures,
      lockouts: state.lockouts,
      locked_until: state.lockedUntil,
      last_failure_at: now,
    };
    await tx
      .insertInto('login_throttle')
      .values({ email_key: emailKey, ...values })
      .onConflict((oc) => oc.column('email_key').doUpdateSet(values))
      .execute();
  },

  async clear(tx: Tx, emailKey: string): Promise<void> {
    await tx.deleteFrom('login_throttle').where('email_key', '=', emailKey).execute();
  },
};

export const instanceRepository = {
  async jwtSecret(tx: Tx, fresh: string, now: Date): Promise<string> {
    await tx
      .insertInto('croft_instance')
      .values({ jwt_secret: fresh, created_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const row = await tx.selectFrom('croft_instance').select('jwt_secret').executeTakeFirstOrThrow();
    return row.jwt_secret;
  },
};

export type ApiKeyListRow = ApiKeyRow & { created_by_name: string | null; creator_is_admin: boolean };

/** Whether an API key's creator is still an admin of its farm, with an account that is not disabled. */
const creatorIsAdmin = (eb: ExpressionBuilder<DB, 'api_keys'>) =>
  eb.exists(
    eb
      .selectFrom('memberships')
      .innerJoin('users as creator', 'creator.id', 'memberships.user_id')
      .select('memberships.user_id')
      .whereRef('memberships.farm_id', '=', 'api_keys.farm_id')
      .whereRef('memberships.user_id', '=', 'api_keys.created_by')
      .where('memberships.role', '=', 'admin')
      .where('creator.disabled_at', 'is', null),
  );

export const apiKeysRepository = {
  insert(tx: Tx, row: Insertable<ApiKeyTable>): Promise<ApiKeyRow> {
    return tx.insertInto('api_keys').values(row).returningAll().executeTakeFirstOrThrow();
  },

  /**
   * A key that works: not revoked, and its creator still an admin of its farm with an account that is
   * not disabled (a key ends with its creator's admin membership; one with no creator recorded works no more).
   */
  findLiveByPrefix(tx: Tx, prefix: string): Promise<ApiKeyRow | undefined> {
    return tx
      .selectFrom('api_keys')
      .selectAll()
      .where('prefix', '=', prefix)
      .where('revoked_at', 'is', null)
      .where(creatorIsAdmin)
      .executeTakeFirst();
  },

  /** The farm's keys, with their creator's name (null once they are no longer a member) and whether they work. */
  list(tx: Tx, farmId: string, id?: string): Promise<ApiKeyListRow[]> {
    let query = tx
      .selectFrom('api_keys')
      .leftJoin('users', 'users.id', 'api_keys.created_by')
      .selectAll('api_keys')
      .select('users.name as created_by_name')
      .select((eb) => creatorIsAdmin(eb).$castTo<boolean>().as('creator_is_admin'))
      .where('api_keys.farm_id', '=', farmId);
    if (id !== undefined) query = query.where('api_keys.id', '=', id);
    return query.orderBy('api_keys.created_at', 'desc').execute();
  },

  findById(tx: Tx, farmId: string, id: string): Promise<ApiKeyRow | undefined> {
    return tx.selectFrom('api_keys').selectAll().where('farm_id', '=', farmId).where('id', '=', id).executeTakeFirst();
  },

  async revoke(tx: Tx, id: string, now: Date): Promise<void> {
    await tx.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).execute();
  },

  async touch(tx: Tx, id: string, now: Date): Promise<void> {
    await tx.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  },
};

export const setupLock = {
  /** Serialises first-run setup, so two racing requests cannot both make a first admin. */
  async take(tx: Tx): Promise<void> {
    await sql`select pg_advisory_xact_lock(7262002)`.execute(tx);
  },
};
