import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Uuid } from '../../platform/http/schemas.js';

/** The largest photo a request may carry. */
export const MAX_PHOTO_BYTES = 20 * 1024 * 1024;

export const PhotoParams = Type.Object({
  farm: FarmParams.properties.farm,
  id: Type.String({ format: 'uuid', description: 'The photo: an id the client made before uploading' }),
});

export const SessionParams = Type.Object({
  farm: FarmParams.properties.farm,
  id: Type.String({ format: 'uuid', description: 'The processing session' }),
});

export const UploadQuery = Type.Object(
  {
    location_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'The storage location photographed (wins over GPS)' }),
    ),
    label: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description:
          'A scanned label: the storage location’s QR code (or the link it holds) or its code (wins over GPS)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type UploadHints = Static<typeof UploadQuery>;

export const ImageQuery = Type.Object(
  {
    size: Type.Optional(
      OneOf(['original', 'display', 'thumb'], {
        description:
          'original: as uploaded; display: JPEG, long side ≤ 2048 px; thumb: JPEG ≤ 320 px (both upright by EXIF)',
      }),
    ),
  },
  { additionalProperties: false },
);

const Warnings = Type.Array(Type.String(), {
  description:
    'What is missing, without failing: needs_location (no one place found: PATCH the session), needs_config ' +
    '(the storage location has no stock config)',
});

export const SessionView = Type.Object({
  id: Uuid,
  photo_id: Uuid,
  status: OneOf(['pending', 'processing', 'completed', 'failed']),
  error_code: Nullable(Type.String({ description: 'Why it failed (COUNTING_FAILED …)' })),
  warnings: Warnings,
  location_id: Nullable(Uuid),
  method: Nullable(Type.String({ description: 'How the count was made' })),
  confidence: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
  detected: Nullable(Type.Integer({ description: 'Plants found on the pixels; null until completed' })),
  estimated: Nullable(Type.Integer({ description: 'Plants estimated where too dense to detect' })),
  empty: Nullable(Type.Integer({ description: 'Empty containers' })),
  total: Nullable(Type.Integer()),
  attempts: Type.Integer(),
  started_at: Nullable(DateTime),
  finished_at: Nullable(DateTime),
  created_at: DateTime,
});

export const PhotoView = Type.Object({
  id: Uuid,
  session_id: Uuid,
  content_type: OneOf(['image/jpeg', 'image/png', 'image/webp'], { description: 'By the bytes' }),
  byte_size: Type.Integer(),
  sha256: Type.String({ description: 'Hex SHA-256 of the bytes as uploaded' }),
  width: Type.Integer(),
  height: Type.Integer(),
  orientation: Type.Integer({ minimum: 1, maximum: 8, description: 'EXIF orientation (1: upright)' }),
  taken_at: DateTime,
  taken_at_source: OneOf(['exif', 'upload'], { description: 'EXIF DateTimeOriginal, or the upload time' }),
  gps: Nullable(
    Type.Object({
      lon: Type.Number(),
      lat: Type.Number(),
      accuracy_m: Nullable(Type.Number({ description: 'EXIF GPSHPositioningError; null: not stated' })),
    }),
  ),
  location_id: Nullable(Uuid),
  location_source: Nullable(
    OneOf(['label', 'given', 'gps'], { description: 'How the place was chosen; null: not found (needs_location)' }),
  ),
  warnings: Warnings,
  created_at: DateTime,
});

export const SessionPatchBody = Type.Object(
  { location_id: Type.String({ format: 'uuid', description: 'The storage location the photo shows' }) },
  { additionalProperties: false },
);
