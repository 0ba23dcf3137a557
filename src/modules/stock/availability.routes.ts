import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { csvText } from '../../platform/csv.js';
import { farmOf } from '../../platform/http/context.js';
import { FarmParams, Nullable, OneOf, Uuid } from '../../platform/http/schemas.js';
import { AVAILABILITY_COLUMNS, availabilityRows, type StockAvailability } from './availability.service.js';

const Named = Type.Object({ id: Uuid, code: Type.String(), name: Type.String() });

const AvailabilityList = Type.Object({
  data: Type.Array(
    Type.Object({
      product: Type.Object({ id: Uuid, sku: Type.String(), name: Type.String() }),
      size: Nullable(Named),
      packaging: Type.Object({ id: Uuid, sku: Type.String(), name: Type.String(), pot_code: Nullable(Type.String()) }),
      state: Nullable(Named),
      readiness: OneOf(['ready', 'almost', 'growing']),
      ready_on: Nullable(Type.String({ format: 'date' })),
      quantity: Type.Integer(),
      batches: Type.Integer(),
      price: Nullable(
        Type.Object({
          sku: Type.String(),
          wholesale_cents: Type.Integer(),
          retail_cents: Type.Integer(),
          discount_pct: Type.Number(),
          net_retail_cents: Type.Integer(),
          availability: Type.String(),
        }),
      ),
    }),
  ),
});

const AvailabilityQuery = Type.Object(
  { format: Type.Optional(OneOf(['json', 'csv'])) },
  { additionalProperties: false },
);

/** The availability list: what a nursery sends its customers. */
export const availabilityRoutes: FastifyPluginAsyncTypebox<{ stockAvailability: StockAvailability }> = async (
  app,
  { stockAvailability },
) => {
  app.get(
    '/api/v1/farms/:farm/availability',
    {
      schema: {
        tags: ['stock'],
        'x-permission': 'farm.read',
        summary:
          'What the nursery can offer: plants per product, size and pot, ready | almost (within 14 days) | growing by their expected-ready dates, with prices; ?format=csv as text/csv',
        params: FarmParams,
        querystring: AvailabilityQuery,
        produces: ['application/json', 'text/csv'],
        response: { 200: AvailabilityList },
      },
    },
    async (request, reply) => {
      const lines = await stockAvailability.list(farmOf(request));
      if (request.query.format !== 'csv') return { data: lines };
      const csv = csvText(AVAILABILITY_COLUMNS, availabilityRows(lines));
      // The schema documents the JSON; a string with a CSV type is sent as it is.
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="availability.csv"')
        .send(csv as unknown as Static<typeof AvailabilityList>);
    },
  );
};
