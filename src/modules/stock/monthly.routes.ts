import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf } from '../../platform/http/context.js';
import { FarmParams, Nullable } from '../../platform/http/schemas.js';
import type { MonthlyReconciliation } from './monthly.service.js';

/** The sales file's own body limit. */
const SALES_BODY_LIMIT = 5 * 1024 * 1024;

const MonthQuery = Type.Object(
  { month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM, the farm’s local month' }) },
  { additionalProperties: false },
);

const SalesCsv = Type.String({
  description:
    'text/csv with a header: product_sku,packaging_sku,quantity_sold[,sale_date][,notes,customer_name,invoice_number]; at most 5 MB',
});

const MonthlyView = Type.Object({
  month: Type.String(),
  lines: Type.Array(
    Type.Object({
      product_sku: Type.String(),
      packaging_sku: Type.String(),
      baseline: Type.Integer({ description: 'Stock when the month began' }),
      initialised: Type.Integer(),
      plantings: Type.Integer(),
      sowings: Type.Integer(),
      transplants_in: Type.Integer(),
      deaths: Type.Integer(),
      transplants_out: Type.Integer(),
      adjustments: Type.Integer({ description: 'Adjustments and counts, signed' }),
      month_end: Type.Integer({ description: 'Stock when the month ended' }),
      sold_by_stock: Type.Integer({
        description:
          'baseline + initialised + plantings + sowings + transplants in − deaths − transplants out ± adjustments − month end',
      }),
      sold_by_file: Nullable(Type.Integer()),
      variance: Nullable(Type.Integer({ description: 'sold_by_file − sold_by_stock' })),
    }),
  ),
});

/** The monthly reconciliation against a customer's sales file. */
export const monthlyRoutes: FastifyPluginAsyncTypebox<{ monthlyReconciliation: MonthlyReconciliation }> = async (
  app,
  { monthlyReconciliation },
) => {
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post(
    '/api/v1/farms/:farm/stock/reconciliation/monthly',
    {
      bodyLimit: SALES_BODY_LIMIT,
      schema: {
        tags: ['stock'],
        'x-permission': 'farm.read',
        summary:
          'Reconcile a month: per product and packaging, what the stock says was sold against the sales file (per-line variance); a bad line → 400 CSV_INVALID with details.errors; over 5 MB → 413',
        consumes: ['text/csv'],
        params: FarmParams,
        querystring: MonthQuery,
        body: SalesCsv,
        response: { 200: MonthlyView },
      },
    },
    async (request) => {
      const { month, lines } = await monthlyReconciliation.run(farmOf(request), request.query.month, request.body);
      return {
        month,
        lines: lines.map((l) => ({
          product_sku: l.productSku,
          packaging_sku: l.packagingSku,
          baseline: l.baseline,
          initialised: l.initialised,
          plantings: l.plantings,
          sowings: l.sowings,
          transplants_in: l.transplantsIn,
          deaths: l.deaths,
          transplants_out: l.transplantsOut,
          adjustments: l.adjustments,
          month_end: l.monthEnd,
          sold_by_stock: l.soldByStock,
          sold_by_file: l.soldByFile,
          variance: l.variance,
        })),
      };
    },
  );
};
