import type { Static } from 'typebox';
import type { SessionDetections } from './detections.service.js';
import type {
  DetectionFeatureCollection,
  DetectionList,
  DetectorModelView,
  PhotoView,
  SessionView,
  ValidationView,
} from './photos.schemas.js';
import type { PhotoDetails } from './photos.service.js';
import type { PhotoRow, SessionRow } from './photos.repository.js';
import type { DetectorModelRow } from './detector-models.repository.js';
import type { Validated } from './validate.service.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function sessionView(s: SessionRow, photo: Pick<PhotoRow, 'location_id'>): Static<typeof SessionView> {
  return {
    id: s.id,
    photo_id: s.photo_id,
    status: s.status,
    error_code: s.error_code,
    warnings: s.warnings,
    location_id: photo.location_id,
    method: s.method,
    confidence: s.confidence,
    detected: s.detected,
    estimated: s.estimated,
    empty: s.empty,
    total: s.total,
    attempts: s.attempts,
    started_at: iso(s.started_at),
    finished_at: iso(s.finished_at),
    created_at: s.created_at.toISOString(),
    detector: s.detector,
    detector_model_id: s.detector_model_id,
    validation:
      s.validated_at && s.validated_count !== null && s.validated_source && s.stock_count_id
        ? {
            validated_at: s.validated_at.toISOString(),
            validated_by: s.validated_by,
            count: s.validated_count,
            source: s.validated_source,
            note: s.validation_note,
            stock_count_id: s.stock_count_id,
            movement_id: s.movement_id,
          }
        : null,
  };
}

/** A session's detections as a list. */
export function detectionListView(d: SessionDetections): Static<typeof DetectionList> {
  return {
    session_id: d.sessionId,
    image: d.image,
    data: d.rows.map((r) => ({
      n: r.n,
      class: r.class,
      cx: r.cx,
      cy: r.cy,
      box: { x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2 },
      area: r.area,
      confidence: r.confidence,
    })),
  };
}

/** A session's detections as GeoJSON in pixel coordinates (y down): each box a closed ring. */
export function detectionGeoJsonView(d: SessionDetections): Static<typeof DetectionFeatureCollection> {
  return {
    type: 'FeatureCollection',
    session_id: d.sessionId,
    image: d.image,
    features: d.rows.map((r) => ({
      type: 'Feature',
      id: r.n,
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [r.x1, r.y1],
            [r.x2, r.y1],
            [r.x2, r.y2],
            [r.x1, r.y2],
            [r.x1, r.y1],
          ],
        ],
      },
      properties: { class: r.class, confidence: r.confidence, area: r.area, cx: r.cx, cy: r.cy },
    })),
  };
}

/** A validation as answered: the session and the ledger's count it made. */
export function validationView({ session, photo, stockCount }: Validated): Static<typeof ValidationView> {
  const { count, batch, movement } = stockCount;
  return {
    session: sessionView(session, photo),
    stock_count: {
      id: count.id,
      batch_id: batch.id,
      batch_code: batch.code,
      counted: count.counted,
      expected: count.expected,
      difference: count.difference,
      counted_at: count.counted_at.toISOString(),
      recorded_as: count.recorded_as,
      movement_id: movement?.id ?? null,
    },
  };
}

/** A photo as answered; its storage keys stay on the server. */
export function photoView({ photo: p, session }: PhotoDetails): Static<typeof PhotoView> {
  return {
    id: p.id,
    session_id: session.id,
    content_type: p.content_type,
    byte_size: p.byte_size,
    sha256: p.sha256,
    width: p.width,
    height: p.height,
    orientation: p.orientation,
    taken_at: p.taken_at.toISOString(),
    taken_at_source: p.taken_at_source,
    gps:
      p.gps_lon !== null && p.gps_lat !== null
        ? { lon: p.gps_lon, lat: p.gps_lat, accuracy_m: p.gps_accuracy_m }
        : null,
    location_id: p.location_id,
    location_source: p.location_source,
    warnings: session.warnings,
    created_at: p.created_at.toISOString(),
  };
}

export function detectorModelView(m: DetectorModelRow): Static<typeof DetectorModelView> {
  return {
    id: m.id,
    name: m.name,
    input_width: m.input_width,
    input_height: m.input_height,
    class_names: m.class_names,
    score_threshold: m.score_threshold,
    nms_iou: m.nms_iou,
    fit: m.fit,
    size_bytes: Number(m.size_bytes),
    sha256: m.sha256,
    active: m.active,
    created_by: m.created_by,
    created_at: m.created_at.toISOString(),
  };
}
