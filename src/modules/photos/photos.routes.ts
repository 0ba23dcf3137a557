import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import type { Config } from '../../platform/config.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import { detectorModelsRoutes } from './detector-models.routes.js';
import type { DetectorModelsService } from './detector-models.service.js';
import type { DetectionsService } from './detections.service.js';
import {
  DetectionFeatureCollection,
  DetectionList,
  DetectionsQuery,
  ImageQuery,
  MAX_PHOTO_BYTES,
  PhotoParams,
  PhotoView,
  SessionParams,
  SessionPatchBody,
  SessionView,
  UploadQuery,
  ValidateBody,
  ValidationView,
} from './photos.schemas.js';
import type { PhotosService } from './photos.service.js';
import { detectionGeoJsonView, detectionListView, photoView, sessionView, validationView } from './photos.views.js';
import type { ValidationService } from './validate.service.js';

const TAGS = { tags: ['photos'] };

/**
 * Photos of storage locations: upload, the image through Croft, the processing session, its detections and
 * its validation into the stock ledger.
 */
export const photosRoutes: FastifyPluginAsyncTypebox<{
  config: Config;
  photos: PhotosService;
  photoDetections: DetectionsService;
  photoValidation: ValidationService;
  detectorModels: DetectorModelsService;
}> = async (app, { config, photos, photoDetections, photoValidation, detectorModels }) => {
  // The raw body as one Buffer. Fastify refuses a body whose Content-Length exceeds the route's limit
  // before reading any of it, and stops reading one that grows past it (413 either way).
  // Any image/* label and application/octet-stream are taken alike: the bytes decide what it is.
  for (const type of [/^image\/[a-z0-9.+-]+$/i, 'application/octet-stream'])
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // The farm's own detection models: their upload takes the raw body through the parsers above.
  await detectorModelsRoutes(app, { config, detectorModels });

  const base = '/api/v1/farms/:farm/photos';

  app.put(
    `${base}/:id`,
    {
      bodyLimit: MAX_PHOTO_BYTES,
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary:
          'Upload a photo of a storage location: the image itself as the body (image/* or application/octet-stream, ' +
          'up to 20 MB: 413 beyond), under an id the client made. JPEG, PNG or WebP judged by the bytes (415 ' +
          'otherwise); a corrupt image 422 IMAGE_UNREADABLE; over 50 megapixels 422 IMAGE_TOO_LARGE. The same id ' +
          'with the same bytes answers 200 with the first upload; other bytes 409 IDEMPOTENCY_CONFLICT. The place: ' +
          '`label` or `location_id`, else the EXIF GPS within its accuracy (else the warning needs_location). ' +
          'The answer names the processing session',
        params: PhotoParams,
        querystring: UploadQuery,
        response: {
          201: PhotoView,
          ...idempotentAnswers(PhotoView),
          413: Type.Unsafe({ $ref: 'ErrorResponse#', description: 'PAYLOAD_TOO_LARGE: over 20 MB' }),
          415: Type.Unsafe({ $ref: 'ErrorResponse#', description: 'UNSUPPORTED_MEDIA_TYPE: not JPEG, PNG or WebP' }),
          422: Type.Unsafe({ $ref: 'ErrorResponse#', description: 'IMAGE_UNREADABLE or IMAGE_TOO_LARGE' }),
        },
      },
    },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const made = await photos.upload(farmOf(request), request.params.id, body, request.query, metaOf(request));
      return reply.code(idempotentStatus(made.created, 201)).send(photoView(made));
    },
  );

  app.get(
    `${base}/:id`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'A photo’s metadata (EXIF time and GPS, its place and how it was chosen) and its session',
        params: PhotoParams,
        response: { 200: PhotoView },
      },
    },
    async (request) => photoView(await photos.get(farmOf(request), request.params.id)),
  );

  app.get(
    `${base}/:id/image`,
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'A photo’s bytes through Croft: as uploaded (original, the default), or its display copy or thumbnail (JPEG)',
        params: PhotoParams,
        querystring: ImageQuery,
        produces: ['image/jpeg', 'image/png', 'image/webp'],
        response: { 200: Type.String({ description: 'The image bytes' }) },
      },
    },
    async (request, reply) => {
      const { stream, contentType } = await photos.image(
        farmOf(request),
        request.params.id,
        request.query.size ?? 'original',
      );
      // The schema documents the type; the bytes are streamed as they are.
      return reply
        .type(contentType)
        .header('cache-control', 'private, max-age=86400')
        .send(stream as unknown as string);
    },
  );

  app.get(
    '/api/v1/farms/:farm/photo-sessions/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'A photo’s processing session: status, warnings, counts (null until completed), method, error code',
        params: SessionParams,
        response: { 200: SessionView },
      },
    },
    async (request) => {
      const { session, photo } = await photos.session(farmOf(request), request.params.id);
      return sessionView(session, photo);
    },
  );

  app.patch(
    '/api/v1/farms/:farm/photo-sessions/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary:
          'Set the storage location a session’s photo shows: clears needs_location, and warns needs_config when the ' +
          'place has no stock config',
        params: SessionParams,
        body: SessionPatchBody,
        response: { 200: SessionView },
      },
    },
    async (request) => {
      const { session, photo } = await photos.setLocation(
        farmOf(request),
        request.params.id,
        request.body.location_id,
        metaOf(request),
      );
      return sessionView(session, photo);
    },
  );

  app.get(
    '/api/v1/farms/:farm/photo-sessions/:id/detections',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary:
          'What the counter found on a session’s photo, for the review overlay: a list, or with format=geojson a ' +
          'FeatureCollection of the boxes. Coordinates are PIXELS of the photo turned upright by its EXIF ' +
          'orientation (the original when it has none), x right and y down from the top left corner, not ' +
          'longitude and latitude. Empty until the session completes; kept 90 days',
        params: SessionParams,
        querystring: DetectionsQuery,
        response: { 200: Type.Union([DetectionList, DetectionFeatureCollection]) },
      },
    },
    async (request) => {
      const found = await photoDetections.forSession(farmOf(request), request.params.id);
      return request.query.format === 'geojson' ? detectionGeoJsonView(found) : detectionListView(found);
    },
  );

  app.post(
    '/api/v1/farms/:farm/photo-sessions/:id/validate',
    {
      schema: {
        ...TAGS,
        'x-permission': 'records.write',
        summary:
          'Validate a counted session: one count of its storage location in the stock ledger (its one active ' +
          'batch, as POST …/stock/counts), at the photo’s time; source ai when the session’s total is accepted, ' +
          'manual when `count` corrects it. 409 ALREADY_VALIDATED the second time (details name the movement), ' +
          '409 SESSION_NOT_COMPLETED before it is counted, 422 NEEDS_LOCATION until PATCH sets its place; the ' +
          'ledger’s refusals (409 NO_ACTIVE_BATCH, SEVERAL_ACTIVE_BATCHES; 422 COUNT_BEFORE_BATCH) pass through',
        params: SessionParams,
        body: ValidateBody,
        response: {
          201: ValidationView,
          409: Type.Unsafe({
            $ref: 'ErrorResponse#',
            description: 'ALREADY_VALIDATED, SESSION_NOT_COMPLETED, NO_ACTIVE_BATCH or SEVERAL_ACTIVE_BATCHES',
          }),
          422: Type.Unsafe({ $ref: 'ErrorResponse#', description: 'NEEDS_LOCATION or COUNT_BEFORE_BATCH' }),
        },
      },
    },
    async (request, reply) => {
      const validated = await photoValidation.validate(
        farmOf(request),
        request.params.id,
        request.body,
        metaOf(request),
      );
      return reply.code(201).send(validationView(validated));
    },
  );
};
