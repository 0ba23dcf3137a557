import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  ClimateBody,
  ClimateView,
  CreatePlantsBody,
  EnvironmentView,
  GddView,
  HistoryList,
  LineageQuery,
  LineageView,
  LocationEnvironmentView,
  LocationParams,
  LocationPlantsQuery,
  NewPlantBody,
  NewRunBody,
  PlantList,
  PlantPage,
  PlantParams,
  PlantPatchBody,
  PlantQuery,
  PlantView,
  RunPage,
  RunParams,
  RunPatchBody,
  RunQuery,
  RunStatusBody,
  RunView,
  TargetSourceBody,
  TargetSourceView,
  TransitionBody,
  TransitionResult,
} from './crops.schemas.js';
import type { CropsService } from './crops.service.js';
import type { GrowthService } from './growth.service.js';
import type { CropTargets } from './targets.service.js';
import {
  climateView,
  environmentView,
  historyView,
  plantView,
  runView,
  sensorView,
  targetSourceView,
} from './crops.views.js';

const TAGS = { tags: ['crops'] };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };
const RECORD = { ...TAGS, 'x-permission': 'records.write' as const };
const CONFIG = { ...TAGS, 'x-permission': 'config.write' as const };
const NoContent = { 204: Type.Null() };

const movedView = (moves: Awaited<ReturnType<CropsService['describeMoves']>>) => ({
  plants: moves.map((m) => ({ plant: plantView(m.plant), history: historyView(m.history) })),
});

/** Planting runs, plants, their phases and growth, and the climate where they stand. */
export const cropsRoutes: FastifyPluginAsyncTypebox<{
  crops: CropsService;
  growth: GrowthService;
  cropTargets: CropTargets;
}> = async (app, deps) => {
  const { crops, growth, cropTargets } = deps;
  const runs = '/api/v1/farms/:farm/planting-runs';
  const plants = '/api/v1/farms/:farm/plants';

  // Planting runs

  app.post(
    runs,
    {
      schema: {
        ...RECORD,
        summary:
          'Plan a planting run: plants put in together (monoculture, or clones of a source plant); exactly one entry',
        params: FarmParams,
        body: NewRunBody,
        response: { 201: RunView, ...idempotentAnswers(RunView) },
      },
    },
    async (request, reply) => {
      const { run, created } = await crops.createRun(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(runView(run, 0));
    },
  );

  app.get(
    runs,
    {
      schema: {
        ...READ,
        summary: 'Planting runs, newest first',
        params: FarmParams,
        querystring: RunQuery,
        response: { 200: RunPage },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const { rows, counts } = await crops.runs(farmOf(request), { ...request.query, limit });
      return {
        data: rows.map((r) => runView(r, counts.get(r.id) ?? 0)),
        next_cursor: rows.length === limit ? rows[rows.length - 1]!.created_at.toISOString() : null,
      };
    },
  );

  app.get(
    `${runs}/:id`,
    { schema: { ...READ, summary: 'One planting run', params: RunParams, response: { 200: RunView } } },
    async (request) => {
      const { run, plants: count } = await crops.run(farmOf(request), request.params.id);
      return runView(run, count);
    },
  );

  app.patch(
    `${runs}/:id`,
    {
      schema: {
        ...RECORD,
        summary: 'Change a planting run (its entry and place only while planned: 409 INVALID_RUN_STATE)',
        params: RunParams,
        body: RunPatchBody,
        response: { 200: RunView },
      },
    },
    async (request) => {
      const ctx = farmOf(request);
      const run = await crops.updateRun(ctx, request.params.id, request.body, metaOf(request));
      return runView(run, (await crops.run(ctx, run.id)).plants);
    },
  );

  app.delete(
    `${runs}/:id`,
    {
      schema: {
        ...RECORD,
        summary: 'Delete a planned planting run (409 INVALID_RUN_STATE once it has started)',
        params: RunParams,
        response: NoContent,
      },
    },
    async (request, reply) => {
      await crops.deleteRun(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${runs}/:id/plants`,
    {
      schema: {
        ...RECORD,
        summary:
          'Make the run’s plants ({LOCATION CODE}_{PREFIX}_{NN}), in free slots of its location when it has slots ' +
          '(409 SLOT_FULL), each in the first phase of its species; the run becomes active',
        params: RunParams,
        body: CreatePlantsBody,
        response: { 201: Type.Object({ run: RunView, plants: Type.Array(PlantView) }) },
      },
    },
    async (request, reply) => {
      const { run, plants: made } = await crops.createRunPlants(
        farmOf(request),
        request.params.id,
        request.body,
        metaOf(request),
      );
      return reply.code(201).send({ run: runView(run, made.length), plants: made.map(plantView) });
    },
  );

  app.post(
    `${runs}/:id/status`,
    {
      schema: {
        ...RECORD,
        summary:
          'Move a run: planned → active | cancelled; active → harvesting | completed | cancelled; harvesting → completed | cancelled',
        params: RunParams,
        body: RunStatusBody,
        response: { 200: RunView },
      },
    },
    async (request) => {
      const ctx = farmOf(request);
      const run = await crops.setRunStatus(ctx, request.params.id, request.body.to, metaOf(request));
      return runView(run, (await crops.run(ctx, run.id)).plants);
    },
  );

  app.post(
    `${runs}/:id/phase-transitions`,
    {
      schema: {
        ...RECORD,
        summary:
          'Move every active plant of the run to a phase, by the same rules as one plant (all or none); force: managers',
        params: RunParams,
        body: TransitionBody,
        response: { 201: TransitionResult, ...idempotentAnswers(TransitionResult) },
      },
    },
    async (request, reply) => {
      const ctx = farmOf(request);
      const { moved, created } = await crops.moveRun(ctx, request.params.id, request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(movedView(await crops.describeMoves(ctx, moved)));
    },
  );

  // Plants

  app.post(
    plants,
    {
      schema: {
        ...RECORD,
        summary: 'Plant one plant (its id made as {LOCATION CODE}_{PREFIX}_{NN} unless given); mother: a clone’s',
        params: FarmParams,
        body: NewPlantBody,
        response: { 201: PlantView, ...idempotentAnswers(PlantView) },
      },
    },
    async (request, reply) => {
      const { plant, created } = await crops.createPlant(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(plantView(plant));
    },
  );

  app.get(
    plants,
    {
      schema: {
        ...READ,
        summary: 'Plants by label, active ones unless include_removed; location with subtree=true: everything under it',
        params: FarmParams,
        querystring: PlantQuery,
        response: { 200: PlantPage },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const rows = await crops.plants(farmOf(request), { ...request.query, limit });
      return {
        data: rows.map(plantView),
        next_cursor: rows.length === limit ? rows[rows.length - 1]!.plant.label : null,
      };
    },
  );

  app.get(
    `${plants}/:plant`,
    {
      schema: { ...READ, summary: 'One plant (by id or label)', params: PlantParams, response: { 200: PlantView } },
    },
    async (request) => plantView(await crops.plant(farmOf(request), request.params.plant)),
  );

  app.patch(
    `${plants}/:plant`,
    {
      schema: {
        ...RECORD,
        summary: 'Change a plant: its place, cultivar, container, notes; removed_on ends it',
        params: PlantParams,
        body: PlantPatchBody,
        response: { 200: PlantView },
      },
    },
    async (request) =>
      plantView(await crops.updatePlant(farmOf(request), request.params.plant, request.body, metaOf(request))),
  );

  app.delete(
    `${plants}/:plant`,
    {
      schema: {
        ...CONFIG,
        summary: 'Delete a plant made by mistake, with its history (a plant that ended: set removed_on instead)',
        params: PlantParams,
        response: NoContent,
      },
    },
    async (request, reply) => {
      await crops.deletePlant(farmOf(request), request.params.plant, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${plants}/:plant/phase-transitions`,
    {
      schema: {
        ...RECORD,
        summary:
          'Move a plant to a phase of its sequence: forward (jumps allowed); back only as a perennial restart or forced ' +
          'by a manager with a reason (422 PHASE_TRANSITION_INVALID otherwise)',
        params: PlantParams,
        body: TransitionBody,
        response: { 201: TransitionResult, ...idempotentAnswers(TransitionResult) },
      },
    },
    async (request, reply) => {
      const ctx = farmOf(request);
      const { moved, created } = await crops.movePlant(ctx, request.params.plant, request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(movedView(await crops.describeMoves(ctx, moved)));
    },
  );

  app.get(
    `${plants}/:plant/phases`,
    {
      schema: {
        ...READ,
        summary: 'The plant’s phase history, oldest first (the open row is its current phase)',
        params: PlantParams,
        response: { 200: HistoryList },
      },
    },
    async (request) => ({ data: (await crops.phases(farmOf(request), request.params.plant)).map(historyView) }),
  );

  app.get(
    `${plants}/:plant/lineage`,
    {
      schema: {
        ...READ,
        summary: 'A plant’s mothers (ancestors) or clones (descendants), any depth',
        params: PlantParams,
        querystring: LineageQuery,
        response: { 200: LineageView },
      },
    },
    async (request) => {
      const direction = request.query.direction ?? 'descendants';
      const { plant, line } = await crops.lineage(farmOf(request), request.params.plant, direction);
      return {
        plant: plantView(plant),
        direction,
        data: line.map((l) => ({ depth: l.depth, plant: plantView(l.plant) })),
      };
    },
  );

  app.get(
    `${plants}/:plant/gdd`,
    {
      schema: {
        ...READ,
        summary:
          'Growing degree days of the current phase so far: daily max(0, (Tmax + Tmin)/2 − Tbase) from the daily ' +
          'rollups of the temperature where the plant stands, with the days that were missing',
        params: PlantParams,
        response: { 200: GddView },
      },
    },
    async (request) => {
      const gdd = await growth.gdd(farmOf(request), request.params.plant);
      return { ...gdd, sensor: sensorView(gdd.sensor) };
    },
  );

  app.get(
    `${plants}/:plant/environment`,
    {
      schema: {
        ...READ,
        summary:
          'The latest temperature and humidity where the plant stands, VPD, and low | optimal | high against its phase',
        params: PlantParams,
        response: { 200: EnvironmentView },
      },
    },
    async (request) => environmentView(await growth.environment(farmOf(request), request.params.plant)),
  );

  // Locations

  app.get(
    '/api/v1/farms/:farm/locations/:id/plants',
    {
      schema: {
        ...READ,
        summary: 'The plants at a location, or with subtree=true under it at any depth (one query)',
        params: LocationParams,
        querystring: LocationPlantsQuery,
        response: { 200: PlantList },
      },
    },
    async (request) => ({
      data: (await crops.locationPlants(farmOf(request), request.params.id, request.query)).map(plantView),
    }),
  );

  app.get(
    '/api/v1/farms/:farm/locations/:id/environment',
    {
      schema: {
        ...READ,
        summary: 'A location’s latest climate and VPD, and each phase its plants are in against its targets',
        params: LocationParams,
        response: { 200: LocationEnvironmentView },
      },
    },
    async (request) => {
      const env = await growth.locationEnvironment(farmOf(request), request.params.id);
      return { ...environmentView(env), phases: env.phases };
    },
  );

  app.get(
    '/api/v1/farms/:farm/locations/:id/climate',
    {
      schema: {
        ...READ,
        summary: 'The series a location’s air temperature and humidity come from: named, and as resolved',
        params: LocationParams,
        response: { 200: ClimateView },
      },
    },
    async (request) => climateView(await growth.climate(farmOf(request), request.params.id)),
  );

  app.put(
    '/api/v1/farms/:farm/locations/:id/climate',
    {
      schema: {
        ...CONFIG,
        summary:
          'Name the device (and metric) a location’s air temperature and humidity come from; null clears one ' +
          '(without one: the nearest device up the location tree)',
        params: LocationParams,
        body: ClimateBody,
        response: { 200: ClimateView },
      },
    },
    async (request) =>
      climateView(await growth.setClimate(farmOf(request), request.params.id, request.body, metaOf(request))),
  );

  app.get(
    '/api/v1/farms/:farm/locations/:id/target-source',
    {
      schema: {
        ...READ,
        summary:
          'The climate targets a location’s crop sets now (its target source run’s phase), or why there are none',
        params: LocationParams,
        response: { 200: TargetSourceView },
      },
    },
    async (request) =>
      targetSourceView(request.params.id, await cropTargets.targetSource(farmOf(request), request.params.id)),
  );

  app.put(
    '/api/v1/farms/:farm/locations/:id/target-source',
    {
      schema: {
        ...CONFIG,
        summary:
          'Choose the planting run whose phase sets a location’s targets (null: the one run growing there, if one)',
        params: LocationParams,
        body: TargetSourceBody,
        response: { 200: TargetSourceView },
      },
    },
    async (request) =>
      targetSourceView(
        request.params.id,
        await cropTargets.setTargetSource(farmOf(request), request.params.id, request.body.run, metaOf(request)),
      ),
  );
};
