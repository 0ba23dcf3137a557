import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf } from '../../platform/http/context.js';
import { FarmParams, Uuid } from '../../platform/http/schemas.js';
import type { StockLabels } from './labels.service.js';

const READ = { tags: ['stock'], 'x-permission': 'farm.read' as const };
const Svg = Type.String({ description: 'image/svg+xml: one 70 × 37 mm label' });
const BatchParams = Type.Object({ farm: FarmParams.properties.farm, id: Type.String({ minLength: 1, maxLength: 80 }) });
const LocationParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });
const List = (what: string, item: ReturnType<typeof Type.String>) =>
  Type.Optional(
    Type.Union([item, Type.Array(item, { maxItems: 240 })], {
      description: `${what} (repeat the parameter for several)`,
    }),
  );
const SheetQuery = Type.Object(
  {
    batch: List('A batch id or code', Type.String({ minLength: 1, maxLength: 80 })),
    location: List('A storage location id', Type.String({ format: 'uuid' })),
  },
  { additionalProperties: false },
);

const asList = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** Printable labels with QR codes: one as SVG, or A4 sheets as PDF. */
export const labelsRoutes: FastifyPluginAsyncTypebox<{ stockLabels: StockLabels }> = async (app, { stockLabels }) => {
  app.get(
    '/api/v1/farms/:farm/stock/batches/:id/label.svg',
    {
      schema: {
        ...READ,
        summary: 'A batch’s label (SVG), its QR code opening the batch',
        params: BatchParams,
        produces: ['image/svg+xml'],
        response: { 200: Svg },
      },
    },
    async (request, reply) =>
      reply.type('image/svg+xml; charset=utf-8').send(await stockLabels.batchSvg(farmOf(request), request.params.id)),
  );

  app.get(
    '/api/v1/farms/:farm/locations/:id/label.svg',
    {
      schema: {
        ...READ,
        summary: 'A storage location’s label (SVG), its QR code the link the app’s scanner opens',
        params: LocationParams,
        produces: ['image/svg+xml'],
        response: { 200: Svg },
      },
    },
    async (request, reply) =>
      reply
        .type('image/svg+xml; charset=utf-8')
        .send(await stockLabels.locationSvg(farmOf(request), request.params.id)),
  );

  app.get(
    '/api/v1/farms/:farm/stock/labels.pdf',
    {
      schema: {
        ...READ,
        summary: 'A4 sheets of labels (3 × 8 of 70 × 37 mm) for batches and storage locations, at most 240',
        params: FarmParams,
        querystring: SheetQuery,
        produces: ['application/pdf'],
        response: { 200: Type.String({ description: 'application/pdf' }) },
      },
    },
    async (request, reply) => {
      const pdf = await stockLabels.sheet(farmOf(request), {
        batches: asList(request.query.batch),
        locations: asList(request.query.location),
      });
      // The schema documents the type; the bytes are sent as they are.
      return reply
        .type('application/pdf')
        .header('content-disposition', 'inline; filename="labels.pdf"')
        .send(pdf as unknown as string);
    },
  );
};
