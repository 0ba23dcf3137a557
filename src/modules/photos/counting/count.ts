/**
 * A photo's count from its pixels: the detector (classical by default, or a farm's ONNX model), then band
 * estimation for the plants it could not single out, or the density fallback when it found nothing usable.
 */
import sharp, { type Sharp } from 'sharp';
import { estimateBand, estimateFromDensity } from './band.js';
import { classicalDetector } from './classical.js';
import { MIN_USABLE_DETECTIONS, type CountHints, type CountResult, type Detector, type RgbImage } from './types.js';

export { MIN_USABLE_DETECTIONS } from './types.js';

/**
 * The working copy's size limit: the classical detector and band estimation work at 1.5 MP (plants stay tens
 * of pixels wide), so a photo is decoded straight to it (JPEG shrink-on-load) rather than decoded whole.
 */
export const WORKING_PIXELS = 1_500_000;

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

/** Decodes a photo for counting: turned upright by its EXIF orientation, 8-bit RGB, at its full size. */
export async function decodeForCounting(buffer: Buffer): Promise<RgbImage> {
  return rgb(sharp(buffer).rotate());
}

/** A photo decoded at working size, and how to get back to the upright original's pixels. */
export interface WorkingCopy {
  image: RgbImage;
  /** The upright original's size. */
  width: number;
  height: number;
}

/**
 * Decodes a photo at most `maxPixels` large, upright: libvips shrinks a JPEG while decoding it (a 12 MP photo
 * costs a fraction of a full decode, in time and memory), then averages down to the working size.
 */
export async function decodeWorkingCopy(buffer: Buffer, maxPixels = WORKING_PIXELS): Promise<WorkingCopy> {
  const meta = await sharp(buffer).metadata();
  const turned = (meta.orientation ?? 1) >= 5;
  const width = turned ? meta.height : meta.width;
  const height = turned ? meta.width : meta.height;
  if (!width || !height) throw new Error('the image states no size');
  const scale = Math.min(1, Math.sqrt(maxPixels / (width * height)));
  if (scale === 1) return { image: await decodeForCounting(buffer), width, height };
  const image = await rgb(
    sharp(buffer)
      .rotate()
      .resize(Math.max(1, Math.floor(width * scale)), Math.max(1, Math.floor(height * scale)), {
        fit: 'fill',
        kernel: 'linear',
      }),
  );
  return { image, width, height };
}

/**
 * Counts the plants on a photo's bytes: decoded at working size, counted, and the detections given back in
 * the upright original's pixels (what the review overlay and the detections API state).
 */
export async function countPhotoBytes(
  buffer: Buffer,
  hints: CountHints = {},
  detector: Detector = classicalDetector,
): Promise<CountResult> {
  const decodeStart = performance.now();
  const { image, width, height } = await decodeWorkingCopy(buffer);
  const decodeMs = performance.now() - decodeStart;
  const result = await countPlants(image, hints, detector);
  const sx = width / image.width;
  const sy = height / image.height;
  const detections =
    sx === 1 && sy === 1
      ? result.detections
      : result.detections.map((d) => ({
          ...d,
          cx: d.cx * sx,
          cy: d.cy * sy,
          box: { x1: d.box.x1 * sx, y1: d.box.y1 * sy, x2: d.box.x2 * sx, y2: d.box.y2 * sy },
          area: d.area * sx * sy,
        }));
  return { ...result, detections, timings: { ...result.timings, decodeMs } };
}

async function rgb(pipeline: Sharp): Promise<RgbImage> {
  const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
