import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';

export type PhotoContentType = 'image/jpeg' | 'image/png' | 'image/webp';
export type LocationSource = 'label' | 'given' | 'gps';
export type SessionStatus = 'pending' | 'processing' | 'completed' | 'failed';

export interface PhotoTable {
  farm_id: string;
  /** Made by the client before the upload. */
  id: string;
  storage_key: string;
  /** By the bytes' magic numbers. */
  content_type: PhotoContentType;
  byte_size: number;
  /** Hex SHA-256 of the original bytes. */
  sha256: string;
  width: number;
  height: number;
  /** EXIF orientation 1–8 (1 when none). */
  orientation: Generated<number>;
  taken_at: Timestamp;
  taken_at_source: 'exif' | 'upload';
  gps_lon: number | null;
  gps_lat: number | null;
  gps_accuracy_m: number | null;
  location_id: string | null;
  location_source: LocationSource | null;
  display_key: string;
  thumb_key: string;
  user_id: string | null;
  request_hash: string | null;
  created_at: Timestamp;
}

export interface PhotoSessionTable {
  farm_id: string;
  id: Generated<string>;
  photo_id: string;
  status: Generated<SessionStatus>;
  error_code: string | null;
  warnings: Generated<string[]>;
  method: string | null;
  confidence: number | null;
  detected: number | null;
  estimated: number | null;
  empty: number | null;
  total: number | null;
  attempts: Generated<number>;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  created_at: Timestamp;
  /** The review (null until validated): when, by whom, what count, accepted (ai) or corrected (manual). */
  validated_at: Timestamp | null;
  validated_by: string | null;
  validated_count: number | null;
  validated_source: 'ai' | 'manual' | null;
  validation_note: string | null;
  /** The stock ledger's count the review made. */
  stock_count_id: string | null;
  /** Its movement (the same id), null when the count matched the ledger and none was needed. */
  movement_id: string | null;
  /** Which detector counted it (null until counted): the classical one or the farm's active model. */
  detector: 'classical' | 'onnx' | null;
  /** The model when onnx; null after that model was deleted. */
  detector_model_id: string | null;
}

/** One detection of a session, in the pixels of the photo turned upright by its EXIF orientation. */
export interface PhotoDetectionTable {
  farm_id: string;
  session_id: string;
  /** The partition key: the session's day (UTC), 'YYYY-MM-DD'. */
  day: string;
  n: number;
  class: 'plant' | 'empty_container';
  cx: number;
  cy: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  area: number;
  confidence: number;
}

/** A farm's own ONNX detection model (counting/ONNX.md); its bytes in object storage under `storage_key`. */
export interface DetectorModelTable {
  farm_id: string;
  /** Made by the client before the upload. */
  id: string;
  name: string;
  input_width: number;
  input_height: number;
  /** By class id: 'plant', 'empty_container' or null (ignored); null: the default mapping. */
  class_names: ('plant' | 'empty_container' | null)[] | null;
  score_threshold: number;
  nms_iou: number;
  fit: 'letterbox' | 'stretch';
  size_bytes: number;
  sha256: string;
  storage_key: string;
  /** The farm's choice; at most one per farm. */
  active: Generated<boolean>;
  created_by: string | null;
  request_hash: string | null;
  created_at: Timestamp;
}

/** Plants per m² for one bin type, product and packaging, learnt from photos counted by detection. */
export interface PhotoDensityTable {
  farm_id: string;
  bin_type_id: string;
  product_id: string;
  packaging_id: string;
  plants_per_m2: number;
  samples: number;
  last_session_id: string | null;
  updated_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    photos: PhotoTable;
    photo_densities: PhotoDensityTable;
    photo_sessions: PhotoSessionTable;
    photo_detections: PhotoDetectionTable;
    detector_models: DetectorModelTable;
  }
}
