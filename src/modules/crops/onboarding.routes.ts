import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { OnboardingBody, OnboardingParams, OnboardingView } from './care.schemas.js';
import type { OnboardingService } from './onboarding.service.js';

/** Starter kits applied to a farm. */
export const onboardingRoutes: FastifyPluginAsyncTypebox<{ onboarding: OnboardingService }> = async (
  app,
  { onboarding },
) => {
  app.post(
    '/api/v1/farms/:farm/onboarding/apply',
    {
      schema: {
        tags: ['crops'],
        'x-permission': 'config.write',
        summary:
          'Apply a starter kit (GET /api/v1/catalog/starter-kits): a site named site_name, the kit’s places, ' +
          'plant_count plants (1 … 3 × suggested) spread over its species with their care — all in one transaction',
        params: OnboardingParams,
        body: OnboardingBody,
        response: { 201: OnboardingView },
      },
    },
    async (request, reply) => {
      const done = await onboarding.apply(farmOf(request), request.body, metaOf(request));
      return reply.code(201).send({
        kit: done.kit,
        site: { id: done.site.id, name: done.site.name },
        places: done.places.map((p) => ({
          key: p.key,
          id: p.location.id,
          name: p.location.name,
          type: p.location.type,
        })),
        plants: done.plants.map((p) => ({
          id: p.plant.id,
          label: p.plant.label,
          species: p.species,
          location_id: p.plant.location_id,
        })),
        care_profiles: done.careProfiles,
        tasks: done.tasks,
      });
    },
  );
};
