import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { DomainError, idempotencyConflict, notFound, unsupportedMedia } from '../../platform/errors.js';
import { requestHash } from '../../platform/idempotency.js';
import type { Logger } from '../../platform/logger.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { recordAudit } from '../audit/index.js';
import { looksLikeOnnxModel, type OnnxDetectorOptions } from './counting/onnx.js';
import type { DetectionClass } from './counting/types.js';
import { detectorModelsRepository as repo, type DetectorModelRow } from './detector-models.repository.js';
import type { DetectorModelSettings } from './photos.schemas.js';
import type { ObjectStorage } from '../../platform/object-storage.js';

interface Deps {
  db: Database;
  clock: Clock;
  log: Logger;
  photoStorage: ObjectStorage;
  /**
   * Loads a model as counting will and frees it (on the counting process: onnxruntime parses a model
   * synchronously); rejects with OnnxDetector.create's DomainError.
   */
  checkModel: (bytes: Uint8Array, options: Omit<OnnxDetectorOptions, 'threads'>) => Promise<void>;
}

const userOf = (ctx: FarmContext) => (ctx.caller.kind === 'user' ? ctx.caller.userId : null);

/** `class_names` as sent (comma-separated, empty: ignored) to the list stored; absent: null (the default). */
export function parseClassNames(text: string | undefined): (DetectionClass | null)[] | null {
  if (text === undefined) return null;
  return text.split(',').map((name) => (name === '' ? null : (name as DetectionClass)));
}

/**
 * A farm's own detection models (issue #25, counting/ONNX.md): uploaded by a farm admin under a client-made id,
 * checked against the detector contract before anything is stored, kept in object storage; at most one is the
 * farm's active model, which the `photos.count` job counts with (none: the classical detector).
 */
export class DetectorModelsService {
  constructor(private readonly deps: Deps) {}

  /**
   * Stores a model under the client's id. Not ONNX (by its bytes: onnxruntime cannot load it) → 415; loads but
   * breaks the contract → 422 ONNX_MODEL_CONTRACT, nothing stored. The same id with the same bytes and settings
   * answers the first upload (not created); anything else under it is 409 IDEMPOTENCY_CONFLICT.
   */
  async upload(
    ctx: FarmContext,
    id: string,
    bytes: Buffer,
    query: DetectorModelSettings,
    meta: RequestMeta,
  ): Promise<{ model: DetectorModelRow; created: boolean }> {
    const notOnnx = () => unsupportedMedia('UNSUPPORTED_MEDIA_TYPE', 'Send an ONNX model (judged by its bytes)');
    if (!looksLikeOnnxModel(bytes)) throw notOnnx();
    const settings = {
      name: query.name,
      input_width: query.input_width,
      input_height: query.input_height,
      class_names: parseClassNames(query.class_names),
      score_threshold: query.score_threshold ?? 0.5,
      nms_iou: query.nms_iou ?? 0.5,
      fit: query.fit ?? ('letterbox' as const),
    };
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const hash = requestHash({ sha256, ...settings });

    const existing = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const found = await repo.find(tx, ctx.farmId, id);
      return found && this.#repeat(found, hash);
    });
    if (existing) return { model: existing, created: false };

    // Loaded once as the counter will load it: onnxruntime refusing the bytes is isOnnxModel's "not ONNX" (415);
    // a model that loads but does not fit the contract is the contract's 422, with its code and message.
    try {
      await this.deps.checkModel(bytes, {
        inputWidth: settings.input_width,
        inputHeight: settings.input_height,
        ...(settings.class_names ? { classNames: settings.class_names } : {}),
        scoreThreshold: settings.score_threshold,
        nmsIou: settings.nms_iou,
        fit: settings.fit,
      });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'ONNX_MODEL_UNREADABLE') throw notOnnx();
      throw error;
    }

    // An object of this try's own: a twin upload under the same id (a resend racing the first) never touches
    // the object the stored row names, whatever becomes of either try.
    const key = `farms/${ctx.farmId}/detector-models/${id}/${hash.slice(0, 16)}-${randomUUID()}.onnx`;
    await this.deps.photoStorage.put(key, bytes, 'application/octet-stream', bytes.length);
    let result: { model: DetectorModelRow; created: boolean };
    try {
      result = await this.deps.db.farm(ctx.farmId, async (tx) => {
        const model = await repo.insert(tx, {
          farm_id: ctx.farmId,
          id,
          ...settings,
          size_bytes: bytes.length,
          sha256,
          storage_key: key,
          created_by: userOf(ctx),
          request_hash: hash,
          created_at: this.deps.clock.now(),
        });
        if (!model) {
          // A concurrent twin stored this id first: answer it as a resend would.
          const winner = await repo.find(tx, ctx.farmId, id);
          if (!winner) throw new DomainError('conflict', 'TRY_AGAIN', 'A concurrent change got in the way: try again');
          return { model: this.#repeat(winner, hash), created: false };
        }
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'detector_model.uploaded',
          category: 'stock',
          message: `Detector model “${model.name}” uploaded (${model.input_width}×${model.input_height})`,
          data: { model_id: id, sha256, size_bytes: bytes.length },
        });
        return { model, created: true };
      });
    } catch (error) {
      // A refused or failed insert leaves no object behind.
      if (!(error instanceof DomainError && error.code === 'IDEMPOTENCY_CONFLICT'))
        this.deps.log.warn({ err: error, model: id }, 'detector model upload failed after storing its object');
      await this.deps.photoStorage.delete(key).catch(() => undefined);
      throw error;
    }
    // A resend answered with the stored model: its own copy is not needed.
    if (!result.created) await this.deps.photoStorage.delete(key).catch(() => undefined);
    return result;
  }

  /** The farm's models, newest first. */
  list(ctx: FarmContext): Promise<DetectorModelRow[]> {
    return this.deps.db.farm(ctx.farmId, (tx) => repo.list(tx, ctx.farmId));
  }

  /** One model; another farm's: 404. */
  get(ctx: FarmContext, id: string): Promise<DetectorModelRow> {
    return this.deps.db.farm(ctx.farmId, (tx) => this.#find(tx, ctx.farmId, id));
  }

  /**
   * Chooses (active true) the model the farm's photos are counted with, in place of the one chosen before; or
   * (false) stops counting with it, back to the classical detector. Either way twice is the same as once.
   */
  setActive(ctx: FarmContext, id: string, active: boolean, meta: RequestMeta): Promise<DetectorModelRow> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const model = await this.#find(tx, ctx.farmId, id);
      if (model.active === active) return model;
      const updated = (await repo.setActive(tx, ctx.farmId, id, active))!;
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: active ? 'detector_model.activated' : 'detector_model.deactivated',
        category: 'stock',
        message: active
          ? `Photos are counted with the detector model “${model.name}”`
          : `Photos are counted with the classical detector again (not “${model.name}”)`,
        data: { model_id: id },
      });
      return updated;
    });
  }

  /**
   * Deletes a model and its file; the active one returns the farm to the classical detector. Sessions it counted
   * keep their counts (their `detector_model_id` becomes null).
   */
  async delete(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    const deleted = await this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#find(tx, ctx.farmId, id);
      const row = (await repo.delete(tx, ctx.farmId, id))!;
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'detector_model.deleted',
        category: 'stock',
        message: `Detector model “${row.name}” deleted${row.active ? ': photos are counted with the classical detector' : ''}`,
        data: { model_id: id, was_active: row.active },
      });
      return row;
    });
    // After the commit: a failed delete leaves an orphan file, never a row without its file.
    await this.deps.photoStorage.delete(deleted.storage_key).catch((err: unknown) => {
      this.deps.log.warn({ err, model: id }, 'a deleted detector model’s object could not be removed');
    });
  }

  async #find(tx: Tx, farmId: string, id: string): Promise<DetectorModelRow> {
    const model = await repo.find(tx, farmId, id);
    if (!model) throw notFound('detector model', { id });
    return model;
  }

  /** A resend (same bytes and settings) answers the stored model; anything else under the same id is refused. */
  #repeat(model: DetectorModelRow, hash: string): DetectorModelRow {
    if (model.request_hash !== null && model.request_hash !== hash)
      throw idempotencyConflict(
        'This model id was already used for other bytes or settings: make a new id for a new model',
        { id: model.id },
      );
    return model;
  }
}
