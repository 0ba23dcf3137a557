import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { CreatedFeedView, FeedList, FeedParams, ICalendar, NewFeedBody, TokenParams } from './calendar.schemas.js';
import type { CalendarService } from './calendar.service.js';
import { createdFeedView, feedView } from './calendar.views.js';

const TAGS = { tags: ['calendar'] };
// Any member may keep feeds of their own: a feed shows only what a viewer may read anyway.
const MEMBER = { ...TAGS, 'x-permission': 'farm.read' as const };
const PUBLIC = { security: [] as Array<Record<string, string[]>> };
/** A phone polls a feed every few minutes at most; a client fetching faster is guessing or broken. */
const FETCH_LIMIT = { rateLimit: { max: 60, timeWindow: 60_000 } };

/** Calendar feeds: made, listed and revoked by members; fetched by calendar apps without a session. */
export const calendarRoutes: FastifyPluginAsyncTypebox<{ calendar: CalendarService }> = async (app, { calendar }) => {
  const base = '/api/v1/farms/:farm/calendar-feeds';

  app.post(
    base,
    {
      schema: {
        ...MEMBER,
        summary:
          'Make a calendar feed of the farm’s open tasks and expected phase changes for yourself; its secret address is shown this once',
        params: FarmParams,
        body: NewFeedBody,
        response: { 201: CreatedFeedView },
      },
    },
    async (request, reply) => {
      const { feed, url } = await calendar.create(farmOf(request), request.body, metaOf(request));
      return reply.code(201).send(createdFeedView(feed, url));
    },
  );

  app.get(
    base,
    {
      schema: {
        ...MEMBER,
        summary: 'Your live calendar feeds (a manager’s or admin’s list: every member’s), without their addresses',
        params: FarmParams,
        response: { 200: FeedList },
      },
    },
    async (request) => ({ data: (await calendar.list(farmOf(request))).map(feedView) }),
  );

  app.delete(
    `${base}/:id`,
    {
      schema: {
        ...MEMBER,
        summary: 'Revoke a calendar feed: its address answers 404 from now on (another member’s feed: managers)',
        params: FeedParams,
        response: { 204: Type.Null({ description: 'Revoked' }) },
      },
    },
    async (request, reply) => {
      await calendar.revoke(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/calendar/:token.ics',
    {
      config: FETCH_LIMIT,
      schema: {
        ...TAGS,
        ...PUBLIC,
        summary:
          'A calendar feed (iCalendar) by its secret address, for calendar apps: no sign-in; 404 once revoked or when its maker has left the farm',
        params: TokenParams,
        produces: ['text/calendar'],
        response: { 200: ICalendar },
      },
    },
    async (request, reply) =>
      reply
        .type('text/calendar; charset=utf-8')
        .header('cache-control', 'private, no-store')
        .header('content-disposition', 'inline; filename="croft.ics"')
        .send(await calendar.fetch(request.params.token)),
  );
};
