import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  ImageQuery,
  MAX_PHOTO_BYTES,
  PhotoParams,
  PhotoView,
  SessionParams,
  SessionPatchBody,
  SessionView,
  UploadQuery,
} from './photos.schemas.js';
import type { PhotosService } from './photos.service.js';
import { photoView, sessionView } from './photos.views.js';

const TAGS = { tags: ['photos'] };

/** Photos of storage locations: upload, the image through Croft, and the processing session. */
export const photosRoutes: FastifyPluginAsyncTypebox<{ photos: PhotosService }> = async (app, { photos }) => {
  // The raw body as one Buffer. Fastify refuses a body whose Content-Length exceeds the route's limit
  // before reading any of it, and stops reading one that grows past it (413 either way).
  // Any image/* label and application/octet-stream are taken alike: the bytes decide what it is.
  for (const type of [/^image\/[a-z0-9.+-]+$/i, 'application/octet-stream'])
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

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
};
