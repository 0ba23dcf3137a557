import { sql, type Insertable, type Selectable } from 'kysely';
import type { Role } from '../../platform/tenancy/access.js';
import type { Tx } from '../../platform/db/database.js';
import type { NotificationSubscriptionTable, NotificationTable, WebhookDeliveryTable } from './alerts.tables.js';

export type SubscriptionRow = Selectable<NotificationSubscriptionTable>;
export type NotificationRow = Selectable<NotificationTable>;

export const notificationsRepository = {
  /** A farm of the person's, by id or slug. */
  async memberFarm(tx: Tx, userId: string, ref: string): Promise<string | undefined> {
    const farm = await tx
      .selectFrom('farms')
      .innerJoin('memberships', 'memberships.farm_id', 'farms.id')
      .select('farms.id')
      .where('memberships.user_id', '=', userId)
      .where((eb) => eb.or([eb('farms.slug', '=', ref), eb(sql`farms.id::text`, '=', ref)]))
      .executeTakeFirst();
    return farm?.id;
  },

  /**
   * System scope, inside the transaction that inserts: waits for any other subscribing transaction (so two at
   * once cannot both slip under a limit), then counts the person's subscriptions and, for each farm the new
   * one would reach (`farmId`, or all of the person's farms when null), the subscriptions reaching that farm:
   * those naming it and the all-farms ones of its members.
   */
  async subscriptionCounts(
    tx: Tx,
    userId: string,
    farmId: string | null,
  ): Promise<{ own: number; farms: Array<{ farm_id: string; n: number }> }> {
    await sql`select pg_advisory_xact_lock(hashtext('croft.notification_subscriptions'))`.execute(tx);
    const own = await tx
      .selectFrom('notification_subscriptions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    const farms = await sql<{ farm_id: string; n: string }>`
      select m.farm_id, (
        select count(*) from notification_subscriptions s
        where s.farm_id = m.farm_id
           or (s.farm_id is null and s.user_id in (select user_id from memberships where farm_id = m.farm_id))
      ) as n
      from memberships m
      where m.user_id = ${userId} and (${farmId}::uuid is null or m.farm_id = ${farmId}::uuid)`.execute(tx);
    return { own: Number(own.n), farms: farms.rows.map((r) => ({ farm_id: r.farm_id, n: Number(r.n) })) };
  },

  insertSubscription: (tx: Tx, row: Insertable<NotificationSubscriptionTable>) =>
    tx.insertInto('notification_subscriptions').values(row).returningAll().executeTakeFirstOrThrow(),
  subscriptions: (tx: Tx, userId: string) =>
    tx
      .selectFrom('notification_subscriptions')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute(),
  async removeSubscription(tx: Tx, userId: string, id: string): Promise<boolean> {
    const result = await tx
      .deleteFrom('notification_subscriptions')
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },
  mute: (tx: Tx, userId: string, id: string, until: Date | null) =>
    tx
      .updateTable('notification_subscriptions')
      .set({ muted_until: until })
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),

  /** System scope: a farm's members and every subscription that may concern the farm (its own, or all of a person's farms). */
  async audience(
    tx: Tx,
    farmId: string,
    channel?: SubscriptionRow['channel'],
    roles?: readonly Role[],
  ): Promise<{ members: string[]; subscriptions: SubscriptionRow[] }> {
    let people = tx.selectFrom('memberships').select('user_id').where('farm_id', '=', farmId);
    if (roles) people = people.where('role', 'in', [...roles]);
    const members = (await people.execute()).map((m) => m.user_id);
    let query = tx
      .selectFrom('notification_subscriptions')
      .selectAll()
      .where((eb) => eb.or([eb('farm_id', '=', farmId), eb('farm_id', 'is', null)]));
    if (channel) query = query.where('channel', '=', channel);
    return { members, subscriptions: await query.execute() };
  },

  insertNotification: (tx: Tx, row: Insertable<NotificationTable>) =>
    tx.insertInto('notifications').values(row).returningAll().executeTakeFirstOrThrow(),
  async inbox(
    tx: Tx,
    userId: string,
    before: Date | undefined,
    limit: number,
  ): Promise<{ data: NotificationRow[]; unread: number }> {
    let query = tx.selectFrom('notifications').selectAll().where('user_id', '=', userId);
    if (before) query = query.where('created_at', '<', before);
    const data = await query.orderBy('created_at', 'desc').limit(limit).execute();
    const unread = await tx
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return { data, unread: Number(unread.n) };
  },
  /** Marks one notification (or all) read; false when that one is not the person's. */
  async markRead(tx: Tx, userId: string, id: string | 'all', at: Date): Promise<boolean> {
    let query = tx
      .updateTable('notifications')
      .set({ read_at: at })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null);
    if (id !== 'all') query = query.where('id', '=', id);
    await query.execute();
    if (id === 'all') return true;
    return (
      (await tx
        .selectFrom('notifications')
        .select('id')
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst()) !== undefined
    );
  },

  insertDelivery: (tx: Tx, row: Insertable<WebhookDeliveryTable>) =>
    tx.insertInto('webhook_deliveries').values(row).returning('id').executeTakeFirstOrThrow(),
  delivery: (tx: Tx, id: string) =>
    tx
      .selectFrom('webhook_deliveries')
      .innerJoin('notification_subscriptions', 'notification_subscriptions.id', 'webhook_deliveries.subscription_id')
      .select([
        'webhook_deliveries.id',
        'webhook_deliveries.url',
        'webhook_deliveries.body',
        'webhook_deliveries.attempts',
        'webhook_deliveries.status',
        'notification_subscriptions.secret',
      ])
      .where('webhook_deliveries.id', '=', id)
      .executeTakeFirst(),
  async recordAttempts(
    tx: Tx,
    id: string,
    attempts: unknown[],
    status: 'pending' | 'delivered' | 'failed',
  ): Promise<void> {
    await tx
      .updateTable('webhook_deliveries')
      .set({ attempts: JSON.stringify(attempts), status })
      .where('id', '=', id)
      .execute();
  },
  deliveries: (tx: Tx, userId: string) =>
    tx
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .limit(100)
      .execute(),
};
