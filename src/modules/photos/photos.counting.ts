import type { OnnxDetectorOptions } from './counting/onnx.js';
import type { CountHints, Detection } from './counting/types.js';

/** What counting a photo answers: the detections and the count they, and the estimates, add up to. */
export interface PhotoCount {
  detections: Detection[];
  detected: number;
  estimated: number;
  empty: number;
  total: number;
  /** How the count was made (detection, band estimation, density …). */
  method: string;
  /** 0–1. */
  confidence: number;
}

/** A farm's own model to count with (counting/ONNX.md): its row's id, settings, and its bytes when needed. */
export interface CountModel {
  id: string;
  /** Hex SHA-256 of the bytes: with the settings, what the counting process keeps a loaded model by. */
  sha256: string;
  options: Omit<OnnxDetectorOptions, 'threads'>;
  /** Reads the model's bytes from storage; called only when the counting process does not hold the model yet. */
  bytes: () => Promise<Uint8Array>;
}

/**
 * Counts the plants on a photo's original bytes, with the farm's model when it has one active (else the classical
 * detector); the processing job calls it. A model that does not load rejects with its DomainError (kind rule).
 */
export type CountPhoto = (bytes: Buffer, hints: CountHints, model?: CountModel) => Promise<PhotoCount>;
