import type { Static } from 'typebox';
import type { PhotoView, SessionView } from './photos.schemas.js';
import type { PhotoDetails } from './photos.service.js';
import type { PhotoRow, SessionRow } from './photos.repository.js';

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
