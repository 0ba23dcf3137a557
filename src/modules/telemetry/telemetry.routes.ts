import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { invalid } from '../../platform/errors.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { farmOf } from '../../platform/http/context.js';
import { DateTime } from '../../platform/http/schemas.js';
import { parseCsv, parseNdjson, type RawReading } from './telemetry.engine.js';
import type { TelemetryService } from './telemetry.service.js';

const TAGS = { tags: ['telemetry'] };
export const MAX_BATCH = 10_000;

const Resolution = Type.Union([Type.Literal('raw'), Type.Literal('hour'), Type.Literal('day'), Type.Literal('auto')]);
const RawPoint = Type.Object({ ts: DateTime, value: Type.Number(), quality: Type.Integer() });
const RollupPoint = Type.Object({ ts: DateTime, min: Type.Number(), max: Type.Number(), avg: Type.Number(), sum: Type.Number(),
  count: Type.Integer(), last: Type.Number() });
const Retention = Type.Object({
  raw_days: Type.Integer({ minimum: 1, maximum: 3650 }), hourly_days: Type.Integer({ minimum: 1, maximum: 36500 }),
  daily_days: Type.Integer({ minimum: 1, maximum: 36500 }),
}, { additionalProperties: false });

export const telemetryRoutes: FastifyPluginAsyncTypebox<{ telemetry: TelemetryService }> = async (app, deps) => {
  const { telemetry } = deps;
  // NDJSON and CSV arrive as text and become the same readings as a JSON batch.
  app.addContentTypeParser(['application/x-ndjson', 'application/ndjson'], { parseAs: 'string' },
    (_request, body, done) => done(null, { readings: parseNdjson(String(body)) }));
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, { readings: parseCsv(String(body)) });
    } catch (error) {
      done(invalid(`The CSV is not readable: ${(error as Error).message}`), undefined);
    }
  });

  app.post('/api/v1/farms/:farm/telemetry', {
    bodyLimit: 16 * 1024 * 1024,
    schema: {
      ...TAGS, 'x-permission': 'records.write', 'x-devices': true,
      summary: `Store up to ${MAX_BATCH} readings (JSON, NDJSON or CSV); each is accepted, a duplicate, or rejected with a reason`,
      description: 'A device may send with its own credentials (HTTP Basic), for itself only. Answers only after the readings are committed.',
      params: FarmParams,
      body: Type.Object({
        readings: Type.Array(Type.Object({}, { additionalProperties: true, description: '{"device","metric","ts"?,"value","quality"?,"unit"?}' }),
          { maxItems: MAX_BATCH }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({
        accepted: Type.Integer(), duplicate: Type.Integer(), rejected: Type.Integer(),
        rejections: Type.Array(Type.Object({ index: Type.Integer(), code: Type.String(), reason: Type.String() })),
      }) },
    },
  }, async (request) => {
    const ctx = farmOf(request);
    if (request.body.readings.length > MAX_BATCH) throw invalid(`At most ${MAX_BATCH} readings per request`, {}, 'BATCH_TOO_LARGE');
    const onlyDevice = ctx.caller.kind === 'device' ? ctx.caller.label : undefined;
    return telemetry.ingest({ farmId: ctx.farmId, onlyDevice }, request.body.readings as RawReading[]);
  });

  app.get('/api/v1/farms/:farm/telemetry', {
    schema: {
      ...TAGS, 'x-permission': 'farm.read',
      summary: 'One series over a range: raw, hourly or daily (auto keeps it under about 2,000 points)',
      params: FarmParams,
      querystring: Type.Object({
        device: Type.String({ minLength: 1, maxLength: 64 }), metric: Type.String({ minLength: 1, maxLength: 64 }),
        from: DateTime, to: DateTime, resolution: Type.Optional(Resolution),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({
        device: Type.String(), metric: Type.String(), unit: Type.Union([Type.String(), Type.Null()]),
        resolution: Type.Union([Type.Literal('raw'), Type.Literal('hour'), Type.Literal('day')]),
        points: Type.Union([Type.Array(RawPoint), Type.Array(RollupPoint)]),
      }) },
    },
  }, async (request) => {
    const q = request.query;
    const answer = await telemetry.series(farmOf(request).farmId, {
      device: q.device, metric: q.metric, from: new Date(q.from), to: new Date(q.to), resolution: q.resolution ?? 'auto',
    });
    const points = answer.resolution === 'raw'
      ? answer.points.map((p) => ({ ts: p.ts.toISOString(), value: p.value, quality: p.quality }))
      : answer.points.map((p) => ({ ts: p.ts.toISOString(), min: p.min, max: p.max, avg: p.sum / p.count, sum: p.sum, count: p.count, last: p.last }));
    return { device: q.device, metric: q.metric, unit: answer.unit, resolution: answer.resolution, points };
  });

  app.get('/api/v1/farms/:farm/telemetry/latest', {
    schema: {
      ...TAGS, 'x-permission': 'farm.read', summary: 'The latest value of each metric of a device', params: FarmParams,
      querystring: Type.Object({ device: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ device: Type.String(), metrics: Type.Array(Type.Object({
        metric: Type.String(), unit: Type.Union([Type.String(), Type.Null()]), ts: DateTime, value: Type.Number(), quality: Type.Integer(),
      })) }) },
    },
  }, async (request) => {
    const latest = await telemetry.latest(farmOf(request).farmId, request.query.device);
    return { device: latest.device, metrics: latest.metrics.map((m) => ({ ...m, ts: m.ts.toISOString() })) };
  });

  app.get('/api/v1/farms/:farm/telemetry/export', {
    schema: {
      ...TAGS, 'x-permission': 'farm.read', summary: 'Raw readings of one series over a range as CSV, streamed', params: FarmParams,
      querystring: Type.Object({ device: Type.String({ minLength: 1, maxLength: 64 }), metric: Type.String({ minLength: 1, maxLength: 64 }),
        from: DateTime, to: DateTime }, { additionalProperties: false }),
      response: { 200: Type.String({ description: 'text/csv: device,metric,ts,value,quality' }) },
    },
  }, async (request, reply) => {
    const q = request.query;
    const rows = telemetry.exportCsv(farmOf(request).farmId, q.device, q.metric, new Date(q.from), new Date(q.to));
    // Read the first piece before answering, so an unknown device is still a clean 404.
    const first = await rows.next();
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${q.device}-${q.metric}.csv"`);
    const stream = Readable.from((async function* () {
      if (!first.done) yield first.value;
      yield* rows;
    })());
    // The schema documents the text; the type provider cannot express a stream of it.
    return reply.send(stream as unknown as string);
  });

  app.get('/api/v1/farms/:farm/telemetry/settings', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'How long raw readings and rollups are kept (days)', params: FarmParams,
      response: { 200: Retention } },
  }, async (request) => telemetry.retention(farmOf(request).farmId));

  app.put('/api/v1/farms/:farm/telemetry/settings', {
    schema: { ...TAGS, 'x-permission': 'farm.update', summary: 'Set how long raw readings and rollups are kept', params: FarmParams,
      body: Retention, response: { 200: Retention } },
  }, async (request) => telemetry.setRetention(farmOf(request).farmId, request.body));
};
