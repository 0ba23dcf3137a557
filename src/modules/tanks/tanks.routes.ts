import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  DueQuery,
  DueView,
  MaintenanceBody,
  MaintenanceView,
  SensorsBody,
  SensorsView,
  StateBody,
  StatePage,
  StatesQuery,
  StateView,
  TankList,
  TankParams,
  TankSettingsBody,
  TankView,
} from './tanks.schemas.js';
import type { TanksService } from './tanks.service.js';
import { dueView, maintenanceView, sensorsView, statePageView, stateView, tankView } from './tanks.views.js';

const TAGS = { tags: ['tanks'] };

/** Tanks: settings, state snapshots, sensor mappings, maintenance. */
export const tanksRoutes: FastifyPluginAsyncTypebox<{ tanks: TanksService }> = async (app, { tanks }) => {
  const base = '/api/v1/farms/:farm/tanks';

  app.get(
    base,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'The farm’s tanks, each with its newest state, solution age, open alerts and maintenance due ' +
          '(all of them, by name)',
        params: FarmParams,
        response: { 200: TankList },
      },
    },
    async (request) => ({ data: (await tanks.list(farmOf(request))).map(tankView) }),
  );

  app.get(
    `${base}/maintenance/due`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'Maintenance of every tank with its due day: overdue (before today), due_soon (today to 2 days ahead) ' +
          'or ok; soonest first',
        params: FarmParams,
        querystring: DueQuery,
        response: { 200: DueView },
      },
    },
    async (request) => {
      const { today, tanks: list } = await tanks.due(farmOf(request));
      return dueView(today, list, request.query.status);
    },
  );

  app.get(
    `${base}/:location`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'One tank: settings, newest state, solution age, open alerts, maintenance due',
        params: TankParams,
        response: { 200: TankView },
      },
    },
    async (request) => tankView(await tanks.get(farmOf(request), request.params.location)),
  );

  app.put(
    `${base}/:location`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary:
          'Set a tank up or change it: a location of type tank (another type: 409 NOT_A_TANK) gets its tank type, ' +
          'volume, solution kind, when it was filled, and its own maintenance intervals',
        params: TankParams,
        body: TankSettingsBody,
        response: { 200: TankView },
      },
    },
    async (request) =>
      tankView(await tanks.put(farmOf(request), request.params.location, request.body, metaOf(request))),
  );

  app.post(
    `${base}/:location/states`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary:
          'Record a state measured by hand (at least one of pH, EC, water temperature, dissolved oxygen, ORP, ' +
          'fill level; `at` defaults to now). The tank’s alerts follow its newest measurements. A client-made ' +
          '`id` makes a resend safe',
        params: TankParams,
        body: StateBody,
        response: { 201: StateView, ...idempotentAnswers(StateView) },
      },
    },
    async (request, reply) => {
      const { state, created } = await tanks.recordState(
        farmOf(request),
        request.params.location,
        request.body,
        metaOf(request),
      );
      return reply.code(idempotentStatus(created, 201)).send(stateView(state));
    },
  );

  app.get(
    `${base}/:location/states`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'A tank’s state snapshots (by hand and from sensors), newest first',
        params: TankParams,
        querystring: StatesQuery,
        response: { 200: StatePage },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      return statePageView(
        await tanks.states(farmOf(request), request.params.location, limit, request.query.cursor),
        limit,
      );
    },
  );

  app.get(
    `${base}/:location/sensors`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'Which device metrics feed the tank’s sensor snapshots',
        params: TankParams,
        response: { 200: SensorsView },
      },
    },
    async (request) => sensorsView(await tanks.sensors(farmOf(request), request.params.location)),
  );

  app.put(
    `${base}/:location/sensors`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary:
          'Map device metrics to the tank’s fields (all of them; [] clears). As readings of a mapped metric ' +
          'arrive, the tank gets a sensor snapshot of the newest readings: readings within a minute of a ' +
          'snapshot fold into it, so a burst makes one',
        params: TankParams,
        body: SensorsBody,
        response: { 200: SensorsView },
      },
    },
    async (request) =>
      sensorsView(await tanks.setSensors(farmOf(request), request.params.location, request.body, metaOf(request))),
  );

  app.post(
    `${base}/:location/maintenance`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary:
          'Record maintenance done (`done_at` defaults to now): its next due day counts from it and its task is ' +
          'done; a water change also makes the solution new. A client-made `id` makes a resend safe',
        params: TankParams,
        body: MaintenanceBody,
        response: { 201: MaintenanceView, ...idempotentAnswers(MaintenanceView) },
      },
    },
    async (request, reply) => {
      const { maintenance, created } = await tanks.recordMaintenance(
        farmOf(request),
        request.params.location,
        request.body,
        metaOf(request),
      );
      return reply.code(idempotentStatus(created, 201)).send(maintenanceView(maintenance));
    },
  );
};
