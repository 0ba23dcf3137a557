import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../config.js';

const WebConfig = Type.Object({
  map_tiles: Type.Union(
    [
      Type.Object({
        url: Type.String({ description: 'Tile URL template ({z}/{x}/{y})' }),
        attribution: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ],
    { description: 'Background map tiles (CROFT_MAP_TILES); null: the map draws only the farm’s own shapes' },
  ),
});

/** `GET /api/v1/web-config`: what the web app needs to know of this server's settings before sign-in. */
export const webConfigRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.get(
    '/api/v1/web-config',
    {
      schema: {
        tags: ['system'],
        summary: 'Settings the web app follows (map tiles)',
        security: [],
        response: { 200: WebConfig },
      },
    },
    async () => ({
      map_tiles: config.mapTilesUrl ? { url: config.mapTilesUrl, attribution: config.mapAttribution ?? null } : null,
    }),
  );
};
