import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import {
  DomainError,
  idempotencyConflict,
  invalid,
  notFound,
  unavailable,
  unsupportedMedia,
} from '../../platform/errors.js';
import { requestHash } from '../../platform/idempotency.js';
import type { JobRunner } from '../../platform/jobs/runner.js';
import type { Logger } from '../../platform/logger.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { recordAudit } from '../audit/index.js';
import { locationReads, type LocationRow } from '../locations/index.js';
import { stockReads } from '../stock/index.js';
import { dayOf, DetectionPartitions, detectionsRepository } from './detections.repository.js';
import { detectorModelsRepository, type DetectorModelRow } from './detector-models.repository.js';
import { MIN_USABLE_DETECTIONS, type CountHints } from './counting/types.js';
import type { CountModel, CountPhoto } from './photos.counting.js';
import { countHints, learnDensity, needsCalibration, observedDensity } from './photos.density.engine.js';
import { inspectImage, sniffFormat } from './photos.image.js';
import { accuracyOf, choosePlace } from './photos.place.engine.js';
import { photosRepository as repo, type DensityKey, type PhotoRow, type SessionRow } from './photos.repository.js';
import { readAll, type ObjectStorage } from '../../platform/object-storage.js';
import type { LocationSource } from './photos.tables.js';

interface Deps {
  db: Database;
  clock: Clock;
  jobs: JobRunner;
  log: Logger;
  photoStorage: ObjectStorage;
  countPhoto: CountPhoto;
  /** An upload's image work; the server passes the counting process's, so the decode's memory leaves with it. */
  inspectImage?: typeof inspectImage;
  /** The detections' daily partitions (one per process, shared with retention); made here when not given. */
  partitions?: DetectionPartitions;
}

/** A photo as answered: its row and its processing session. */
export interface PhotoDetails {
  photo: PhotoRow;
  session: SessionRow;
}

/** Where the photo was taken, as the request named it (both optional; GPS otherwise). */
export interface PlaceHints {
  location_id?: string | undefined;
  label?: string | undefined;
}

export type ImageSize = 'original' | 'display' | 'thumb';

/** Tries of the counting job: the first and its retries. */
export const COUNT_RETRIES = 2;

const userOf = (ctx: FarmContext) => (ctx.caller.kind === 'user' ? ctx.caller.userId : null);

/** A QR code's value from what a scanner read: the code itself, or the label's link ending in it. */
export function qrValueOf(label: string): string {
  const m = /\/locations\/qr\/([^/?#]+)/.exec(label);
  if (!m) return label.trim();
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

/**
 * Photos of storage locations: upload (stored as sent, with display and thumbnail copies), which place
 * they show, and their processing session, worked by the `photos.count` job.
 */
export class PhotosService {
  readonly #partitions: DetectionPartitions;

  constructor(private readonly deps: Deps) {
    this.#partitions = deps.partitions ?? new DetectionPartitions(deps.db);
  }

  /**
   * Stores a photo under the client's id. The same id with the same bytes answers the first upload (not
   * created); other bytes are 409 IDEMPOTENCY_CONFLICT. The format is judged by the bytes (415), the
   * header before decoding (422 IMAGE_TOO_LARGE), the decoding itself (422 IMAGE_UNREADABLE). The place:
   * the label or location named, else GPS within its accuracy, else the session warns `needs_location`.
   */
  async upload(
    ctx: FarmContext,
    id: string,
    bytes: Buffer,
    hints: PlaceHints,
    meta: RequestMeta,
  ): Promise<PhotoDetails & { created: boolean }> {
    const contentType = sniffFormat(bytes);
    if (!contentType)
      throw unsupportedMedia('UNSUPPORTED_MEDIA_TYPE', 'Send a JPEG, PNG or WebP image (judged by its bytes)');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const hash = requestHash({ sha256 });

    // Before any image work: a resend answers at once, a clash is refused, a named place must exist.
    const early = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const existing = await repo.findPhoto(tx, ctx.farmId, id);
      if (existing) return { existing: await this.#repeat(tx, ctx, existing, hash) };
      return { chosen: await this.#chosenPlace(tx, ctx.farmId, hints) };
    });
    if (early.existing) return { ...early.existing, created: false };
    const chosen = early.chosen;

    const image = await (this.deps.inspectImage ?? inspectImage)(bytes, ctx.timeZone);
    const now = this.deps.clock.now();
    const base = `farms/${ctx.farmId}/photos/${id}/${sha256.slice(0, 16)}`;
    const keys = { original: `${base}/original`, display: `${base}/display.jpg`, thumb: `${base}/thumb.jpg` };
    await this.deps.photoStorage.put(keys.original, bytes, contentType);
    await this.deps.photoStorage.put(keys.display, image.display, 'image/jpeg');
    await this.deps.photoStorage.put(keys.thumb, image.thumb, 'image/jpeg');

    try {
      return await this.deps.db.farm(ctx.farmId, async (tx) => {
        const { exif } = image;
        const gps = exif.lon !== null && exif.lat !== null ? { lon: exif.lon, lat: exif.lat } : null;
        const candidates =
          !chosen && gps
            ? await repo.placeCandidates(tx, ctx.farmId, gps.lon, gps.lat, accuracyOf(exif.accuracyM))
            : [];
        const place = choosePlace({
          chosen: chosen ? { id: chosen.location.id, source: chosen.source } : undefined,
          gps: gps ? { accuracyM: exif.accuracyM } : undefined,
          candidates,
        });
        const photo = await repo.insertPhoto(tx, {
          farm_id: ctx.farmId,
          id,
          storage_key: keys.original,
          content_type: contentType,
          byte_size: bytes.length,
          sha256,
          width: image.width,
          height: image.height,
          orientation: exif.orientation,
          taken_at: exif.takenAt ?? now,
          taken_at_source: exif.takenAt ? 'exif' : 'upload',
          gps_lon: gps?.lon ?? null,
          gps_lat: gps?.lat ?? null,
          gps_accuracy_m: gps ? exif.accuracyM : null,
          location_id: place.locationId,
          location_source: place.source,
          display_key: keys.display,
          thumb_key: keys.thumb,
          user_id: userOf(ctx),
          request_hash: hash,
          created_at: now,
        });
        if (!photo) {
          // A concurrent twin stored this id first: answer it as a resend would.
          const winner = await repo.findPhoto(tx, ctx.farmId, id);
          if (!winner) throw new DomainError('conflict', 'TRY_AGAIN', 'A concurrent change got in the way: try again');
          return { ...(await this.#repeat(tx, ctx, winner, hash)), created: false };
        }
        const warnings: string[] = [...place.warnings];
        if (place.locationId && !(await stockReads.config(tx, ctx.farmId, place.locationId)))
          warnings.push('needs_config');
        const session = await repo.insertSession(tx, {
          farm_id: ctx.farmId,
          photo_id: id,
          warnings,
          created_at: now,
        });
        await this.deps.jobs.send('photos.count', { farmId: ctx.farmId, sessionId: session.id }, { tx });
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'photo.uploaded',
          category: 'stock',
          message: `Photo uploaded (${image.width}×${image.height}, ${place.source ?? 'place unknown'})`,
          data: { photo_id: id, session_id: session.id, location_id: place.locationId, warnings },
        });
        return { photo, session, created: true };
      });
    } catch (error) {
      // A refused or failed insert leaves no objects behind; a twin with the same bytes shares these keys.
      if (!(error instanceof DomainError && error.code === 'IDEMPOTENCY_CONFLICT'))
        this.deps.log.warn({ err: error, photo: id }, 'photo upload failed after storing its objects');
      await Promise.all(Object.values(keys).map((key) => this.deps.photoStorage.delete(key).catch(() => undefined)));
      throw error;
    }
  }

  /** A photo and its session; another farm's: 404. */
  get(ctx: FarmContext, id: string): Promise<PhotoDetails> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const photo = await repo.findPhoto(tx, ctx.farmId, id);
      if (!photo) throw notFound('photo', { id });
      return { photo, session: (await repo.sessionOfPhoto(tx, ctx.farmId, id))! };
    });
  }

  /** The bytes of a photo (as uploaded, or its display copy or thumbnail), streamed from storage. */
  async image(ctx: FarmContext, id: string, size: ImageSize): Promise<{ stream: Readable; contentType: string }> {
    const { photo } = await this.get(ctx, id);
    const key = size === 'original' ? photo.storage_key : size === 'display' ? photo.display_key : photo.thumb_key;
    const stream = await this.deps.photoStorage.get(key);
    if (!stream) {
      this.deps.log.error({ photo: id, size }, 'a photo’s object is missing from storage');
      throw notFound('photo image', { id, size });
    }
    return { stream, contentType: size === 'original' ? photo.content_type : 'image/jpeg' };
  }

  /** A processing session; another farm's: 404. */
  session(ctx: FarmContext, id: string): Promise<PhotoDetails> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const session = await repo.findSession(tx, ctx.farmId, id);
      if (!session) throw notFound('photo session', { id });
      return { session, photo: (await repo.findPhoto(tx, ctx.farmId, session.photo_id))! };
    });
  }

  /**
   * Sets the place a session's photo shows: clears `needs_location` and works out `needs_config` again
   * for the new place.
   */
  setLocation(ctx: FarmContext, sessionId: string, locationId: string, meta: RequestMeta): Promise<PhotoDetails> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const session = await repo.findSession(tx, ctx.farmId, sessionId);
      if (!session) throw notFound('photo session', { id: sessionId });
      const location = await this.#storageLocation(tx, ctx.farmId, locationId, 'body.location_id');
      await repo.setPhotoLocation(tx, ctx.farmId, session.photo_id, location.id, 'given');
      const hasConfig = Boolean(await stockReads.config(tx, ctx.farmId, location.id));
      const updated = await repo.placedSession(tx, ctx.farmId, session.id, !hasConfig);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'photo.location_set',
        category: 'stock',
        message: `Photo placed at ${location.name}`,
        data: { photo_id: session.photo_id, session_id: session.id, location_id: location.id },
      });
      return { session: updated, photo: (await repo.findPhoto(tx, ctx.farmId, session.photo_id))! };
    });
  }

  /**
   * One try of the `photos.count` job: pending → processing → completed (its detections stored in the same
   * transaction, replacing an earlier try's), or failed with an error code.
   * A session already finished is left as it is (the job may run twice). A failure the next try may not
   * share is thrown for the job to retry while tries remain; on the last, and for a counter that is not
   * there at all, the session fails.
   */
  async process(farmId: string, sessionId: string, attempt: { retryCount: number; retryLimit: number }): Promise<void> {
    const claimed = await this.deps.db.farm(farmId, async (tx) => {
      const session = await repo.claimSession(tx, farmId, sessionId, this.deps.clock.now());
      if (!session) return undefined;
      const photo = (await repo.findPhoto(tx, farmId, session.photo_id))!;
      // The farm's choice as this try starts: its active model, or none (the classical detector).
      const model = await detectorModelsRepository.active(tx, farmId);
      return { session, photo, model, ...(await this.#countingPlace(tx, farmId, photo.location_id)) };
    });
    if (!claimed) return;
    const detector = claimed.model ? ('onnx' as const) : ('classical' as const);
    const modelId = claimed.model?.id ?? null;
    const fail = (code: string) =>
      this.deps.db.farm(farmId, (tx) =>
        repo.finishSession(
          tx,
          farmId,
          sessionId,
          { status: 'failed', error_code: code, detector, finished_at: this.deps.clock.now() },
          { modelId },
        ),
      );
    try {
      const stream = await this.deps.photoStorage.get(claimed.photo.storage_key);
      if (!stream) {
        await fail('PHOTO_MISSING');
        return;
      }
      const bytes = await readAll(stream);
      const count = await this.deps.countPhoto(bytes, claimed.hints, claimed.model && this.#countModel(claimed.model));
      // The detections go with the session's completion, in one transaction, replacing any earlier try's.
      const day = dayOf(claimed.session.created_at);
      await this.#partitions.ensure(day);
      await this.deps.db.farm(farmId, async (tx) => {
        await detectionsRepository.replace(tx, farmId, sessionId, day, count.detections);
        const observed = claimed.densityKey ? observedDensity(count, claimed.hints.areaM2) : null;
        if (claimed.densityKey && observed !== null)
          await this.#learn(tx, farmId, claimed.densityKey, observed, sessionId);
        await repo.finishSession(
          tx,
          farmId,
          sessionId,
          {
            status: 'completed',
            error_code: null,
            method: count.method,
            confidence: count.confidence,
            detected: count.detected,
            estimated: count.estimated,
            empty: count.empty,
            total: count.total,
            detector,
            finished_at: this.deps.clock.now(),
          },
          { modelId, needsCalibration: needsCalibration(count, claimed.hints, MIN_USABLE_DETECTIONS) },
        );
      });
    } catch (error) {
      // A counter that is not there, or a model that breaks a rule (does not load, breaks the contract): a retry
      // would meet the same.
      const permanent = error instanceof DomainError && (error.kind === 'unavailable' || error.kind === 'rule');
      if (permanent) {
        await fail(error.code);
        return;
      }
      if (attempt.retryCount < attempt.retryLimit) {
        // Back to pending for the retry, which claims it again.
        await this.deps.db.farm(farmId, (tx) => repo.updateSession(tx, farmId, sessionId, { status: 'pending' }));
        throw error;
      }
      this.deps.log.error({ err: error, session: sessionId }, 'counting a photo failed on its last try');
      await fail(error instanceof DomainError ? error.code : 'COUNTING_FAILED');
    }
  }

  /**
   * One more photo in the density of its bin type, product and packaging: the first makes it; later ones
   * lock it and average in — once per session (a job run twice teaches it once).
   */
  async #learn(tx: Tx, farmId: string, key: DensityKey, observed: number, sessionId: string): Promise<void> {
    const now = this.deps.clock.now();
    if (await repo.insertDensity(tx, farmId, key, learnDensity(undefined, observed), sessionId, now)) return;
    const current = await repo.density(tx, farmId, key, true);
    if (!current || current.lastSessionId === sessionId) return;
    await repo.saveDensity(tx, farmId, key, learnDensity(current, observed), sessionId, now);
  }

  /** The farm's model as the counter takes it: its settings, and its bytes read from storage when asked. */
  #countModel(model: DetectorModelRow): CountModel {
    return {
      id: model.id,
      sha256: model.sha256,
      options: {
        inputWidth: model.input_width,
        inputHeight: model.input_height,
        ...(model.class_names ? { classNames: model.class_names } : {}),
        scoreThreshold: model.score_threshold,
        nmsIou: model.nms_iou,
        fit: model.fit,
      },
      bytes: async () => {
        const stream = await this.deps.photoStorage.get(model.storage_key);
        if (!stream) {
          this.deps.log.error({ model: model.id }, 'a detector model’s object is missing from storage');
          throw unavailable('DETECTOR_MODEL_MISSING', 'The farm’s detector model is missing from storage');
        }
        return readAll(stream);
      },
    };
  }

  /**
   * What the photo's place tells the counter: its bins' grid and size, and the density learnt for the bin
   * type, product and packaging it holds (the key the count then teaches).
   */
  async #countingPlace(
    tx: Tx,
    farmId: string,
    locationId: string | null,
  ): Promise<{ hints: CountHints; densityKey: DensityKey | undefined }> {
    if (!locationId) return { hints: {}, densityKey: undefined };
    const { hints, binTypeId } = countHints(await stockReads.binTypesUnder(tx, farmId, locationId));
    const config = await stockReads.config(tx, farmId, locationId);
    if (!binTypeId || !config) return { hints, densityKey: undefined };
    const densityKey = { bin_type_id: binTypeId, product_id: config.product_id, packaging_id: config.packaging_id };
    const density = await repo.density(tx, farmId, densityKey);
    return { hints: { ...hints, densityPerM2: density?.plantsPerM2 ?? null }, densityKey };
  }

  /** A resend (same bytes) answers the stored photo; other bytes under the same id are refused. */
  async #repeat(tx: Tx, ctx: FarmContext, photo: PhotoRow, hash: string): Promise<PhotoDetails> {
    if (photo.request_hash !== null && photo.request_hash !== hash)
      throw idempotencyConflict('This photo id was already used for other bytes: make a new id for a new photo', {
        id: photo.id,
      });
    return { photo, session: (await repo.sessionOfPhoto(tx, ctx.farmId, photo.id))! };
  }

  /** The place the request named (label or id), or undefined to let GPS decide. */
  async #chosenPlace(
    tx: Tx,
    farmId: string,
    hints: PlaceHints,
  ): Promise<{ location: LocationRow; source: Extract<LocationSource, 'label' | 'given'> } | undefined> {
    const byLabel = hints.label !== undefined ? await this.#byLabel(tx, farmId, hints.label) : undefined;
    const byId =
      hints.location_id !== undefined
        ? await this.#storageLocation(tx, farmId, hints.location_id, 'querystring.location_id')
        : undefined;
    if (byLabel && byId && byLabel.id !== byId.id)
      throw invalid('The label and location_id name different places', {
        fields: [{ field: 'querystring.label', message: `names ${byLabel.name}, not the location_id's ${byId.name}` }],
      });
    if (byLabel) return { location: byLabel, source: 'label' };
    if (byId) return { location: byId, source: 'given' };
    return undefined;
  }

  /** A scanned label: a location's QR code (or its link), else its code (any case). */
  async #byLabel(tx: Tx, farmId: string, label: string): Promise<LocationRow> {
    const value = qrValueOf(label);
    let location = value === '' ? undefined : await locationReads.byQr(tx, farmId, value);
    if (!location && value !== '') {
      const codes = await locationReads.codes(tx, farmId);
      const wanted = value.toUpperCase();
      const hit = [...codes.entries()].find(([code]) => code.toUpperCase() === wanted);
      if (hit) location = await locationReads.find(tx, farmId, hit[1].id);
    }
    if (!location) throw notFound('location', { label });
    return this.#asStorageLocation(location, 'querystring.label');
  }

  async #storageLocation(tx: Tx, farmId: string, id: string, field: string): Promise<LocationRow> {
    const location = await locationReads.find(tx, farmId, id);
    if (!location) throw notFound('location', { id });
    return this.#asStorageLocation(location, field);
  }

  #asStorageLocation(location: LocationRow, field: string): LocationRow {
    if (location.type !== 'storage_location')
      throw invalid(`${location.name} is a ${location.type}: photos are counted at a storage_location`, {
        fields: [{ field, message: `a ${location.type}, not a storage_location` }],
      });
    return location;
  }
}
