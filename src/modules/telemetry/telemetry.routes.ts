import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { invalid } from '../../platform/errors.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { farmOf } from '../../platform/http/context.js';
import type { RawReading } from './telemetry.engine.js';
import { MAX_BATCH_BYTES, registerReadingParsers } from './telemetry.parsers.js';
import {
  CsvText,
  ExportQuerystring,
  IngestView,
  LatestQuerystring,
  LatestView,
  MAX_BATCH,
  ReadingsBody,
  Retention,
  SeriesQuerystring,
  SeriesView,
} from './telemetry.schemas.js';
import type { TelemetryService } from './telemetry.service.js';
import { latestView, seriesView } from './telemetry.views.js';

const TAGS = { tags: ['telemetry'] };

/**
 * `Content-Disposition` for a download named by the caller's words (a metric may be any text): an
 * ASCII fallback, and the exact name %-encoded (RFC 6266), since a header may carry neither `"` nor
 * characters outside Latin-1.
 */
function attachment(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._-]/g, '_');
  const exact = encodeURIComponent(name.replace(/\p{Surrogate}/gu, '\uFFFD'));
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

export const telemetryRoutes: FastifyPluginAsyncTypebox<{ telemetry: TelemetryService }> = async (app, deps) => {
  const { telemetry } = deps;
  registerReadingParsers(app);

  app.post(
    '/api/v1/farms/:farm/telemetry',
    {
      bodyLimit: MAX_BATCH_BYTES,
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        'x-devices': true,
        summary: `Store up to ${MAX_BATCH} readings (JSON, NDJSON or CSV); each is accepted, a duplicate, or rejected with a reason`,
        description:
          'A device may send with its own credentials (HTTP Basic), for itself only. Answers only after the readings are committed.',
        params: FarmParams,
        body: ReadingsBody,
        response: { 200: IngestView },
      },
    },
    async (request) => {
      const ctx = farmOf(request);
      if (request.body.readings.length > MAX_BATCH)
        throw invalid(`At most ${MAX_BATCH} readings per request`, {}, 'BATCH_TOO_LARGE');
      const onlyDevice = ctx.caller.kind === 'device' ? ctx.caller.label : undefined;
      return telemetry.ingest({ farmId: ctx.farmId, onlyDevice }, request.body.readings as RawReading[]);
    },
  );

  app.get(
    '/api/v1/farms/:farm/telemetry',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'One series over a range: raw, hourly or daily (auto keeps it under about 2,000 points)',
        params: FarmParams,
        querystring: SeriesQuerystring,
        response: { 200: SeriesView },
      },
    },
    async (request) => {
      const q = request.query;
      const answer = await telemetry.series(farmOf(request).farmId, {
        device: q.device,
        metric: q.metric,
        from: new Date(q.from),
        to: new Date(q.to),
        resolution: q.resolution ?? 'auto',
      });
      return seriesView(q.device, q.metric, answer);
    },
  );

  app.get(
    '/api/v1/farms/:farm/telemetry/latest',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'The latest value of each metric of a device',
        params: FarmParams,
        querystring: LatestQuerystring,
        response: { 200: LatestView },
      },
    },
    async (request) => latestView(await telemetry.latest(farmOf(request).farmId, request.query.device)),
  );

  app.get(
    '/api/v1/farms/:farm/telemetry/export',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'Raw readings of one series over a range as CSV, streamed',
        params: FarmParams,
        querystring: ExportQuerystring,
        response: { 200: CsvText },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const rows = telemetry.exportCsv(farmOf(request).farmId, q.device, q.metric, new Date(q.from), new Date(q.to));
      // Read the first piece before answering, so an unknown device is still a clean 404.
      const first = await rows.next();
      reply.type('text/csv; charset=utf-8').header('content-disposition', attachment(`${q.device}-${q.metric}.csv`));
      const stream = Readable.from(
        (async function* () {
          if (!first.done) yield first.value;
          yield* rows;
        })(),
      );
      // The schema documents the text; the type provider cannot express a stream of it.
      return reply.send(stream as unknown as string);
    },
  );

  app.get(
    '/api/v1/farms/:farm/telemetry/settings',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'How long raw readings and rollups are kept (days)',
        params: FarmParams,
        response: { 200: Retention },
      },
    },
    async (request) => telemetry.retention(farmOf(request).farmId),
  );

  app.put(
    '/api/v1/farms/:farm/telemetry/settings',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.update',
        summary: 'Set how long raw readings and rollups are kept',
        params: FarmParams,
        body: Retention,
        response: { 200: Retention },
      },
    },
    async (request) => telemetry.setRetention(farmOf(request).farmId, request.body),
  );
};
