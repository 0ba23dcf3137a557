import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database } from '../../platform/db/database.js';
import { forbidden, notFound } from '../../platform/errors.js';
import { hashToken, randomToken } from '../../platform/secrets.js';
import { can } from '../../platform/tenancy/access.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime, startOfLocalDay } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import { cropReads } from '../crops/index.js';
import { farmReads } from '../farms/index.js';
import { taskReads } from '../tasks/index.js';
import { phaseEvents, renderCalendar, taskEvents } from './calendar.engine.js';
import { calendarRepository, type FeedRow } from './calendar.repository.js';
import type { NewFeed } from './calendar.schemas.js';

interface Deps {
  db: Database;
  clock: Clock;
  config: Pick<Config, 'publicUrl'>;
}

/** How far ahead a feed looks, in days from the farm's today. */
export const FEED_DAYS = 120;
/** At most this many open tasks in a feed (the soonest due first). */
export const FEED_TASKS = 500;
/** A token as handed out: 256 random bits, base64url. Anything else is not looked up. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const DEFAULT_NAME = 'Croft calendar';

const gone = () => notFound('Calendar feed');

/**
 * Calendar feeds: secret addresses a phone's calendar subscribes to. Each belongs to the person who made
 * it and answers only while they are a member of the farm; only the SHA-256 of its token is kept.
 * Any member may keep feeds of their own; managers and admins see and revoke every feed of the farm.
 */
export class CalendarService {
  constructor(private readonly deps: Deps) {}

  /** Makes a feed for the calling person; the token exists only in the answer's address. */
  async create(ctx: FarmContext, input: NewFeed, meta: RequestMeta): Promise<{ feed: FeedRow; url: string }> {
    const userId = this.#person(ctx);
    const now = this.deps.clock.now();
    const token = randomToken();
    const feed = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const row = await calendarRepository.insert(tx, {
        farm_id: ctx.farmId,
        created_by: userId,
        name: input.name?.trim() || DEFAULT_NAME,
        token_hash: hashToken(token),
        created_at: now,
      });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'calendar_feed.created',
        category: 'calendar',
        message: `Calendar feed "${row.name}" made`,
        data: { feed_id: row.id },
      });
      return row;
    });
    return { feed, url: `${this.deps.config.publicUrl.replace(/\/+$/, '')}/api/v1/calendar/${token}.ics` };
  }

  /** The caller's own live feeds; a manager's or admin's list holds every member's. */
  async list(ctx: FarmContext): Promise<FeedRow[]> {
    const everyone = can(ctx.role, 'members.manage');
    const userId = everyone ? null : this.#person(ctx);
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const rows = await calendarRepository.listLive(tx, ctx.farmId, userId);
      // A feed whose maker has left answers nothing more: it is not listed either.
      const members = new Map<string, boolean>();
      for (const id of new Set(rows.map((r) => r.created_by)))
        members.set(id, (await farmReads.membership(tx, ctx.farmId, id)) !== undefined);
      return rows.filter((r) => members.get(r.created_by));
    });
  }

  /** Revokes a feed at once: its address answers 404 from now on. Another person's feed needs a manager. */
  async revoke(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    const manager = can(ctx.role, 'members.manage');
    const userId = ctx.caller.kind === 'user' ? ctx.caller.userId : null;
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const feed = await calendarRepository.findLive(tx, ctx.farmId, id);
      // Someone else's feed is not even there for a member who may not revoke it.
      if (!feed || (!manager && feed.created_by !== userId)) throw notFound('Calendar feed', { id });
      await calendarRepository.revoke(tx, ctx.farmId, id, this.deps.clock.now());
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'calendar_feed.revoked',
        category: 'calendar',
        message: `Calendar feed "${feed.name}" revoked`,
        data: { feed_id: id, created_by: feed.created_by },
      });
    });
  }

  /**
   * The iCalendar text behind a feed's address. Unknown, revoked, of a deleted farm, or made by someone
   * no longer a member of the farm: 404, all alike. The token is looked up by its hash in system scope
   * (there is no caller); everything else is read in the farm's scope.
   */
  async fetch(token: string): Promise<string> {
    if (!TOKEN.test(token)) throw gone();
    const found = await this.deps.db.system((tx) => calendarRepository.byTokenHash(tx, hashToken(token)));
    if (!found || found.revoked_at) throw gone();
    const now = this.deps.clock.now();
    return this.deps.db.farm(found.farm_id, async (tx) => {
      const farm = await farmReads.byId(tx, found.farm_id);
      if (!farm || farm.deleted_at) throw gone();
      if (!(await farmReads.membership(tx, found.farm_id, found.created_by))) throw gone();
      const today = localTime(now, farm.time_zone).date;
      const day = (n: number) => new Date(Date.parse(`${today}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
      const through = day(FEED_DAYS);
      const changes = await cropReads.expectedPhaseChanges(tx, farm.id, { timeZone: farm.time_zone, through });
      // Open tasks due before the end of the last day shown, overdue ones included (they are still to do).
      const tasks = await taskReads.open(tx, farm.id, {
        until: startOfLocalDay(day(FEED_DAYS + 1), farm.time_zone),
        limit: FEED_TASKS,
      });
      await calendarRepository.noteFetched(tx, farm.id, found.id, now);
      return renderCalendar({
        name: `${farm.name} · Croft`,
        now,
        events: [...taskEvents(tasks, farm.time_zone), ...phaseEvents(changes)],
      });
    });
  }

  /** Feeds belong to people: an API key has no one whose membership could end the feed. */
  #person(ctx: FarmContext): string {
    if (ctx.caller.kind !== 'user')
      throw forbidden('A calendar feed belongs to a person: sign in to make or list feeds', {
        reason: 'person_only',
      });
    return ctx.caller.userId;
  }
}
