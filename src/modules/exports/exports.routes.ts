import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { FarmArchiveBody } from './exports.schemas.js';
import type { ExportsService } from './exports.service.js';

/** A farm's own export: one download of everything the farm keeps, for its admins. */
export const exportsRoutes: FastifyPluginAsyncTypebox<{ exports: ExportsService }> = async (app, { exports }) => {
  app.get(
    '/api/v1/farms/:farm/export',
    {
      schema: {
        tags: ['exports'],
        'x-permission': 'farm.export',
        summary:
          'Download everything of the farm (places, devices, readings, plants, stock, photos …) as a tar.gz of ' +
          'JSON Lines and CSV files with a README: no secrets, no hashes, no other farm’s rows',
        description:
          'Streamed as it is made: a large farm takes a while. Times are ISO-8601 in UTC, geometry GeoJSON. ' +
          'Each download is written to the audit log.',
        params: FarmParams,
        produces: ['application/gzip'],
        response: { 200: FarmArchiveBody },
      },
    },
    async (request, reply) => {
      const archive = await exports.exportFarm(farmOf(request), metaOf(request));
      // The schema documents the type; the bytes are streamed as they are made.
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="${archive.filename}"`)
        .header('cache-control', 'private, no-store')
        .send(archive.stream as unknown as string);
    },
  );
};
