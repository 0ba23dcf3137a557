import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { TableMap } from './schema-map.js';

/**
 * One text form of a row that both databases print alike, so a checksum taken on PGlite (PostgreSQL 18)
 * matches the one taken on PostgreSQL 15: the row as `jsonb` text (keys in jsonb's own order, numbers
 * and floats in PostgreSQL's shortest exact form, times in UTC), geometry as EWKB hex. Rows come in
 * primary-key order, text compared byte by byte (the C collation), whatever each database's locale.
 */

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The session settings the row text depends on, local to the caller's transaction. */
export async function canonicalSession(tx: Tx): Promise<void> {
  await sql`select set_config('TimeZone', 'UTC', true), set_config('IntervalStyle', 'postgres', true),
    set_config('extra_float_digits', '1', true)`.execute(tx);
}

/** `select line from …` giving each row of `table` as its canonical text, in canonical order. */
export function canonicalQuery(table: TableMap): string {
  const columns = table.columns
    .map((c) =>
      c.spatial ? `encode(st_asewkb(${ident(c.name)}::geometry), 'hex') as ${ident(c.name)}` : ident(c.name),
    )
    .join(', ');
  // Without a primary key, the row's own text is the order.
  const order = table.key
    ? table.key
        .map((k) =>
          table.columns.find((c) => c.name === k)?.collatable ? `r.${ident(k)} collate "C"` : `r.${ident(k)}`,
        )
        .join(', ')
    : 'to_jsonb(r)::text collate "C"';
  return `select to_jsonb(r)::text as line from (select ${columns} from ${ident(table.name)}) r order by ${order}`;
}

export interface TableDigest {
  rows: number;
  sha256: string;
}

/**
 * Streams `table`'s canonical rows through `onLines` in chunks, through a cursor in the caller's
 * transaction (so a table of millions of readings never sits in memory at once), and returns their count
 * and checksum (SHA-256 over each line and a newline).
 */
export async function readCanonical(
  tx: Tx,
  table: TableMap,
  onLines: (lines: string[]) => void | Promise<void>,
  chunk = 5_000,
): Promise<TableDigest> {
  const hash = createHash('sha256');
  let rows = 0;
  await streamLines(tx, `croft_backup_${table.name}`, canonicalQuery(table), chunk, async (lines) => {
    for (const line of lines) hash.update(line).update('\n');
    rows += lines.length;
    await onLines(lines);
  });
  return { rows, sha256: hash.digest('hex') };
}

/**
 * Runs `query` (one text column, `line`) through a cursor in the caller's transaction and hands its rows
 * to `onLines` `chunk` at a time: a table of millions of rows never sits in memory at once. The query is
 * text (DECLARE takes no bound values): the caller builds it from identifiers and checked literals only.
 */
export async function streamLines(
  tx: Tx,
  name: string,
  query: string,
  chunk: number,
  onLines: (lines: string[]) => void | Promise<void>,
): Promise<void> {
  const cursor = ident(name.slice(0, 63));
  await sql.raw(`declare ${cursor} no scroll cursor for ${query}`).execute(tx);
  try {
    for (;;) {
      const { rows } = await sql.raw<{ line: string }>(`fetch forward ${Math.trunc(chunk)} from ${cursor}`).execute(tx);
      if (rows.length > 0) await onLines(rows.map((r) => r.line));
      if (rows.length < chunk) break;
    }
  } finally {
    await sql.raw(`close ${cursor}`).execute(tx);
  }
}

/** The whole database's checksum: over each table's name and checksum, in name order. */
export function databaseChecksum(tables: Record<string, TableDigest>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(tables).sort())
    hash.update(`${name}\t${tables[name]!.rows}\t${tables[name]!.sha256}\n`);
  return hash.digest('hex');
}

export { ident };
