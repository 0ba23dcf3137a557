import exifr from 'exifr';
import sharp, { type Metadata } from 'sharp';
import { ruleViolation } from '../../platform/errors.js';
import { startOfLocalDay } from '../../platform/time-zones.js';
import type { PhotoContentType } from './photos.tables.js';

/**
 * What Croft reads from an uploaded image and makes of it: the format by its magic bytes, the header's
 * dimensions (before anything is decoded: a small file may claim a huge image), EXIF (time, GPS, its
 * accuracy, orientation) and the two copies people look at. sharp does its work on libuv's thread pool,
 * off the main event loop.
 */

/** More pixels than this is refused before decoding (a decompression bomb). */
export const MAX_PIXELS = 50_000_000;
/** The display copy's long side, and the thumbnail's. */
export const DISPLAY_SIDE = 2048;
export const THUMB_SIDE = 320;

/** The image's format by its first bytes (JPEG, PNG, WebP), whatever the request called it; null: none of them. */
export function sniffFormat(bytes: Uint8Array): PhotoContentType | null {
  const starts = (sig: number[], at = 0) => sig.every((b, i) => bytes[at + i] === b);
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  // RIFF <size> WEBP
  if (bytes.length >= 12 && starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8))
    return 'image/webp';
  return null;
}

/** What EXIF said, each part null when absent or unusable. */
export interface PhotoExif {
  takenAt: Date | null;
  lon: number | null;
  lat: number | null;
  accuracyM: number | null;
  orientation: number;
}

const degrees = (value: unknown, ref: unknown, negative: string): number | null => {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'number' && Number.isFinite(v)))
    return null;
  const [d = 0, m = 0, s = 0] = value as number[];
  const abs = d + m / 60 + s / 3600;
  return typeof ref === 'string' && ref.trim().toUpperCase() === negative ? -abs : abs;
};

/**
 * EXIF's DateTimeOriginal ("YYYY:MM:DD HH:MM:SS") as an instant: with its OffsetTimeOriginal when the
 * camera wrote one, else read as the farm's local time (a phone's clock is the farm's). Pure.
 */
export function exifInstant(text: unknown, offset: unknown, timeZone: string): Date | null {
  if (typeof text !== 'string') return null;
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const day = `${y}-${mo}-${d}`;
  if (Number.isNaN(Date.parse(`${day}T00:00:00Z`)) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  if (typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim())) {
    const at = new Date(`${day}T${h}:${mi}:${s}${offset.trim()}`);
    return Number.isNaN(at.getTime()) ? null : at;
  }
  // Local midnight plus the time of day: off by the change only on a daylight-saving day's later hours.
  const seconds = Number(h) * 3600 + Number(mi) * 60 + Number(s);
  return new Date(startOfLocalDay(day, timeZone).getTime() + seconds * 1000);
}

/** Reads EXIF from the segment sharp found in any of the three formats; a broken segment is no EXIF. */
async function readExif(segment: Buffer | undefined, timeZone: string): Promise<PhotoExif> {
  const none: PhotoExif = { takenAt: null, lon: null, lat: null, accuracyM: null, orientation: 1 };
  if (!segment || segment.length < 8) return none;
  const tiff = segment.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? segment.subarray(6) : segment;
  let tags: Record<string, unknown> | undefined;
  try {
    tags = (await exifr.parse(tiff, {
      gps: true,
      reviveValues: false,
      translateValues: false,
      pick: [
        'Orientation',
        'DateTimeOriginal',
        'OffsetTimeOriginal',
        'GPSLatitude',
        'GPSLatitudeRef',
        'GPSLongitude',
        'GPSLongitudeRef',
        'GPSHPositioningError',
      ],
    })) as Record<string, unknown> | undefined;
  } catch {
    return none;
  }
  if (!tags) return none;
  const lat = degrees(tags.GPSLatitude, tags.GPSLatitudeRef, 'S');
  const lon = degrees(tags.GPSLongitude, tags.GPSLongitudeRef, 'W');
  const gpsOk =
    lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0);
  const accuracy = tags.GPSHPositioningError;
  const orientation = tags.Orientation;
  return {
    takenAt: exifInstant(tags.DateTimeOriginal, tags.OffsetTimeOriginal, timeZone),
    lat: gpsOk ? lat : null,
    lon: gpsOk ? lon : null,
    accuracyM: gpsOk && typeof accuracy === 'number' && Number.isFinite(accuracy) && accuracy >= 0 ? accuracy : null,
    orientation:
      typeof orientation === 'number' && Number.isInteger(orientation) && orientation >= 1 && orientation <= 8
        ? orientation
        : 1,
  };
}

export interface InspectedImage {
  width: number;
  height: number;
  exif: PhotoExif;
  /** Upright JPEG copies: long side ≤ {@link DISPLAY_SIDE}, and ≤ {@link THUMB_SIDE}. */
  display: Buffer;
  thumb: Buffer;
}

const unreadable = (why: string) =>
  ruleViolation('IMAGE_UNREADABLE', 'The image cannot be read: it is corrupt or truncated', { reason: why });

/**
 * Reads the header (422 IMAGE_TOO_LARGE past {@link MAX_PIXELS}, before decoding), EXIF, then decodes
 * once per copy (422 IMAGE_UNREADABLE when libvips cannot). The original is not changed.
 */
export async function inspectImage(bytes: Buffer, timeZone: string): Promise<InspectedImage> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (error) {
    throw unreadable((error as Error).message);
  }
  const { width, height } = meta;
  if (!width || !height) throw unreadable('no dimensions in the header');
  if (width * height > MAX_PIXELS)
    throw ruleViolation('IMAGE_TOO_LARGE', `The image has more than ${MAX_PIXELS / 1_000_000} megapixels`, {
      width,
      height,
      max_pixels: MAX_PIXELS,
    });
  const exif = await readExif(meta.exif, timeZone);
  const copy = (side: number, quality: number) =>
    sharp(bytes, { limitInputPixels: MAX_PIXELS })
      .rotate() // upright by EXIF orientation
      .resize(side, side, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      // libjpeg-turbo, not mozjpeg: a copy 14 % larger for a third of the CPU, on the server's own priority.
      .jpeg({ quality })
      .toBuffer();
  try {
    const [display, thumb] = await Promise.all([copy(DISPLAY_SIDE, 85), copy(THUMB_SIDE, 75)]);
    return { width, height, exif, display, thumb };
  } catch (error) {
    throw unreadable((error as Error).message);
  }
}
