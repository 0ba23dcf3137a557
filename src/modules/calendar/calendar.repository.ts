import type { Insertable, Selectable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import type { CalendarFeedTable } from './calendar.tables.js';

export type FeedRow = Selectable<CalendarFeedTable>;

/** A fetch is written down at most this often per feed (a phone polls; each poll need not be a write). */
const FETCH_NOTE_MS = 60_000;

/** Calendar feeds: the calendar module's SQL. */
export const calendarRepository = {
  insert(tx: Tx, row: Insertable<CalendarFeedTable>): Promise<FeedRow> {
    return tx.insertInto('calendar_feeds').values(row).returningAll().executeTakeFirstOrThrow();
  },

  /** A live (not revoked) feed of the farm by id. */
  findLive(tx: Tx, farmId: string, id: string): Promise<FeedRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return tx
      .selectFrom('calendar_feeds')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  },

  /** The farm's live feeds, oldest first; only `createdBy`'s when given. */
  listLive(tx: Tx, farmId: string, createdBy: string | null): Promise<FeedRow[]> {
    let query = tx
      .selectFrom('calendar_feeds')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('revoked_at', 'is', null);
    if (createdBy !== null) query = query.where('created_by', '=', createdBy);
    return query.orderBy('created_at').orderBy('id').limit(1000).execute();
  },

  async revoke(tx: Tx, farmId: string, id: string, at: Date): Promise<boolean> {
    const row = await tx
      .updateTable('calendar_feeds')
      .set({ revoked_at: at })
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  },

  /** The feed a token's hash names, revoked or not (system scope: the token is the look-up). */
  byTokenHash(tx: Tx, tokenHash: string): Promise<FeedRow | undefined> {
    return tx.selectFrom('calendar_feeds').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  },

  /** Notes a fetch, unless one was noted in the last minute. */
  async noteFetched(tx: Tx, farmId: string, id: string, at: Date): Promise<void> {
    await tx
      .updateTable('calendar_feeds')
      .set({ last_fetched_at: at })
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .where((eb) =>
        eb.or([eb('last_fetched_at', 'is', null), eb('last_fetched_at', '<', new Date(at.getTime() - FETCH_NOTE_MS))]),
      )
      .execute();
  },
};
