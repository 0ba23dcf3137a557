import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams } from '../../platform/http/schemas.js';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { Uuid } from '../../platform/http/schemas.js';
import type { LocationRow } from './locations.repository.js';
import type { ImportedFeature } from './locations.service.js';
import { ImportBody, LocationParams, LocationPatchBody, LocationStatus, LocationView, NewLocationBody } from './locations.schemas.js';
import type { LocationsService } from './locations.service.js';

const TAGS = { tags: ['locations'] };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };
const WRITE = { ...TAGS, 'x-permission': 'config.write' as const };
const List = Type.Object({ data: Type.Array(LocationView) });

export function locationView(row: LocationRow) {
  return {
    id: row.id, parent_id: row.parent_id, name: row.name, type: row.type, code: row.code, qr_code: row.qr_code,
    capacity: row.capacity, status: row.status, properties: row.properties, geometry: row.geometry, area_m2: row.area_m2,
    centroid: row.centroid as { type: 'Point'; coordinates: number[] } | null, depth: row.path.length,
    created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
  };
}

export const locationsRoutes: FastifyPluginAsyncTypebox<{ locations: LocationsService }> = async (app, deps) => {
  const { locations } = deps;
  const base = '/api/v1/farms/:farm/locations';

  app.get('/api/v1/location-types', {
    schema: { ...TAGS, summary: 'Location types and which may sit under which',
      response: { 200: Type.Object({ data: Type.Array(Type.Object({
        type: Type.String(), description: Type.String(), can_be_root: Type.Boolean(), children: Type.Array(Type.String()),
      })) }) } },
  }, async () => {
    const rules = await locations.typeRules();
    return { data: rules.types.map((t) => ({ ...t, children: [...(rules.children.get(t.type) ?? [])].sort() })) };
  });

  app.post(base, {
    schema: { ...WRITE, summary: 'Create a location', params: FarmParams, body: NewLocationBody, response: { 201: LocationView } },
  }, async (request, reply) => reply.code(201).send(locationView(await locations.create(farmOf(request), request.body, metaOf(request)))));

  app.get(base, {
    schema: { ...READ, summary: 'Locations: the roots, the children of one, or all of a type; paged by id', params: FarmParams,
      querystring: Type.Object({
        parent_id: Type.Optional(Type.Union([Uuid, Type.Literal('root')], { description: "A location's id, or root" })),
        type: Type.Optional(Type.String({ maxLength: 40 })), status: Type.Optional(LocationStatus),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })), cursor: Type.Optional(Uuid),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(LocationView), next_cursor: Type.Union([Uuid, Type.Null()]) }) } },
  }, async (request) => {
    const q = request.query;
    const limit = q.limit ?? 200;
    const rows = await locations.list(farmOf(request), {
      ...(q.parent_id !== undefined ? { parentId: q.parent_id === 'root' ? null : q.parent_id } : {}),
      ...(q.type ? { type: q.type } : {}), ...(q.status ? { status: q.status } : {}), ...(q.cursor ? { after: q.cursor } : {}), limit,
    });
    return { data: rows.map(locationView), next_cursor: rows.length === limit ? rows[rows.length - 1]!.id : null };
  });

  app.get(`${base}/lookup`, {
    schema: { ...READ, summary: 'GPS lookup: the deepest location whose polygon holds the point, with its ancestors (root first)',
      params: FarmParams,
      querystring: Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) },
        { additionalProperties: false }),
      response: { 200: Type.Object({ location: LocationView, ancestors: Type.Array(LocationView) }) } },
  }, async (request) => {
    const found = await locations.lookup(farmOf(request), request.query.lat, request.query.lon);
    return { location: locationView(found.location), ancestors: found.ancestors.map(locationView) };
  });

  app.get(`${base}/by-qr/:qr`, {
    schema: { ...READ, summary: 'The location a scanned QR label names', params: Type.Object({ farm: FarmParams.properties.farm,
      qr: Type.String({ minLength: 1, maxLength: 128 }) }), response: { 200: LocationView } },
  }, async (request) => locationView(await locations.byQr(farmOf(request), request.params.qr)));

  app.get(`${base}/export`, {
    schema: { ...READ, summary: 'The whole tree as a GeoJSON FeatureCollection (parents named by code)', params: FarmParams,
      response: { 200: Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(Type.Object({}, { additionalProperties: true })) }) } },
  }, async (request) => locations.exportLayout(farmOf(request)));

  app.post(`${base}/import`, {
    bodyLimit: 20 * 1024 * 1024,
    schema: { ...WRITE, summary: 'Create a whole layout from a GeoJSON FeatureCollection in one transaction; parents by parent_code',
      params: FarmParams, body: ImportBody, response: { 201: List } },
  }, async (request, reply) => {
    const rows = await locations.importLayout(farmOf(request), request.body.features as ImportedFeature[], metaOf(request));
    return reply.code(201).send({ data: rows.map(locationView) });
  });

  app.get(`${base}/:id`, {
    schema: { ...READ, summary: 'One location', params: LocationParams, response: { 200: LocationView } },
  }, async (request) => locationView(await locations.get(farmOf(request), request.params.id)));

  app.patch(`${base}/:id`, {
    schema: { ...WRITE, summary: 'Rename, re-shape, retire, or move (with everything under it)', params: LocationParams,
      body: LocationPatchBody, response: { 200: LocationView } },
  }, async (request) => locationView(await locations.update(farmOf(request), request.params.id, request.body, metaOf(request))));

  app.delete(`${base}/:id`, {
    schema: { ...WRITE, summary: 'Delete a location nothing lives in (409 otherwise)', params: LocationParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await locations.remove(farmOf(request), request.params.id, metaOf(request));
    return reply.code(204).send(null);
  });

  app.get(`${base}/:id/subtree`, {
    schema: { ...READ, summary: 'Everything under a location at any depth, optionally only one type', params: LocationParams,
      querystring: Type.Object({ type: Type.Optional(Type.String({ maxLength: 40 })) }, { additionalProperties: false }), response: { 200: List } },
  }, async (request) => ({ data: (await locations.subtree(farmOf(request), request.params.id, request.query.type)).map(locationView) }));

  app.get(`${base}/:id/ancestors`, {
    schema: { ...READ, summary: 'The breadcrumb: ancestors, root first', params: LocationParams, response: { 200: List } },
  }, async (request) => ({ data: (await locations.ancestors(farmOf(request), request.params.id)).map(locationView) }));

  app.get(`${base}/:id/adjacent`, {
    schema: { ...READ, summary: 'Locations that touch this one: joined by hand, or within 0.5 m by geometry', params: LocationParams,
      response: { 200: Type.Object({ data: Type.Array(Type.Object({ location: LocationView,
        source: Type.Union([Type.Literal('edge'), Type.Literal('geometry')]) })) }) } },
  }, async (request) => ({
    data: (await locations.adjacent(farmOf(request), request.params.id)).map((a) => ({ location: locationView(a.location), source: a.source })),
  }));

  app.put(`${base}/:id/adjacent/:otherId`, {
    schema: { ...WRITE, summary: 'Record that two locations touch', params: Type.Object({ ...LocationParams.properties, otherId: Uuid }),
      response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await locations.link(farmOf(request), request.params.id, request.params.otherId, true);
    return reply.code(204).send(null);
  });

  app.delete(`${base}/:id/adjacent/:otherId`, {
    schema: { ...WRITE, summary: 'Forget that two locations touch', params: Type.Object({ ...LocationParams.properties, otherId: Uuid }),
      response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await locations.link(farmOf(request), request.params.id, request.params.otherId, false);
    return reply.code(204).send(null);
  });

  app.get(`${base}/:id/qr.svg`, {
    schema: { ...READ, summary: "The location's QR label as SVG, for printing", params: LocationParams,
      response: { 200: Type.String({ description: 'image/svg+xml' }) } },
  }, async (request, reply) => {
    reply.type('image/svg+xml; charset=utf-8');
    return locations.qrLabel(farmOf(request), request.params.id);
  });
};
