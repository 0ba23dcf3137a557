import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import type { BinTypeRow, ConfigRow } from './stock.repository.js';
import {
  BinTypeBodySchema,
  BinTypeList,
  BinTypeOfBody,
  BinTypeOfView,
  BinTypeParams,
  BinTypePatchSchema,
  BinTypeView,
  LocationParams,
  ReconciliationsQuerystring,
  ReconciliationsView,
  SettingsBody,
  SettingsView,
  StockConfigBodySchema,
  StockConfigView,
} from './stock.setup.schemas.js';
import type { StockSetupService } from './stock.setup.js';

const TAGS = { tags: ['stock'] };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };
const CONFIG = { ...TAGS, 'x-permission': 'config.write' as const };

const binTypeView = (t: BinTypeRow) => ({
  id: t.id,
  code: t.code,
  name: t.name,
  category: t.category,
  rows: t.grid_rows,
  columns: t.grid_columns,
  capacity: t.capacity,
  length_cm: t.length_cm,
  width_cm: t.width_cm,
  height_cm: t.height_cm,
  grid: t.grid,
  created_at: t.created_at.toISOString(),
  updated_at: t.updated_at.toISOString(),
});

const configView = (locationId: string, c: ConfigRow | null) => ({
  location_id: locationId,
  config: c && {
    product_id: c.product_id,
    packaging_id: c.packaging_id,
    state_id: c.state_id,
    size_id: c.size_id,
    updated_at: c.updated_at.toISOString(),
  },
});

/** How a farm's stock is set up: bin types, storage location configs, settings; the reconciliation reports. */
export const stockSetupRoutes: FastifyPluginAsyncTypebox<{ stockSetup: StockSetupService }> = async (app, deps) => {
  const { stockSetup } = deps;
  const base = '/api/v1/farms/:farm/stock';

  app.get(
    `${base}/bin-types`,
    { schema: { ...READ, summary: 'Bin types', params: FarmParams, response: { 200: BinTypeList } } },
    async (request) => ({ data: (await stockSetup.binTypes(farmOf(request))).map(binTypeView) }),
  );

  app.post(
    `${base}/bin-types`,
    {
      schema: {
        ...CONFIG,
        summary: 'Make a bin type (a tray, box or pot: rows × columns, capacity, size)',
        params: FarmParams,
        body: BinTypeBodySchema,
        response: { 201: BinTypeView },
      },
    },
    async (request, reply) =>
      reply.code(201).send(binTypeView(await stockSetup.createBinType(farmOf(request), request.body, metaOf(request)))),
  );

  app.patch(
    `${base}/bin-types/:id`,
    {
      schema: {
        ...CONFIG,
        summary: 'Change a bin type',
        params: BinTypeParams,
        body: BinTypePatchSchema,
        response: { 200: BinTypeView },
      },
    },
    async (request) =>
      binTypeView(await stockSetup.updateBinType(farmOf(request), request.params.id, request.body, metaOf(request))),
  );

  app.delete(
    `${base}/bin-types/:id`,
    {
      schema: {
        ...CONFIG,
        summary: 'Delete a bin type no bin has (409 BIN_TYPE_IN_USE)',
        params: BinTypeParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await stockSetup.removeBinType(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/api/v1/farms/:farm/locations/:id/bin-type',
    {
      schema: {
        ...CONFIG,
        summary: 'Give a storage bin its type (null: none)',
        params: LocationParams,
        body: BinTypeOfBody,
        response: { 200: BinTypeOfView },
      },
    },
    async (request) => {
      const result = await stockSetup.setBinType(
        farmOf(request),
        request.params.id,
        request.body.bin_type,
        metaOf(request),
      );
      return { location_id: result.location_id, bin_type: result.bin_type && binTypeView(result.bin_type) };
    },
  );

  app.get(
    '/api/v1/farms/:farm/locations/:id/stock-config',
    {
      schema: {
        ...READ,
        summary: 'What a storage location is meant to hold (null: anything)',
        params: LocationParams,
        response: { 200: StockConfigView },
      },
    },
    async (request) => configView(request.params.id, await stockSetup.config(farmOf(request), request.params.id)),
  );

  app.put(
    '/api/v1/farms/:farm/locations/:id/stock-config',
    {
      schema: {
        ...CONFIG,
        summary:
          'Set what a storage location holds: a count or a batch of another product or packaging is then refused (422 CONFIG_MISMATCH)',
        params: LocationParams,
        body: StockConfigBodySchema,
        response: { 200: StockConfigView },
      },
    },
    async (request) =>
      configView(
        request.params.id,
        await stockSetup.setConfig(farmOf(request), request.params.id, request.body, metaOf(request)),
      ),
  );

  app.delete(
    '/api/v1/farms/:farm/locations/:id/stock-config',
    {
      schema: {
        ...CONFIG,
        summary: 'Remove a storage location’s config',
        params: LocationParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await stockSetup.removeConfig(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    `${base}/settings`,
    { schema: { ...READ, summary: 'The farm’s stock settings', params: FarmParams, response: { 200: SettingsView } } },
    async (request) => stockSetup.settings(farmOf(request)),
  );

  app.put(
    `${base}/settings`,
    {
      schema: {
        ...CONFIG,
        summary: 'Set how a count’s shortfall is recorded when the count does not say (sale or adjustment)',
        params: FarmParams,
        body: SettingsBody,
        response: { 200: SettingsView },
      },
    },
    async (request) => stockSetup.setSettings(farmOf(request), request.body, metaOf(request)),
  );

  app.get(
    `${base}/reconciliations`,
    {
      schema: {
        ...READ,
        summary: 'The nightly checks that every batch equals the sum of its movements, newest first',
        params: FarmParams,
        querystring: ReconciliationsQuerystring,
        response: { 200: ReconciliationsView },
      },
    },
    async (request) => ({
      data: (await stockSetup.reconciliations(farmOf(request), request.query.limit ?? 10)).map((r) => ({
        ran_at: r.ran_at.toISOString(),
        batches: r.batches,
        mismatches: r.mismatches as Array<{ id: string; code: string; quantity: number; movements: number }>,
      })),
    }),
  );
};
