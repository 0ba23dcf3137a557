import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { farmOf } from '../../platform/http/context.js';
import { SiteParams, SowingCalendarQuery, SowingCalendarView } from './sowing.schemas.js';
import type { SowingCalendar } from './sowing.service.js';
import { sowingCalendarView } from './sowing.views.js';

/** The sowing calendar of a site. */
export const sowingRoutes: FastifyPluginAsyncTypebox<{ sowing: SowingCalendar }> = async (app, { sowing }) => {
  app.get(
    '/api/v1/farms/:farm/locations/:id/sowing-calendar',
    {
      schema: {
        tags: ['crops'],
        'x-permission': 'farm.read',
        summary:
          'A site’s sowing calendar for a year: per species the indoor sowing, outdoor sowing, harvest and bloom ' +
          'windows, from the site’s frost dates (or defaults, named) or, frost-free in the tropics, from the months',
        params: SiteParams,
        querystring: SowingCalendarQuery,
        response: { 200: SowingCalendarView },
      },
    },
    async (request) => sowingCalendarView(await sowing.forSite(farmOf(request), request.params.id, request.query)),
  );
};
