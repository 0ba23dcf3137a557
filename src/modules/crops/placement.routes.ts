import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import {
  PlacementView,
  RotationSettingsBody,
  RotationSettingsView,
  ValidatePlacementBody,
} from './placement.schemas.js';
import type { PlacementService } from './placement.service.js';

const TAGS = { tags: ['crops'] };

/** The placement check and the farm's rotation window. */
export const placementRoutes: FastifyPluginAsyncTypebox<{ placement: PlacementService }> = async (app, deps) => {
  const { placement } = deps;

  app.post(
    '/api/v1/farms/:farm/plants/validate-placement',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'Check a species in a place: crop rotation per slot and bed (ok, violation or unknown, with allowed_from_year), ' +
          'families sharing soil-borne diseases, good successor, nitrogen, companions in adjacent places; writes nothing',
        params: FarmParams,
        body: ValidatePlacementBody,
        response: { 200: PlacementView },
      },
    },
    async (request) => {
      const { report, ...rest } = await placement.validate(farmOf(request), request.body);
      return { ...rest, ...report };
    },
  );

  app.get(
    '/api/v1/farms/:farm/crop-rotation-settings',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'The farm’s rotation window: the pause of a family (and species) that names none, 1–8 years',
        params: FarmParams,
        response: { 200: RotationSettingsView },
      },
    },
    (request) => placement.rotationSettings(farmOf(request)),
  );

  app.put(
    '/api/v1/farms/:farm/crop-rotation-settings',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Set the farm’s rotation window (1–8 years; 4 until set)',
        params: FarmParams,
        body: RotationSettingsBody,
        response: { 200: RotationSettingsView },
      },
    },
    (request) => placement.setRotationSettings(farmOf(request), request.body, metaOf(request)),
  );
};
