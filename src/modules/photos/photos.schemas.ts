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
    '(the storage location has no stock config), needs_calibration (too few plants singled out to count from, and ' +
    'no density learnt for the bin type, product and packaging, or the bin type states no size: the count is only ' +
    'the plants found)',
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
  detector: Nullable(
    OneOf(['classical', 'onnx'], {
      description: 'What counted it (null until counted): the classical detector, or the farm’s model (onnx)',
    }),
  ),
  detector_model_id: Nullable(
    Type.String({ format: 'uuid', description: 'The model that counted it (null: classical, or deleted since)' }),
  ),
  validation: Nullable(
    Type.Object(
      {
        validated_at: DateTime,
        validated_by: Nullable(Uuid),
        count: Type.Integer({ description: 'The count posted to the stock ledger' }),
        source: OneOf(['ai', 'manual'], { description: 'ai: the session’s total accepted; manual: corrected' }),
        note: Nullable(Type.String()),
        stock_count_id: Uuid,
        movement_id: Nullable(
          Type.String({
            format: 'uuid',
            description: 'The ledger movement (the count’s id); null when the count matched and none was needed',
          }),
        ),
      },
      { description: 'The review that posted the count to the stock ledger; null until validated' },
    ),
  ),
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

export const DetectionsQuery = Type.Object(
  {
    format: Type.Optional(
      OneOf(['json', 'geojson'], {
        description: 'json (the default): a list; geojson: a FeatureCollection of the boxes, in pixels',
      }),
    ),
  },
  { additionalProperties: false },
);

const DetectionClass = OneOf(['plant', 'empty_container']);
const ImageSize = Type.Object(
  { width: Type.Integer(), height: Type.Integer() },
  { description: 'The photo turned upright by its EXIF orientation: the pixels the coordinates are in' },
);

export const DetectionList = Type.Object(
  {
    session_id: Uuid,
    image: ImageSize,
    data: Type.Array(
      Type.Object({
        n: Type.Integer({ description: 'Its index within the session' }),
        class: DetectionClass,
        cx: Type.Number(),
        cy: Type.Number(),
        box: Type.Object({ x1: Type.Number(), y1: Type.Number(), x2: Type.Number(), y2: Type.Number() }),
        area: Type.Number({ description: 'Pixels it covers' }),
        confidence: Type.Number({ minimum: 0, maximum: 1 }),
      }),
    ),
  },
  {
    description:
      'A session’s detections in pixels of the photo turned upright by its EXIF orientation (the original ' +
      'as uploaded when it has none): x right, y down, from the top left corner',
  },
);

export const DetectionFeatureCollection = Type.Object(
  {
    type: Type.Literal('FeatureCollection'),
    session_id: Uuid,
    image: ImageSize,
    features: Type.Array(
      Type.Object({
        type: Type.Literal('Feature'),
        id: Type.Integer({ description: 'The detection’s index within the session' }),
        geometry: Type.Object({
          type: Type.Literal('Polygon'),
          coordinates: Type.Array(Type.Array(Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }))),
        }),
        properties: Type.Object({
          class: DetectionClass,
          confidence: Type.Number({ minimum: 0, maximum: 1 }),
          area: Type.Number(),
          cx: Type.Number(),
          cy: Type.Number(),
        }),
      }),
    ),
  },
  {
    description:
      'The detections as a GeoJSON FeatureCollection for the review overlay, each box a Polygon. The ' +
      'coordinates are NOT longitude and latitude: they are pixels of the photo turned upright by its EXIF ' +
      'orientation, [x, y] with x right and y DOWN from the top left corner (a map library needs a simple ' +
      'pixel CRS). `image` (a foreign member) gives the size they belong to',
  },
);

export const ValidateBody = Type.Object(
  {
    count: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1_000_000,
        description: 'The corrected count (source manual); absent: the session’s total is accepted (source ai)',
      }),
    ),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const ValidationView = Type.Object({
  session: SessionView,
  stock_count: Type.Object(
    {
      id: Uuid,
      batch_id: Uuid,
      batch_code: Type.String(),
      counted: Type.Integer(),
      expected: Type.Integer({ description: 'What the batch held at the photo’s time' }),
      difference: Type.Integer(),
      counted_at: DateTime,
      recorded_as: Nullable(OneOf(['sale', 'adjustment'])),
      movement_id: Nullable(Uuid),
    },
    { description: 'The stock ledger’s count the validation made (read the batch at …/stock/batches/{id})' },
  ),
});

// ---------------------------------------------------------------------------------------------------------------
// A farm's own detection models (counting/ONNX.md).

export const DetectorModelParams = Type.Object({
  farm: FarmParams.properties.farm,
  id: Type.String({ format: 'uuid', description: 'The model: an id the client made before uploading' }),
});

const ClassName = Nullable(OneOf(['plant', 'empty_container']));

export const DetectorModelQuery = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'What the farm calls the model' }),
    input_width: Type.Integer({ minimum: 1, maximum: 8192, description: 'W of the model’s input [1,3,H,W]' }),
    input_height: Type.Integer({ minimum: 1, maximum: 8192, description: 'H of the model’s input [1,3,H,W]' }),
    score_threshold: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: 'Rows scoring below it are dropped (default 0.5)' }),
    ),
    nms_iou: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        description: 'Same-class boxes overlapping by more than this IoU: the lower-scored is dropped (default 0.5)',
      }),
    ),
    fit: Type.Optional(
      OneOf(['letterbox', 'stretch'], {
        description: 'letterbox (default): aspect ratio kept, padded with grey; stretch: fills H×W',
      }),
    ),
    class_names: Type.Optional(
      Type.String({
        maxLength: 2000,
        pattern: '^(plant|empty_container)?(,(plant|empty_container)?)*$',
        description:
          'What each class id means, by id, comma-separated: plant, empty_container, or nothing to ignore the id ' +
          '(e.g. `empty_container,plant`; `,plant` ignores class 0). Default: 0 plant, 1 empty_container',
      }),
    ),
  },
  { additionalProperties: false },
);
export type DetectorModelSettings = Static<typeof DetectorModelQuery>;

export const DetectorModelView = Type.Object({
  id: Uuid,
  name: Type.String(),
  input_width: Type.Integer(),
  input_height: Type.Integer(),
  class_names: Nullable(
    Type.Array(ClassName, { description: 'What each class id means, by id; null: 0 plant, 1 empty_container' }),
  ),
  score_threshold: Type.Number(),
  nms_iou: Type.Number(),
  fit: OneOf(['letterbox', 'stretch']),
  size_bytes: Type.Integer(),
  sha256: Type.String({ description: 'Hex SHA-256 of the model’s bytes' }),
  active: Type.Boolean({ description: 'The farm counts its photos with it (at most one model is active)' }),
  created_by: Nullable(Uuid),
  created_at: DateTime,
});

export const DetectorModelList = Type.Object({ data: Type.Array(DetectorModelView) });
