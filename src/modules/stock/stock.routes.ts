import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import { localTime } from '../../platform/time-zones.js';
import type { Clock } from '../../platform/clock.js';
import {
  BatchPage,
  BatchParams,
  BatchPatchBody,
  BatchesQuerystring,
  BatchView,
  CloseBody,
  CountView,
  MovementPage,
  MovementsQuerystring,
  NewBatchBody,
  NewCountBody,
  NewMovementBody,
  NewTransplantBody,
  RecordedView,
  TransplantView,
} from './stock.schemas.js';
import type { StockService } from './stock.service.js';
import { batchView, countView, movementView, recordedView } from './stock.views.js';

const TAGS = { tags: ['stock'] };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };
const RECORD = { ...TAGS, 'x-permission': 'records.write' as const };

/** The nursery's stock: batches, the ledger of their movements, transplants and counts. */
export const stockRoutes: FastifyPluginAsyncTypebox<{ stock: StockService; clock: Clock }> = async (app, deps) => {
  const { stock, clock } = deps;
  const base = '/api/v1/farms/:farm/stock';
  const today = (request: FastifyRequest) => localTime(clock.now(), farmOf(request).timeZone).date;

  app.post(
    `${base}/batches`,
    {
      schema: {
        ...RECORD,
        summary:
          'Start a batch at a storage location with its first movement (a manual initialisation); 422 CONFIG_MISMATCH against the location’s stock config',
        params: FarmParams,
        body: NewBatchBody,
        response: { 201: BatchView, ...idempotentAnswers(BatchView) },
      },
    },
    async (request, reply) => {
      const { batch, created } = await stock.initialise(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(batchView(batch, today(request)));
    },
  );

  app.get(
    `${base}/batches`,
    {
      schema: {
        ...READ,
        summary: 'Batches by code: under a place, of a product, in a status',
        params: FarmParams,
        querystring: BatchesQuerystring,
        response: { 200: BatchPage },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const rows = await stock.batches(farmOf(request), request.query, request.query.cursor, limit);
      const day = today(request);
      return {
        data: rows.map((b) => batchView(b, day)),
        next_cursor: rows.length === limit ? rows[rows.length - 1]!.code : null,
      };
    },
  );

  app.get(
    `${base}/batches/:id`,
    { schema: { ...READ, summary: 'One batch (by id or code)', params: BatchParams, response: { 200: BatchView } } },
    async (request) => batchView(await stock.batch(farmOf(request), request.params.id), today(request)),
  );

  app.patch(
    `${base}/batches/:id`,
    {
      schema: {
        ...RECORD,
        summary: 'Change a batch’s quality or dates (its quantity changes only by movements)',
        params: BatchParams,
        body: BatchPatchBody,
        response: { 200: BatchView },
      },
    },
    async (request) =>
      batchView(
        await stock.updateBatch(farmOf(request), request.params.id, request.body, metaOf(request)),
        today(request),
      ),
  );

  app.post(
    `${base}/batches/:id/close`,
    {
      schema: {
        ...RECORD,
        summary: 'Close a batch: it takes no more movements',
        params: BatchParams,
        body: CloseBody,
        response: { 200: BatchView },
      },
    },
    async (request) =>
      batchView(
        await stock.closeBatch(farmOf(request), request.params.id, request.body.reason, metaOf(request)),
        today(request),
      ),
  );

  app.get(
    `${base}/batches/:id/movements`,
    {
      schema: {
        ...READ,
        summary: 'A batch’s movements, newest first',
        params: BatchParams,
        querystring: MovementsQuerystring,
        response: { 200: MovementPage },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await stock.movements(farmOf(request), request.params.id, request.query.cursor, limit);
      return {
        data: rows.map(movementView),
        next_cursor: rows.length === limit ? rows[rows.length - 1]!.occurred_at.toISOString() : null,
      };
    },
  );

  app.post(
    `${base}/movements`,
    {
      schema: {
        ...RECORD,
        summary:
          'Record a planting, sowing, death (its pots count as empty), sale or adjustment: 409 INSUFFICIENT_STOCK below 0, BATCH_CLOSED',
        params: FarmParams,
        body: NewMovementBody,
        response: { 201: RecordedView, ...idempotentAnswers(RecordedView) },
      },
    },
    async (request, reply) => {
      const result = await stock.record(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(result.created, 201)).send(recordedView(result, today(request)));
    },
  );

  app.post(
    `${base}/transplants`,
    {
      schema: {
        ...RECORD,
        summary:
          'Move plants to another place, bin, packaging, state or size: out of one batch, into one found or made (422 for the same place and config, or another product)',
        params: FarmParams,
        body: NewTransplantBody,
        response: { 201: TransplantView, ...idempotentAnswers(TransplantView) },
      },
    },
    async (request, reply) => {
      const result = await stock.transplant(farmOf(request), request.body, metaOf(request));
      const day = today(request);
      return reply
        .code(idempotentStatus(result.created, 201))
        .send({ out: recordedView(result.out, day), in: recordedView(result.in, day) });
    },
  );

  app.post(
    `${base}/counts`,
    {
      schema: {
        ...RECORD,
        summary:
          'Record a count of a storage location: its one active batch, what it held at counted_at, and the difference as a sale or an adjustment',
        params: FarmParams,
        body: NewCountBody,
        response: { 201: CountView, ...idempotentAnswers(CountView) },
      },
    },
    async (request, reply) => {
      const result = await stock.count(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(result.created, 201)).send(countView(result, today(request)));
    },
  );
};
