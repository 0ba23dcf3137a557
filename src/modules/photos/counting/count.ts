/**
 * A photo's count from its pixels: the detector (classical by default, or a farm's ONNX model), then band
 * estimation for the plants it could not single out, or the density fallback when it found nothing usable.
 */
import sharp from 'sharp';
import { estimateBand, estimateFromDensity } from './band.js';
import { classicalDetector } from './classical.js';
import type { CountHints, CountResult, Detector, RgbImage } from './types.js';

/** Fewer plant detections than this and the typical plant size is not worth learning from them. */
export const MIN_USABLE_DETECTIONS = 3;

/** Counts the plants on a decoded image. */
export async function countPlants(
  image: RgbImage,
  hints: CountHints = {},
  detector: Detector = classicalDetector,
): Promise<CountResult> {
  const detectStart = performance.now();
  const detections = await detector.detect(image, hints);
  const detectMs = performance.now() - detectStart;
  const plants = detections.filter((d) => d.class === 'plant');
  const empty = detections.length - plants.length;
  const meanConfidence = plants.length > 0 ? plants.reduce((s, d) => s + d.confidence, 0) / plants.length : 0;

  const estimateStart = performance.now();
  if (plants.length < MIN_USABLE_DETECTIONS) {
    const density = estimateFromDensity(hints);
    if (density && density.estimated > plants.length) {
      return {
        detections,
        detected: plants.length,
        estimated: density.estimated - plants.length,
        empty,
        total: density.estimated,
        method: 'density',
        confidence: density.confidence,
        timings: { detectMs, estimateMs: performance.now() - estimateStart },
      };
    }
    return {
      detections,
      detected: plants.length,
      estimated: 0,
      empty,
      total: plants.length,
      method: 'detection',
      // Too few to tell a tray of seedlings from a stray leaf: never a confident count.
      confidence: round3(meanConfidence * 0.5),
      timings: { detectMs, estimateMs: performance.now() - estimateStart },
    };
  }
  const band = estimateBand(image, plants);
  const estimateMs = performance.now() - estimateStart;
  const total = plants.length + band.estimated;
  return {
    detections,
    detected: plants.length,
    estimated: band.estimated,
    empty,
    total,
    method: band.estimated > 0 ? 'detection+band' : 'detection',
    confidence: round3((meanConfidence * plants.length + band.confidence * band.estimated) / total),
    timings: { detectMs, estimateMs },
  };
}

/** Decodes a photo for counting: turned upright by its EXIF orientation, 8-bit RGB. */
export async function decodeForCounting(buffer: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(buffer)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
