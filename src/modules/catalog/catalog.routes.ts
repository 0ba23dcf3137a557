import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf, farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import {
  CultivarPage,
  CultivarPatchBody,
  CultivarQuery,
  CultivarView,
  FamilyPage,
  FamilyPatchBody,
  FamilyQuery,
  FamilyView,
  FarmRefParams,
  NewCultivarBody,
  NewFamilyBody,
  NewSequenceBody,
  NewSpeciesBody,
  RefParams,
  SequencePage,
  SequencePatchBody,
  SequenceQuery,
  SequenceView,
  SequenceWritten,
  SpeciesDetailView,
  SpeciesPage,
  SpeciesPatchBody,
  SpeciesQuery,
  SpeciesView,
  StarterKitList,
} from './catalog.schemas.js';
import type { CatalogScope, CatalogService } from './catalog.service.js';
import {
  cultivarView,
  familyView,
  pageView,
  sequenceView,
  sequenceWrittenView,
  speciesDetailView,
  speciesView,
  starterKitView,
} from './catalog.views.js';

const TAGS = { tags: ['catalog'] };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };
const WRITE = { ...TAGS, 'x-permission': 'config.write' as const };
const NONE = { 204: Type.Null() };

const GLOBAL = '/api/v1/catalog';
const FARM = '/api/v1/farms/:farm/catalog';

const languageOf = (request: FastifyRequest) => {
  const header = request.headers['accept-language'];
  return typeof header === 'string' ? header : undefined;
};

/**
 * The plant catalogue: `/api/v1/catalog/…` reads the global catalogue (anyone signed in);
 * `/api/v1/farms/{farm}/catalog/…` reads the global rows and the farm's own together (each with its
 * origin) and writes the farm's own (a global row answers 403 GLOBAL_ROW_READ_ONLY).
 */
export const catalogRoutes: FastifyPluginAsyncTypebox<{ catalog: CatalogService }> = async (app, deps) => {
  const { catalog } = deps;

  // Reads, registered twice: the global catalogue and a farm's view of it.
  for (const scope of ['global', 'farm'] as const) {
    const base = scope === 'global' ? GLOBAL : FARM;
    const access = scope === 'global' ? TAGS : READ;
    const params = scope === 'global' ? {} : { params: FarmParams };
    const refParams = scope === 'global' ? RefParams : FarmRefParams;
    const at = (request: FastifyRequest): CatalogScope =>
      scope === 'global' ? { caller: callerOf(request) } : { farm: farmOf(request) };
    const whose = scope === 'global' ? 'the global catalogue' : "the global catalogue and the farm's own";

    app.get(
      `${base}/families`,
      {
        schema: {
          ...access,
          summary: `Botanical families of ${whose}, by name; ?q= searches names and common names`,
          ...params,
          querystring: FamilyQuery,
          response: { 200: FamilyPage },
        },
      },
      async (request) =>
        pageView(await catalog.listFamilies(at(request), request.query, languageOf(request)), familyView),
    );

    app.get(
      `${base}/families/:ref`,
      {
        schema: { ...access, summary: 'One family, by id or key', params: refParams, response: { 200: FamilyView } },
      },
      async (request) => familyView(await catalog.family(at(request), request.params.ref)),
    );

    app.get(
      `${base}/species`,
      {
        schema: {
          ...access,
          summary: `Species of ${whose}, by scientific name; ?q= searches scientific and common names, ?family=, ?category=`,
          ...params,
          querystring: SpeciesQuery,
          response: { 200: SpeciesPage },
        },
      },
      async (request) =>
        pageView(await catalog.listSpecies(at(request), request.query, languageOf(request)), speciesView),
    );

    app.get(
      `${base}/species/:ref`,
      {
        schema: {
          ...access,
          summary: 'One species, by id or key, with its family, its phases (its overrides applied) and its cultivars',
          params: refParams,
          response: { 200: SpeciesDetailView },
        },
      },
      async (request) => speciesDetailView(await catalog.species(at(request), request.params.ref)),
    );

    app.get(
      `${base}/cultivars`,
      {
        schema: {
          ...access,
          summary: `Cultivars of ${whose}, by name; ?species= one species' only`,
          ...params,
          querystring: CultivarQuery,
          response: { 200: CultivarPage },
        },
      },
      async (request) =>
        pageView(await catalog.listCultivars(at(request), request.query, languageOf(request)), cultivarView),
    );

    app.get(
      `${base}/cultivars/:ref`,
      {
        schema: {
          ...access,
          summary: 'One cultivar, by id or key ({species key}/{cultivar}, its "/" as %2F)',
          params: refParams,
          response: { 200: CultivarView },
        },
      },
      async (request) => cultivarView(await catalog.cultivar(at(request), request.params.ref)),
    );

    app.get(
      `${base}/sequences`,
      {
        schema: {
          ...access,
          summary: `Lifecycle phase sequences of ${whose}, with their phases and profiles, by key`,
          ...params,
          querystring: SequenceQuery,
          response: { 200: SequencePage },
        },
      },
      async (request) => pageView(await catalog.listSequences(at(request), request.query), sequenceView),
    );

    app.get(
      `${base}/sequences/:ref`,
      {
        schema: {
          ...access,
          summary: 'One lifecycle phase sequence, by id or key, with its phases in order',
          params: refParams,
          response: { 200: SequenceView },
        },
      },
      async (request) => sequenceView(await catalog.sequence(at(request), request.params.ref)),
    );
  }

  app.get(
    `${GLOBAL}/starter-kits`,
    {
      schema: {
        ...TAGS,
        summary:
          'Starter kits: a site, its places and plants of a few species with their care, made in one go by ' +
          'POST /api/v1/farms/{farm}/onboarding/apply',
        response: { 200: StarterKitList },
      },
    },
    async (request) => ({ data: (await catalog.starterKits({ caller: callerOf(request) })).map(starterKitView) }),
  );

  // A farm's own rows.

  app.post(
    `${FARM}/families`,
    {
      schema: {
        ...WRITE,
        summary: "Add a family of the farm's own (409 NAME_TAKEN when the farm already sees one of the name)",
        params: FarmParams,
        body: NewFamilyBody,
        response: { 201: FamilyView },
      },
    },
    async (request, reply) =>
      reply.code(201).send(familyView(await catalog.createFamily(farmOf(request), request.body, metaOf(request)))),
  );

  app.patch(
    `${FARM}/families/:ref`,
    {
      schema: {
        ...WRITE,
        summary: "Change or retire one of the farm's own families",
        params: FarmRefParams,
        body: FamilyPatchBody,
        response: { 200: FamilyView },
      },
    },
    async (request) =>
      familyView(await catalog.updateFamily(farmOf(request), request.params.ref, request.body, metaOf(request))),
  );

  app.delete(
    `${FARM}/families/:ref`,
    {
      schema: {
        ...WRITE,
        summary: "Delete one of the farm's own families (409 IN_USE while species belong to it)",
        params: FarmRefParams,
        response: NONE,
      },
    },
    async (request, reply) => {
      await catalog.removeFamily(farmOf(request), request.params.ref, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${FARM}/species`,
    {
      schema: {
        ...WRITE,
        summary: "Add a species of the farm's own, in a family and a phase sequence the farm sees",
        params: FarmParams,
        body: NewSpeciesBody,
        response: { 201: SpeciesView },
      },
    },
    async (request, reply) =>
      reply.code(201).send(speciesView(await catalog.createSpecies(farmOf(request), request.body, metaOf(request)))),
  );

  app.patch(
    `${FARM}/species/:ref`,
    {
      schema: {
        ...WRITE,
        summary: "Change or retire one of the farm's own species",
        params: FarmRefParams,
        body: SpeciesPatchBody,
        response: { 200: SpeciesView },
      },
    },
    async (request) =>
      speciesView(await catalog.updateSpecies(farmOf(request), request.params.ref, request.body, metaOf(request))),
  );

  app.delete(
    `${FARM}/species/:ref`,
    {
      schema: {
        ...WRITE,
        summary: "Delete one of the farm's own species (409 IN_USE while cultivars, plants or runs refer to it)",
        params: FarmRefParams,
        response: NONE,
      },
    },
    async (request, reply) => {
      await catalog.removeSpecies(farmOf(request), request.params.ref, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${FARM}/cultivars`,
    {
      schema: {
        ...WRITE,
        summary: "Add a cultivar of the farm's own, of a species the farm sees",
        params: FarmParams,
        body: NewCultivarBody,
        response: { 201: CultivarView },
      },
    },
    async (request, reply) =>
      reply.code(201).send(cultivarView(await catalog.createCultivar(farmOf(request), request.body, metaOf(request)))),
  );

  app.patch(
    `${FARM}/cultivars/:ref`,
    {
      schema: {
        ...WRITE,
        summary: "Change or retire one of the farm's own cultivars",
        params: FarmRefParams,
        body: CultivarPatchBody,
        response: { 200: CultivarView },
      },
    },
    async (request) =>
      cultivarView(await catalog.updateCultivar(farmOf(request), request.params.ref, request.body, metaOf(request))),
  );

  app.delete(
    `${FARM}/cultivars/:ref`,
    {
      schema: {
        ...WRITE,
        summary: "Delete one of the farm's own cultivars (409 IN_USE while plants or runs refer to it)",
        params: FarmRefParams,
        response: NONE,
      },
    },
    async (request, reply) => {
      await catalog.removeCultivar(farmOf(request), request.params.ref, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${FARM}/sequences`,
    {
      schema: {
        ...WRITE,
        summary: "Add a lifecycle phase sequence of the farm's own: its phases in order, each with its profiles",
        params: FarmParams,
        body: NewSequenceBody,
        response: { 201: SequenceWritten },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(sequenceWrittenView(await catalog.createSequence(farmOf(request), request.body, metaOf(request)))),
  );

  app.patch(
    `${FARM}/sequences/:ref`,
    {
      schema: {
        ...WRITE,
        summary: "Change or retire one of the farm's own phase sequences (phases matched by key)",
        params: FarmRefParams,
        body: SequencePatchBody,
        response: { 200: SequenceWritten },
      },
    },
    async (request) =>
      sequenceWrittenView(
        await catalog.updateSequence(farmOf(request), request.params.ref, request.body, metaOf(request)),
      ),
  );

  app.delete(
    `${FARM}/sequences/:ref`,
    {
      schema: {
        ...WRITE,
        summary: "Delete one of the farm's own phase sequences (409 IN_USE while species follow it)",
        params: FarmRefParams,
        response: NONE,
      },
    },
    async (request, reply) => {
      await catalog.removeSequence(farmOf(request), request.params.ref, metaOf(request));
      return reply.code(204).send(null);
    },
  );
};
