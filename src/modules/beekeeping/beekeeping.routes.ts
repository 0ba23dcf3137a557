import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams, Nullable } from '../../platform/http/schemas.js';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { DateTime, Uuid } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import type { BeeEventRow, QueenRow } from './beekeeping.repository.js';
import type { BeekeepingService } from './beekeeping.service.js';

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Score = Type.Integer({ minimum: 1, maximum: 5 });
const Frames = Type.Number({ minimum: 0, maximum: 100 });
const Status = Type.Union([Type.Literal('active'), Type.Literal('dead_out'), Type.Literal('sold'), Type.Literal('united')]);
const HiveType = Type.Union(['langstroth', 'dadant', 'national', 'top_bar', 'warre', 'layens', 'other'].map((t) => Type.Literal(t)));
const Layout = Type.Object({ brood_boxes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })), supers: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
  queen_excluder: Type.Optional(Type.Boolean()), feeder: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const Colour = Type.Union(['white', 'yellow', 'red', 'green', 'blue'].map((c) => Type.Literal(c)));

const Queen = Type.Object({ id: Uuid, name: Type.String(), breed: Nullable(Type.String()), birth_date: Nullable(Type.String()), marking_colour: Nullable(Type.String()),
  clipped: Type.Boolean(), fertilised: Type.Boolean(), mother_id: Nullable(Uuid), introduced_at: Type.String(), retired_at: Nullable(Type.String()),
  created_at: DateTime }, { additionalProperties: false });
const queenView = (q: QueenRow) => ({ id: q.id, name: q.name, breed: q.breed, birth_date: q.birth_date, marking_colour: q.marking_colour, clipped: q.clipped,
  fertilised: q.fertilised, mother_id: q.mother_id, introduced_at: q.introduced_at, retired_at: q.retired_at, created_at: q.created_at.toISOString() });

const Hive = Type.Object({ id: Uuid, name: Type.String(), apiary_id: Uuid, hive_type: Type.String(), layout: Layout, status: Status,
  device: Nullable(Type.String({ description: 'The scale under it (device label)' })), scale_tare_kg: Nullable(Type.Number()),
  current_queen: Nullable(Queen), last_inspection: Nullable(Type.String()),
  active_alerts: Type.Array(Type.Object({ id: Uuid, type: Type.String(), severity: Type.String(), message: Type.String(), triggered_at: DateTime })),
  created_at: DateTime, updated_at: DateTime }, { additionalProperties: false });
type HiveFacts = Awaited<ReturnType<BeekeepingService['hive']>>;
const hiveView = (h: HiveFacts) => ({ id: h.id, name: h.name, apiary_id: h.apiary_id, hive_type: h.hive_type, layout: h.layout, status: h.status, device: h.device,
  scale_tare_kg: h.scale_tare_kg, current_queen: h.current_queen ? queenView(h.current_queen) : null, last_inspection: h.last_inspection,
  active_alerts: h.active_alerts,
  created_at: h.created_at.toISOString(), updated_at: h.updated_at.toISOString() });

const Inspection = Type.Object({
  queen_seen: Type.Optional(Type.Boolean()), eggs: Type.Optional(Type.Boolean()), brood_pattern: Type.Optional(Score),
  frames_bees: Type.Optional(Frames), frames_brood: Type.Optional(Frames), frames_honey: Type.Optional(Frames), temper: Type.Optional(Score),
  varroa_count: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  varroa_method: Type.Optional(Type.Union(['sugar_roll', 'alcohol_wash', 'sticky_board', 'drone_brood', 'visual'].map((m) => Type.Literal(m)))),
  feeding_given: Type.Optional(Type.String({ maxLength: 200 })), notes: Type.Optional(Type.String({ maxLength: 2000 })),
}, { additionalProperties: false });
const Treatment = Type.Object({ product: Type.String({ minLength: 1, maxLength: 200 }), active_ingredient: Type.Optional(Type.String({ maxLength: 200 })),
  dose: Type.Optional(Type.String({ maxLength: 100 })), batch: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false });
const Harvest = Type.Object({ honey_kg: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })), frames: Type.Optional(Type.Integer({ minimum: 0, maximum: 200 })) },
  { additionalProperties: false });
const EventBody = Type.Object({
  id: Type.Optional(Type.String({ format: 'uuid', description: 'Made by the client (offline recording): a resend answers the stored event' })),
  type: Type.Union(['inspection', 'feeding', 'treatment', 'harvest', 'swarm', 'split', 'unite', 'requeen', 'note'].map((t) => Type.Literal(t))),
  date: Day, description: Type.Optional(Type.String({ maxLength: 5000 })), inspection: Type.Optional(Inspection), treatment: Type.Optional(Treatment),
  harvest: Type.Optional(Harvest), next_inspection: Type.Optional(Day),
}, { additionalProperties: false });
const Event = Type.Object({ id: Uuid, hive_id: Nullable(Uuid), apiary_id: Nullable(Uuid), type: Type.String(), date: Type.String(), description: Nullable(Type.String()),
  inspection: Type.Unknown(), treatment: Type.Unknown(), harvest: Type.Unknown(), next_inspection: Nullable(Type.String()), created_at: DateTime },
{ additionalProperties: false });
const eventView = (e: BeeEventRow) => ({ id: e.id, hive_id: e.hive_id, apiary_id: e.apiary_id, type: e.type, date: e.date, description: e.description,
  inspection: e.inspection ?? null, treatment: e.treatment ?? null, harvest: e.harvest ?? null, next_inspection: e.next_inspection, created_at: e.created_at.toISOString() });

const TAGS = { tags: ['beekeeping'] };
const HiveParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

export const beekeepingRoutes: FastifyPluginAsyncTypebox<{ beekeeping: BeekeepingService }> = async (app, deps) => {
  const bees = deps.beekeeping;

  app.get('/api/v1/farms/:farm/apiaries', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'Apiaries (locations of type apiary) with hive counts and the latest hive readings', params: FarmParams,
      response: { 200: Type.Object({ data: Type.Array(Type.Object({ id: Uuid, name: Type.String(), code: Nullable(Type.String()), geometry: Type.Unknown(), hives: Type.Integer(),
        latest: Type.Array(Type.Object({ hive_id: Uuid, hive: Type.String(), readings: Type.Array(Type.Object({ metric: Type.String(), value: Type.Number(), ts: DateTime })) })) })) }) } },
  }, async (request) => ({ data: (await bees.apiaries(farmOf(request))).map((a) => ({ ...a, geometry: a.geometry ?? null,
    latest: a.latest.map((l) => ({ ...l, readings: l.readings.map((r) => ({ metric: r.metric, value: r.value, ts: r.ts.toISOString() })) })) })) }));

  app.post('/api/v1/farms/:farm/hives', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Add a hive to an apiary (device_id: the label of the scale under it)', params: FarmParams,
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), apiary_id: Uuid, device_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
        hive_type: Type.Optional(HiveType), layout: Type.Optional(Layout), status: Type.Optional(Status), scale_tare_kg: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 200 }))) },
      { additionalProperties: false }), response: { 201: Hive } },
  }, async (request, reply) => {
    const ctx = farmOf(request);
    const hive = await bees.createHive(ctx, request.body, metaOf(request));
    return reply.code(201).send(hiveView(await bees.hive(ctx, hive.id)));
  });

  app.get('/api/v1/farms/:farm/hives', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'Hives, with their queen and last inspection', params: FarmParams,
      querystring: Type.Object({ apiary: Type.Optional(Uuid) }), response: { 200: Type.Object({ data: Type.Array(Hive) }) } },
  }, async (request) => ({ data: (await bees.hives(farmOf(request), request.query.apiary)).map(hiveView) }));

  app.get('/api/v1/farms/:farm/hives/:id', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'One hive', params: HiveParams, response: { 200: Hive } },
  }, async (request) => hiveView(await bees.hive(farmOf(request), request.params.id)));

  app.patch('/api/v1/farms/:farm/hives/:id', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Change a hive (a new apiary is recorded as a move; a new scale in its history)', params: HiveParams,
      body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), apiary_id: Type.Optional(Uuid),
        device_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))), hive_type: Type.Optional(HiveType), layout: Type.Optional(Layout),
        status: Type.Optional(Status), scale_tare_kg: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 200 }))) }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: Hive } },
  }, async (request) => {
    const ctx = farmOf(request);
    await bees.updateHive(ctx, request.params.id, request.body, metaOf(request));
    return hiveView(await bees.hive(ctx, request.params.id));
  });

  app.delete('/api/v1/farms/:farm/hives/:id', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Delete a hive (its scale’s telemetry is kept)', params: HiveParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await bees.removeHive(farmOf(request), request.params.id, metaOf(request));
    return reply.code(204).send(null);
  });

  app.get('/api/v1/farms/:farm/hives/:id/scales', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'Which scale sat under the hive when', params: HiveParams,
      response: { 200: Type.Object({ data: Type.Array(Type.Object({ device: Type.String(), from: DateTime, to: Nullable(DateTime) })) }) } },
  }, async (request) => ({ data: (await bees.scales(farmOf(request), request.params.id)).map((s) => ({ device: s.device, from: s.from_at.toISOString(), to: s.to_at?.toISOString() ?? null })) }));

  app.post('/api/v1/farms/:farm/hives/:id/queens', {
    schema: { ...TAGS, 'x-permission': 'records.write', summary: 'Introduce a queen: the current one is retired (marking colour defaults from the birth year)',
      params: HiveParams, body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), breed: Type.Optional(Type.String({ maxLength: 100 })),
        birth_date: Type.Optional(Day), marking_colour: Type.Optional(Colour), clipped: Type.Optional(Type.Boolean()), fertilised: Type.Optional(Type.Boolean()),
        mother_id: Type.Optional(Uuid), introduced_at: Type.Optional(Day) }, { additionalProperties: false }), response: { 201: Queen } },
  }, async (request, reply) => reply.code(201).send(queenView(await bees.addQueen(farmOf(request), request.params.id, request.body, metaOf(request)))));

  app.get('/api/v1/farms/:farm/hives/:id/queens', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: "The hive's queens, newest first", params: HiveParams, response: { 200: Type.Object({ data: Type.Array(Queen) }) } },
  }, async (request) => ({ data: (await bees.queens(farmOf(request), request.params.id)).map(queenView) }));

  app.delete('/api/v1/farms/:farm/hives/:id/queens/:queen', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Delete a queen (the current one: the hive then has none)',
      params: Type.Object({ ...HiveParams.properties, queen: Uuid }), response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await bees.removeQueen(farmOf(request), request.params.id, request.params.queen, metaOf(request));
    return reply.code(204).send(null);
  });

  for (const [kind, key] of [['hives', 'hive_id'], ['apiaries', 'apiary_id']] as const) {
    app.post(`/api/v1/farms/:farm/${kind}/:id/events`, {
      schema: { ...TAGS, 'x-permission': 'records.write', summary: `Record an event on ${kind === 'hives' ? 'a hive' : 'an apiary'} (inspection, feeding, treatment, harvest …)`,
        params: HiveParams, body: EventBody, response: { 201: Event, ...idempotentAnswers(Event) } },
    }, async (request, reply) => {
      const { event, created } = await bees.addEvent(farmOf(request), { [key]: request.params.id } as { hive_id: string }, request.body);
      return reply.code(idempotentStatus(created, 201)).send(eventView(event));
    });
    app.get(`/api/v1/farms/:farm/${kind}/:id/events`, {
      schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'Events, newest first', params: HiveParams, response: { 200: Type.Object({ data: Type.Array(Event) }) } },
    }, async (request) => ({ data: (await bees.events(farmOf(request), { [key]: request.params.id } as { hive_id: string })).map(eventView) }));
  }

  const InsightsBody = Type.Object({ swarm: Type.Boolean(), brood_temperature: Type.Boolean(),
    silent_hours: Nullable(Type.Number({ minimum: 1, maximum: 720 })), daily_loss_kg: Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 50 })) },
  { additionalProperties: false });
  app.get('/api/v1/farms/:farm/apiaries/:id/insights', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: "The apiary's insights switched on", params: HiveParams, response: { 200: InsightsBody } },
  }, async (request) => bees.insights(farmOf(request), request.params.id));

  app.put('/api/v1/farms/:farm/apiaries/:id/insights', {
    schema: { ...TAGS, 'x-permission': 'config.write',
      summary: 'Switch insights on or off: swarm suspected, brood-nest temperature outside 33–36 °C for an hour in season, hive silent, daily weight loss',
      params: HiveParams, body: Type.Partial(InsightsBody), response: { 200: InsightsBody } },
  }, async (request) => bees.setInsights(farmOf(request), request.params.id, request.body, metaOf(request)));

  app.get('/api/v1/farms/:farm/hives/:id/weight-days', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: "Each local day's weight and its gain or loss", params: HiveParams,
      querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 30 })) }),
      response: { 200: Type.Object({ data: Type.Array(Type.Object({ day: Type.String(), weight_kg: Type.Number(), change_kg: Nullable(Type.Number()) })) }) } },
  }, async (request) => ({ data: await bees.weightDays(farmOf(request), request.params.id, request.query.days ?? 30) }));

  app.get('/api/v1/farms/:farm/hives/:id/telemetry', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: "The hive scale's readings: raw, or hourly with BeeAPI's fields", params: HiveParams,
      querystring: Type.Object({ resolution: Type.Optional(Type.Union([Type.Literal('raw'), Type.Literal('hour')], { default: 'hour' })), from: DateTime, to: DateTime }),
      response: { 200: Type.Object({ device: Nullable(Type.String()), resolution: Type.String(), metrics: Type.Record(Type.String(), Type.Unknown()),
        hourly: Type.Array(Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Null()]))) }) } },
  }, async (request) => {
    const q = request.query;
    const answer = await bees.telemetry(farmOf(request), request.params.id, q.resolution ?? 'hour', new Date(q.from), new Date(q.to));
    return { ...answer, metrics: Object.fromEntries(Object.entries(answer.metrics).map(([m, s]) => [m, { ...s,
      points: (s.points as unknown as Array<Record<string, unknown> & { ts: Date }>).map((p) => ({ ...p, ts: p.ts.toISOString() })) }])) };
  });
};
