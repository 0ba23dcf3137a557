import { sql } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { canonicalSession, ident, streamLines } from '../../platform/backup/canonical.js';
import { readSchemaMap } from '../../platform/backup/schema-map.js';
import { isUuid } from '../../platform/ids.js';
import type { ExportTable, TableInfo } from './exports.engine.js';

/** One page of a table: each row as JSON text (its columns in table order) and the key to read on after. */
export interface Page {
  lines: string[];
  /** The last row's key, each column as PostgreSQL prints it; null when the page is the table's last. */
  after: string[] | null;
}

/** A farm's export: the catalogue read and the farm's rows paged by primary key; SQL only. */
export const exportsRepository = {
  /**
   * Every ordinary table of `public` with its columns and primary key, from the catalogue (the same map
   * the instance backup reads), so a table added later is seen without a list to keep.
   */
  async tables(tx: Tx): Promise<TableInfo[]> {
    const map = await readSchemaMap(tx);
    return map.tables.map((t) => ({
      name: t.name,
      columns: t.columns.map((c) => ({ name: c.name, type: c.type, spatial: c.spatial })),
      key: t.key,
    }));
  },

  /**
   * Up to `limit` of the farm's rows of `table` after the key `after` (from the start when null), in
   * primary-key order: times in UTC, geometry as GeoJSON. The farm is named in the query as well as
   * enforced by row-level security (the caller's transaction is in the farm's scope), so no policy that
   * also shows other rows (a person's own, shared ones) can widen the export.
   */
  async page(tx: Tx, table: ExportTable, farmId: string, after: string[] | null, limit: number): Promise<Page> {
    if (!table.key) throw new Error(`${table.name} has no primary key to page by: read it with readKeyless`);
    // UTC times and shortest exact floats: the settings the instance backup prints its rows with.
    await canonicalSession(tx);
    const key = sql.raw(table.key.map(t).join(', '));
    const printedKey = sql.raw(table.key.map((k, i) => `${t(k)}::text as "k${i}"`).join(', '));
    const conditions = [sql`${sql.raw(t('farm_id'))} = ${farmId}::uuid`];
    // Keyset paging (never OFFSET): each page starts at the primary-key index where the last one ended.
    if (after)
      conditions.push(
        sql`(${key}) > (${sql.join(after.map((value, i) => sql`${value}::${sql.raw(table.keyTypes[i]!)}`))})`,
      );
    const { rows } = await sql<Record<string, string>>`
      select to_json(r)::text as line, ${printedKey}
      from ${sql.raw(ident(table.name))} t cross join lateral (select ${sql.raw(rowColumns(table))}) r
      where ${sql.join(conditions, sql` and `)}
      order by ${key} limit ${sql.lit(Math.trunc(limit))}`.execute(tx);
    const last = rows[rows.length - 1];
    return {
      lines: rows.map((r) => r.line!),
      after: rows.length < limit || !last ? null : table.key.map((_, i) => last[`k${i}`]!),
    };
  },

  /**
   * The farm's rows of a table without a primary key (nothing to page by), ordered by their text, through
   * a cursor in the caller's transaction, `chunk` rows at a time to `onLines`: never all in memory.
   */
  async readKeyless(
    tx: Tx,
    table: ExportTable,
    farmId: string,
    chunk: number,
    onLines: (lines: string[]) => Promise<void>,
  ): Promise<void> {
    // DECLARE takes no bound values: the farm's id goes in as a literal, checked to be a UUID first.
    if (!isUuid(farmId)) throw new Error(`not a farm id: ${farmId}`);
    await canonicalSession(tx);
    await streamLines(
      tx,
      `croft_export_${table.name}`,
      `select line from (select to_json(r)::text as line ` +
        `from ${ident(table.name)} t cross join lateral (select ${rowColumns(table)}) r ` +
        `where ${t('farm_id')} = '${farmId}'::uuid) s order by line collate "C"`,
      chunk,
      onLines,
    );
  },
};

const t = (column: string) => `t.${ident(column)}`;

/** The exported columns of a row of `t`, in table order: geometry as GeoJSON, the rest as PostgreSQL has it. */
function rowColumns(table: ExportTable): string {
  return table.columns
    .map((c) =>
      c.spatial ? `st_asgeojson(${t(c.name)}::geometry)::json as ${ident(c.name)}` : `${t(c.name)} as ${ident(c.name)}`,
    )
    .join(', ');
}
