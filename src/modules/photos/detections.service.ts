import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { notFound } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { FarmContext } from '../../platform/tenancy/caller.js';
import { dayOf, type DetectionPartitions, detectionsRepository, type DetectionRow } from './detections.repository.js';
import { photosRepository } from './photos.repository.js';

/** Detections are kept this many days (whole daily partitions dropped after). */
export const DETECTION_RETENTION_DAYS = 90;

interface Deps {
  db: Database;
  clock: Clock;
  log: Logger;
  partitions: DetectionPartitions;
}

/** A session's detections and the size of the image their pixels belong to (upright by EXIF orientation). */
export interface SessionDetections {
  sessionId: string;
  image: { width: number; height: number };
  rows: DetectionRow[];
}

/** What the counter found on a session's photo, for the review overlay, and its retention. */
export class DetectionsService {
  constructor(private readonly deps: Deps) {}

  /** A session's detections in order (none before it completes); another farm's session: 404. */
  forSession(ctx: FarmContext, sessionId: string): Promise<SessionDetections> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const session = await photosRepository.findSession(tx, ctx.farmId, sessionId);
      if (!session) throw notFound('photo session', { id: sessionId });
      const photo = (await photosRepository.findPhoto(tx, ctx.farmId, session.photo_id))!;
      // The counter works on the photo turned upright: orientations 5–8 swap its sides.
      const turned = photo.orientation >= 5;
      return {
        sessionId: session.id,
        image: turned ? { width: photo.height, height: photo.width } : { width: photo.width, height: photo.height },
        rows: await detectionsRepository.list(tx, ctx.farmId, session.id, dayOf(session.created_at)),
      };
    });
  }

  /** Drops the daily partitions wholly older than the retention; answers their names. */
  async applyRetention(): Promise<string[]> {
    const before = new Date(this.deps.clock.now().getTime() - DETECTION_RETENTION_DAYS * 86_400_000);
    const stale = await this.deps.partitions.listOlderThan(before);
    for (const name of stale) await this.deps.partitions.drop(name);
    if (stale.length > 0) this.deps.log.info({ dropped: stale }, 'photo detections retention applied');
    return stale;
  }
}
