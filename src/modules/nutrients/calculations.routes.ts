import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { farmOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import {
  EcBudgetView,
  FlushBody,
  FlushView,
  MixBody,
  MixView,
  RunoffBody,
  RunoffView,
  WaterMixBody,
  WaterMixView,
} from './calculations.schemas.js';
import type { NutrientCalculations } from './calculations.service.js';
import { ecBudgetView, mixView, runoffView, waterMixView } from './calculations.views.js';

const TAGS = { tags: ['nutrients'] };
const BASE = '/api/v1/farms/:farm/nutrient-calculations';

/** The dosing calculator and its water tools: any member may calculate; nothing is stored. */
export const calculationsRoutes: FastifyPluginAsyncTypebox<{ calculations: NutrientCalculations }> = async (
  app,
  deps,
) => {
  const { calculations } = deps;

  app.post(
    `${BASE}/mix`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'Work out a nutrient solution: doses per litre and in all (in mixing order), the EC reached (raw and at ' +
          '25 °C), the EC budget row, mixing-safety findings, pH advice and the steps; writes nothing',
        params: FarmParams,
        body: MixBody,
        response: { 200: MixView },
      },
    },
    async (request) => mixView(await calculations.mix(farmOf(request), request.body)),
  );

  app.post(
    `${BASE}/water-mix`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'Mix RO and tap water to a target EC (linear); the pH mixed is an estimate to measure. A target outside ' +
          'the two waters’ ECs, or two waters of one EC → 422 WATER_MIX_IMPOSSIBLE',
        params: FarmParams,
        body: WaterMixBody,
        response: { 200: WaterMixView },
      },
    },
    (request) => waterMixView(calculations.waterMix(farmOf(request), request.body)),
  );

  app.post(
    `${BASE}/flush`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'A day-by-day flush before harvest: days by substrate, 50 % of the current EC for the first 30 % of ' +
          'the days, 25 % to 60 %, then plain water',
        params: FarmParams,
        body: FlushBody,
        response: { 200: FlushView },
      },
    },
    (request) => calculations.flush(farmOf(request), request.body),
  );

  app.post(
    `${BASE}/runoff`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'Read a runoff: EC above the input by > 0.5 salt build-up, > 0.3 watch, below by > 0.3 underfed; pH ' +
          'drift > 0.5; runoff ideally 10–30 % of the input',
        params: FarmParams,
        body: RunoffBody,
        response: { 200: RunoffView },
      },
    },
    (request) => runoffView(calculations.runoff(farmOf(request), request.body)),
  );

  app.get(
    `${BASE}/ec-budget`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'The EC budget: min–max EC by substrate and phase, the phase map, reserves and temperature compensation',
        params: FarmParams,
        response: { 200: EcBudgetView },
      },
    },
    () => ecBudgetView(),
  );
};
