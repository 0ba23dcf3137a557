import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Clock } from '../../platform/clock.js';
import { csvCell } from '../../platform/csv.js';
import type { Database } from '../../platform/db/database.js';
import { notFound } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { VERSION } from '../../platform/version.js';
import { recordAudit } from '../audit/index.js';
import { farmReads } from '../farms/index.js';
import type { ObjectStorage } from '../../platform/object-storage.js';
import { photoReads } from '../photos/index.js';
import { archiveEnd, bufferEntry, fileEntry } from './exports.archive.js';
import {
  archiveName,
  csvValue,
  exportTables,
  LEFT_OUT_TABLES,
  photoExtension,
  type ExportTable,
} from './exports.engine.js';
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION, readmeText } from './exports.readme.js';
import { exportsRepository, type Page } from './exports.repository.js';

type StoredPhoto = Awaited<ReturnType<typeof photoReads.originalsAfter>>[number];

interface Deps {
  db: Database;
  clock: Clock;
  log: Logger;
  photoStorage: ObjectStorage;
}

/** Rows read from the database at a time (one short transaction each): never a whole table in memory. */
export const EXPORT_PAGE_ROWS = 5_000;
/** Photos listed at a time. */
const PHOTO_PAGE = 500;

/** A farm's archive as answered: its file name and its bytes (tar.gz), made as they are read. */
export interface FarmArchive {
  filename: string;
  stream: Readable;
}

interface Prepared {
  farmJson: Record<string, unknown>;
  readme: string;
  tables: ExportTable[];
}

/**
 * A farm's own export (issue 29): everything of one farm as a tar.gz of JSON Lines and CSV files, one per
 * farm-scoped table (found in the catalogue), its photos and a readme — without secrets or hashes, and
 * without anyone's account beyond this farm's members. The archive is made while it is downloaded: each
 * table is read in pages of its primary key (each page one short transaction in the farm's scope, so an
 * embedded database keeps serving), written to a temporary file (a tar entry states its size first),
 * then streamed out and removed. A client that stops reading stops the reading.
 */
export class ExportsService {
  constructor(private readonly deps: Deps) {}

  /** The farm's archive; the export is written to the audit log before the first byte. */
  async exportFarm(ctx: FarmContext, meta: RequestMeta): Promise<FarmArchive> {
    const now = this.deps.clock.now();
    const prepared = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const farm = await farmReads.byId(tx, ctx.farmId);
      if (!farm || farm.deleted_at) throw notFound('Farm', { farm: ctx.slug });
      const members = await farmReads.members(tx, ctx.farmId);
      const tables = exportTables(await exportsRepository.tables(tx));
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'farm.exported',
        category: 'farm',
        message: 'Everything of the farm downloaded as an archive',
        data: { tables: tables.length },
      });
      const farmJson = {
        format: EXPORT_FORMAT,
        format_version: EXPORT_FORMAT_VERSION,
        croft_version: VERSION,
        exported_at: now.toISOString(),
        farm: {
          id: farm.id,
          name: farm.name,
          slug: farm.slug,
          time_zone: farm.time_zone,
          latitude: farm.latitude,
          longitude: farm.longitude,
          description: farm.description,
          created_at: farm.created_at.toISOString(),
          updated_at: farm.updated_at.toISOString(),
        },
        members: members.map((m) => ({
          user_id: m.user_id,
          name: m.name,
          email: m.email,
          role: m.role,
          member_since: m.created_at.toISOString(),
        })),
        tables: tables.map((t) => ({
          name: t.name,
          files: [`tables/${t.name}.jsonl`, `tables/${t.name}.csv`],
          key: t.key,
          columns: t.columns.map((c) => ({ name: c.name, type: c.spatial ? `${c.type} as GeoJSON` : c.type })),
          left_out: t.leftOut,
        })),
        left_out_tables: Object.entries(LEFT_OUT_TABLES).map(([name, reason]) => ({ name, reason })),
      };
      const readme = readmeText({
        farm: { id: farm.id, name: farm.name, slug: farm.slug, timeZone: farm.time_zone },
        exportedAt: now,
        croftVersion: VERSION,
        tables,
      });
      return { farmJson, readme, tables } satisfies Prepared;
    });
    const gzip = createGzip();
    // An error after the answer has started can only cut it short: the client sees a broken archive. A
    // client that goes away ends it the same way (its temporary files removed by #entries).
    pipeline(Readable.from(this.#entries(ctx.farmId, prepared, now)), gzip).catch((error: unknown) =>
      this.deps.log.warn({ err: error, farm: ctx.farmId }, 'a farm export stopped before its end'),
    );
    return { filename: archiveName(ctx.slug, now), stream: gzip };
  }

  /** The archive's bytes, entry after entry; its temporary folder goes however the reading ends. */
  async *#entries(farmId: string, prepared: Prepared, now: Date): AsyncGenerator<Buffer> {
    yield* bufferEntry('README.txt', Buffer.from(prepared.readme), now);
    yield* bufferEntry('farm.json', Buffer.from(`${JSON.stringify(prepared.farmJson, null, 2)}\n`), now);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'croft-export-'));
    try {
      for (const table of prepared.tables) {
        const jsonl = path.join(dir, `${table.name}.jsonl`);
        const csv = path.join(dir, `${table.name}.csv`);
        await this.#spool(farmId, table, jsonl, csv);
        for (const [file, ext] of [
          [jsonl, 'jsonl'],
          [csv, 'csv'],
        ] as const) {
          yield* fileEntry(`tables/${table.name}.${ext}`, file, (await stat(file)).size, now);
          await rm(file);
        }
      }
      yield* this.#photos(farmId, dir, now);
      yield archiveEnd();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Writes the farm's rows of `table` to a JSON Lines file and a CSV file, a page at a time. */
  async #spool(farmId: string, table: ExportTable, jsonlFile: string, csvFile: string): Promise<void> {
    const jsonl = createWriteStream(jsonlFile, { mode: 0o600 });
    const csv = createWriteStream(csvFile, { mode: 0o600 });
    const write = async (stream: WriteStream, text: string) => {
      if (!stream.write(text)) await once(stream, 'drain');
    };
    const onLines = async (lines: string[]) => {
      await write(jsonl, `${lines.join('\n')}\n`);
      const rows = lines.map((line) => {
        const row = JSON.parse(line) as Record<string, unknown>;
        return `${table.columns.map((c) => csvCell(csvValue(row[c.name]))).join(',')}\r\n`;
      });
      await write(csv, rows.join(''));
    };
    try {
      await write(csv, `${table.columns.map((c) => csvCell(c.name)).join(',')}\r\n`);
      const { db } = this.deps;
      if (table.key) {
        let after: string[] | null = null;
        do {
          const from: string[] | null = after;
          const page: Page = await db.farm(farmId, (tx) =>
            exportsRepository.page(tx, table, farmId, from, EXPORT_PAGE_ROWS),
          );
          if (page.lines.length > 0) await onLines(page.lines);
          after = page.after;
        } while (after);
      } else {
        await db.farm(farmId, (tx) => exportsRepository.readKeyless(tx, table, farmId, EXPORT_PAGE_ROWS, onLines));
      }
    } finally {
      jsonl.end();
      csv.end();
      await Promise.all([finished(jsonl), finished(csv)]);
    }
  }

  /** Each photo as uploaded, from storage through a temporary file (its size exact before its bytes). */
  async *#photos(farmId: string, dir: string, now: Date): AsyncGenerator<Buffer> {
    const missing: string[] = [];
    const file = path.join(dir, 'photo');
    let after: string | null = null;
    for (;;) {
      const from: string | null = after;
      const page: StoredPhoto[] = await this.deps.db.farm(farmId, (tx) =>
        photoReads.originalsAfter(tx, farmId, from, PHOTO_PAGE),
      );
      for (const photo of page) {
        const source = await this.deps.photoStorage.get(photo.storage_key);
        if (!source) {
          this.deps.log.error({ farm: farmId, photo: photo.id }, 'a photo’s object is missing from storage');
          missing.push(photo.id);
          continue;
        }
        await pipeline(source, createWriteStream(file, { mode: 0o600 }));
        const name = `photos/${photo.id}.${photoExtension(photo.content_type)}`;
        yield* fileEntry(name, file, (await stat(file)).size, photo.created_at);
        await rm(file);
      }
      if (page.length < PHOTO_PAGE) break;
      after = page[page.length - 1]!.id;
    }
    if (missing.length > 0) yield* bufferEntry('photos/MISSING.txt', Buffer.from(`${missing.join('\r\n')}\r\n`), now);
  }
}
