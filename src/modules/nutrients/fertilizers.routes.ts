import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  FertilizerPage,
  FertilizerParams,
  FertilizerPatchBody,
  FertilizerQuery,
  FertilizerView,
  NewFertilizerBody,
  NewStockMovementBody,
  StockListQuery,
  StockMovementView,
  StockPage,
  StockView,
} from './fertilizers.schemas.js';
import type { FertilizersService } from './fertilizers.service.js';
import { fertilizerView, stockMovementView } from './fertilizers.views.js';

const TAGS = { tags: ['nutrients'] };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };
// A farm's own rows are written as the plant catalogue's are: by managers.
const WRITE = { ...TAGS, 'x-permission': 'config.write' as const };
const RECORD = { ...TAGS, 'x-permission': 'records.write' as const };

/** Fertilizers (Croft's generic ones and the farm's own) and the farm's stock of each. */
export const fertilizersRoutes: FastifyPluginAsyncTypebox<{ fertilizers: FertilizersService }> = async (
  app,
  { fertilizers },
) => {
  const base = '/api/v1/farms/:farm/fertilizers';

  app.get(
    base,
    {
      schema: {
        ...READ,
        summary:
          'The fertilizers the farm sees: Croft’s generic ones (read-only) and its own, by product and brand; ' +
          'filters type, q (part of product or brand) and origin',
        params: FarmParams,
        querystring: FertilizerQuery,
        response: { 200: FertilizerPage },
      },
    },
    async (request) => {
      const page = await fertilizers.list(farmOf(request), request.query);
      return { data: page.rows.map((r) => fertilizerView(r.row, r.onHand)), next_cursor: page.nextCursor };
    },
  );

  app.get(
    `${base}/:id`,
    {
      schema: {
        ...READ,
        summary: 'One fertilizer, with the farm’s stock on hand',
        params: FertilizerParams,
        response: { 200: FertilizerView },
      },
    },
    async (request) => {
      const { row, onHand } = await fertilizers.one(farmOf(request), request.params.id);
      return fertilizerView(row, onHand);
    },
  );

  app.post(
    base,
    {
      schema: {
        ...WRITE,
        summary:
          'Add a fertilizer of the farm’s own (client-made id): N, P, K each ≥ 0 and together ≤ 100, max dose > 0, ' +
          'mixing priority 1–100; not tank-safe is never fertigation; product + brand unique in the farm (409)',
        params: FarmParams,
        body: NewFertilizerBody,
        response: { 201: FertilizerView, ...idempotentAnswers(FertilizerView) },
      },
    },
    async (request, reply) => {
      const { row, onHand, created } = await fertilizers.create(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(fertilizerView(row, onHand));
    },
  );

  app.patch(
    `${base}/:id`,
    {
      schema: {
        ...WRITE,
        summary: 'Change a fertilizer of the farm’s own (Croft’s are read-only: 403 GLOBAL_ROW_READ_ONLY)',
        params: FertilizerParams,
        body: FertilizerPatchBody,
        response: { 200: FertilizerView },
      },
    },
    async (request) => {
      const { row, onHand } = await fertilizers.update(
        farmOf(request),
        request.params.id,
        request.body,
        metaOf(request),
      );
      return fertilizerView(row, onHand);
    },
  );

  app.delete(
    `${base}/:id`,
    {
      schema: {
        ...WRITE,
        summary:
          'Delete a fertilizer of the farm’s own, with its stock ledger (409 IN_USE while a nutrient plan doses it)',
        params: FertilizerParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await fertilizers.remove(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    `${base}/:id/stock`,
    {
      schema: {
        ...READ,
        summary: 'The farm’s stock of a fertilizer: on hand (ml or g) and the latest movements',
        params: FertilizerParams,
        response: { 200: StockView },
      },
    },
    async (request) => {
      const { fertilizer, onHand, movements } = await fertilizers.stock(farmOf(request), request.params.id);
      return {
        fertilizer_id: fertilizer.id,
        product: fertilizer.product,
        on_hand: onHand,
        unit: fertilizerView(fertilizer, onHand).stock.unit,
        movements: movements.map((m) => stockMovementView(m, fertilizer.form)),
      };
    },
  );

  app.post(
    `${base}/:id/stock/movements`,
    {
      schema: {
        ...RECORD,
        summary:
          'Record stock received, used, or counted (client-made id). Used beyond what is on hand: 409 ' +
          'INSUFFICIENT_STOCK — on hand never goes below 0; a count states what is there',
        params: FertilizerParams,
        body: NewStockMovementBody,
        response: {
          201: Type.Object({ movement: StockMovementView, on_hand: Type.Number() }),
          ...idempotentAnswers(Type.Object({ movement: StockMovementView, on_hand: Type.Number() })),
        },
      },
    },
    async (request, reply) => {
      const { movement, fertilizer, onHand, created } = await fertilizers.move(
        farmOf(request),
        request.params.id,
        request.body,
        metaOf(request),
      );
      return reply
        .code(idempotentStatus(created, 201))
        .send({ movement: stockMovementView(movement, fertilizer.form), on_hand: onHand });
    },
  );

  app.get(
    '/api/v1/farms/:farm/fertilizer-stock',
    {
      schema: {
        ...READ,
        summary: 'What the farm has on hand of each fertilizer it has recorded stock of',
        params: FarmParams,
        querystring: StockListQuery,
        response: { 200: StockPage },
      },
    },
    async (request) => {
      const page = await fertilizers.stockList(farmOf(request), request.query);
      return { data: page.rows, next_cursor: page.nextCursor };
    },
  );
};
