import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams } from '../../platform/http/schemas.js';
import { farmOf, metaOf } from '../../platform/http/context.js';
import {
  AdjacentList,
  AdjacentParams,
  ImportBody,
  LayoutExport,
  LocationList,
  LocationPage,
  LocationParams,
  LocationPatchBody,
  LocationQuery,
  LocationTypesView,
  LocationView,
  LookupQuery,
  LookupView,
  NewLocationBody,
  QrLabelSvg,
  QrParams,
  SubtreeQuery,
} from './locations.schemas.js';
import {
  adjacentView,
  locationListView,
  locationPageView,
  locationTypesView,
  locationView,
  lookupView,
} from './locations.views.js';
import type { LocationsService } from './locations.service.js';

const TAGS = { tags: ['locations'] };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };
const WRITE = { ...TAGS, 'x-permission': 'config.write' as const };

export const locationsRoutes: FastifyPluginAsyncTypebox<{ locations: LocationsService }> = async (app, deps) => {
  const { locations } = deps;
  const base = '/api/v1/farms/:farm/locations';

  app.get(
    '/api/v1/location-types',
    {
      schema: {
        ...TAGS,
        summary: 'Location types and which may sit under which',
        response: { 200: LocationTypesView },
      },
    },
    async () => locationTypesView(await locations.typeRules()),
  );

  app.post(
    base,
    {
      schema: {
        ...WRITE,
        summary: 'Create a location',
        params: FarmParams,
        body: NewLocationBody,
        response: { 201: LocationView },
      },
    },
    async (request, reply) =>
      reply.code(201).send(locationView(await locations.create(farmOf(request), request.body, metaOf(request)))),
  );

  app.get(
    base,
    {
      schema: {
        ...READ,
        summary: 'Locations: the roots, the children of one, or all of a type; paged by id',
        params: FarmParams,
        querystring: LocationQuery,
        response: { 200: LocationPage },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 200;
      const rows = await locations.list(farmOf(request), {
        ...(q.parent_id !== undefined ? { parentId: q.parent_id === 'root' ? null : q.parent_id } : {}),
        ...(q.type ? { type: q.type } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.cursor ? { after: q.cursor } : {}),
        limit,
      });
      return locationPageView(rows, limit);
    },
  );

  app.get(
    `${base}/lookup`,
    {
      schema: {
        ...READ,
        summary: 'GPS lookup: the deepest location whose polygon holds the point, with its ancestors (root first)',
        params: FarmParams,
        querystring: LookupQuery,
        response: { 200: LookupView },
      },
    },
    async (request) => lookupView(await locations.lookup(farmOf(request), request.query.lat, request.query.lon)),
  );

  app.get(
    `${base}/by-qr/:qr`,
    {
      schema: {
        ...READ,
        summary: 'The location a scanned QR label names',
        params: QrParams,
        response: { 200: LocationView },
      },
    },
    async (request) => locationView(await locations.byQr(farmOf(request), request.params.qr)),
  );

  app.get(
    `${base}/export`,
    {
      schema: {
        ...READ,
        summary: 'The whole tree as a GeoJSON FeatureCollection (parents named by code)',
        params: FarmParams,
        response: { 200: LayoutExport },
      },
    },
    async (request) => locations.exportLayout(farmOf(request)),
  );

  app.post(
    `${base}/import`,
    {
      bodyLimit: 20 * 1024 * 1024,
      schema: {
        ...WRITE,
        summary: 'Create a whole layout from a GeoJSON FeatureCollection in one transaction; parents by parent_code',
        params: FarmParams,
        body: ImportBody,
        response: { 201: LocationList },
      },
    },
    async (request, reply) => {
      const rows = await locations.importLayout(farmOf(request), request.body.features, metaOf(request));
      return reply.code(201).send(locationListView(rows));
    },
  );

  app.get(
    `${base}/:id`,
    {
      schema: { ...READ, summary: 'One location', params: LocationParams, response: { 200: LocationView } },
    },
    async (request) => locationView(await locations.get(farmOf(request), request.params.id)),
  );

  app.patch(
    `${base}/:id`,
    {
      schema: {
        ...WRITE,
        summary: 'Rename, re-shape, retire, or move (with everything under it)',
        params: LocationParams,
        body: LocationPatchBody,
        response: { 200: LocationView },
      },
    },
    async (request) =>
      locationView(await locations.update(farmOf(request), request.params.id, request.body, metaOf(request))),
  );

  app.delete(
    `${base}/:id`,
    {
      schema: {
        ...WRITE,
        summary: 'Delete a location nothing lives in (409 otherwise)',
        params: LocationParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await locations.remove(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    `${base}/:id/subtree`,
    {
      schema: {
        ...READ,
        summary: 'Everything under a location at any depth, optionally only one type',
        params: LocationParams,
        querystring: SubtreeQuery,
        response: { 200: LocationList },
      },
    },
    async (request) =>
      locationListView(await locations.subtree(farmOf(request), request.params.id, request.query.type)),
  );

  app.get(
    `${base}/:id/ancestors`,
    {
      schema: {
        ...READ,
        summary: 'The breadcrumb: ancestors, root first',
        params: LocationParams,
        response: { 200: LocationList },
      },
    },
    async (request) => locationListView(await locations.ancestors(farmOf(request), request.params.id)),
  );

  app.get(
    `${base}/:id/adjacent`,
    {
      schema: {
        ...READ,
        summary: 'Locations that touch this one: joined by hand, or within 0.5 m by geometry',
        params: LocationParams,
        response: { 200: AdjacentList },
      },
    },
    async (request) => adjacentView(await locations.adjacent(farmOf(request), request.params.id)),
  );

  app.put(
    `${base}/:id/adjacent/:otherId`,
    {
      schema: {
        ...WRITE,
        summary: 'Record that two locations touch',
        params: AdjacentParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await locations.link(farmOf(request), request.params.id, request.params.otherId, true);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    `${base}/:id/adjacent/:otherId`,
    {
      schema: {
        ...WRITE,
        summary: 'Forget that two locations touch',
        params: AdjacentParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await locations.link(farmOf(request), request.params.id, request.params.otherId, false);
      return reply.code(204).send(null);
    },
  );

  app.get(
    `${base}/:id/qr.svg`,
    {
      schema: {
        ...READ,
        summary: "The location's QR label as SVG, for printing",
        params: LocationParams,
        response: { 200: QrLabelSvg },
      },
    },
    async (request, reply) => {
      reply.type('image/svg+xml; charset=utf-8');
      return locations.qrLabel(farmOf(request), request.params.id);
    },
  );
};
