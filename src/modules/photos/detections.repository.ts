import { sql, type Selectable } from 'kysely';
import type { Database, Tx } from '../../platform/db/database.js';
import type { Detection } from './counting/types.js';
import type { PhotoDetectionTable } from './photos.tables.js';

export type DetectionRow = Selectable<PhotoDetectionTable>;

const DAY_MS = 86_400_000;

/** The UTC day of an instant, 'YYYY-MM-DD': a session's detections live in its day's partition. */
export const dayOf = (instant: Date): string => instant.toISOString().slice(0, 10);

/** The partition of a day: photo_detections_dYYYYMMDD. */
export const detectionPartitionName = (day: string): string => `photo_detections_d${day.replaceAll('-', '')}`;

const PARTITION = /^photo_detections_d([0-9]{4})([0-9]{2})([0-9]{2})$/;

/** A literal array of finite numbers: joined here, much cheaper than the driver's element-by-element encoding. */
function numbers(values: number[]): string {
  for (const v of values) if (!Number.isFinite(v)) throw new Error(`a detection holds a non-finite number: ${v}`);
  return `{${values.join(',')}}`;
}

/** A session's detections; the transaction first, SQL only. */
export const detectionsRepository = {
  /**
   * Replaces the session's detections with these, numbered in order: a retry's rows take the place of an
   * earlier try's, never beside them. One DELETE and one INSERT … SELECT FROM unnest (COPY FROM is refused
   * on a table under row-level security).
   */
  async replace(tx: Tx, farmId: string, sessionId: string, day: string, detections: Detection[]): Promise<number> {
    await tx
      .deleteFrom('photo_detections')
      .where('farm_id', '=', farmId)
      .where('session_id', '=', sessionId)
      .where('day', '=', day)
      .execute();
    if (detections.length === 0) return 0;
    const col = (pick: (d: Detection) => number) => numbers(detections.map(pick));
    const classes = `{${detections.map((d) => (d.class === 'plant' ? 'plant' : 'empty_container')).join(',')}}`;
    const result = await sql`
      insert into photo_detections (farm_id, session_id, day, n, class, cx, cy, x1, y1, x2, y2, area, confidence)
      select ${farmId}::uuid, ${sessionId}::uuid, ${day}::date, (o - 1)::int, c, cx, cy, x1, y1, x2, y2, a, p
        from unnest(${classes}::text[], ${col((d) => d.cx)}::real[], ${col((d) => d.cy)}::real[],
                    ${col((d) => d.box.x1)}::real[], ${col((d) => d.box.y1)}::real[], ${col((d) => d.box.x2)}::real[],
                    ${col((d) => d.box.y2)}::real[], ${col((d) => d.area)}::real[], ${col((d) => d.confidence)}::real[])
             with ordinality as x(c, cx, cy, x1, y1, x2, y2, a, p, o)`.execute(tx);
    return Number(result.numAffectedRows ?? detections.length);
  },

  /** A session's detections in their order (within its day's partition). */
  list(tx: Tx, farmId: string, sessionId: string, day: string): Promise<DetectionRow[]> {
    return tx
      .selectFrom('photo_detections')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('session_id', '=', sessionId)
      .where('day', '=', day)
      .orderBy('n')
      .execute();
  },
};

/**
 * Daily partitions of the detections table, as telemetry keeps its readings: DDL runs as the owning role
 * (outside any scoped transaction); partitions known to exist are remembered per process.
 */
export class DetectionPartitions {
  readonly #known = new Set<string>();
  readonly #making = new Map<string, Promise<void>>();

  constructor(private readonly db: Database) {}

  /** Makes sure the partition of this day ('YYYY-MM-DD') exists. */
  ensure(day: string): Promise<void> {
    const name = detectionPartitionName(day);
    if (this.#known.has(name)) return Promise.resolve();
    let making = this.#making.get(name);
    if (!making) {
      making = this.#make(name, day)
        .then(() => void this.#known.add(name))
        .finally(() => this.#making.delete(name));
      this.#making.set(name, making);
    }
    return making;
  }

  async #make(name: string, day: string): Promise<void> {
    if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(day)) throw new Error(`not a day: ${day}`);
    const { rows } = await this.db.raw.executeSql(`select to_regclass('${name}') is not null as present`);
    if ((rows[0] as { present: boolean } | undefined)?.present) return;
    const next = dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS));
    try {
      // One maker at a time across processes (two REVOKEs on one table race on its catalogue row). The app
      // role reaches detections only through the parent, where the farm policy applies: a partition read
      // directly would bypass it, so the role gets no rights on it.
      await this.db.raw.executeSql(`select pg_advisory_xact_lock(hashtext('croft.photo_detections.partitions'));
        create table if not exists ${name} partition of photo_detections for values from ('${day}') to ('${next}');
        revoke all on ${name} from croft_app`);
    } catch (error) {
      // Made by another process at the same moment, seen before its commit.
      if (!['42P07', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
    }
  }

  /** Partitions whose whole day is before `before`, oldest first. */
  async listOlderThan(before: Date): Promise<string[]> {
    const { rows } = await this.db.raw.executeSql(`select c.relname as name from pg_inherits i
      join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
      where p.relname = 'photo_detections' order by c.relname`);
    return (rows as { name: string }[])
      .map((r) => r.name)
      .filter((name) => {
        const m = PARTITION.exec(name);
        return m !== null && Date.parse(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`) + DAY_MS <= before.getTime();
      });
  }

  async drop(name: string): Promise<void> {
    if (!PARTITION.test(name)) throw new Error(`not a detections partition: ${name}`);
    await this.db.raw.executeSql(`drop table if exists ${name}`);
    this.#known.delete(name);
  }
}
