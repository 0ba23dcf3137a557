import { sql } from 'kysely';
import type { Tx } from '../db/database.js';

/**
 * What a backup needs to know of the database's tables, read from the catalogue rather than listed by
 * hand, so a table added by a later migration is backed up without anyone remembering to. Knows no farm
 * domain: every ordinary table in `public` is data, except those of an extension (PostGIS's
 * spatial_ref_sys) and the migration runner's own bookkeeping (the archive records the level instead).
 */

export interface Column {
  name: string;
  /** `format_type` of the column, e.g. `uuid`, `geometry(Polygon,4326)`, `text[]`. */
  type: string;
  /** Written as EWKB hex: one text form on both databases, read back by PostGIS's input function. */
  spatial: boolean;
  /** Sorted with the C collation, so both databases order the rows the same whatever their locale. */
  collatable: boolean;
}

export interface SelfReference {
  /** This table's referencing columns, and the columns of the same table they point at. */
  columns: string[];
  references: string[];
}

export interface TableMap {
  name: string;
  /** The columns a backup carries: every column but generated ones (the target computes those). */
  columns: Column[];
  /** The primary key's columns; null when the table has none (its rows are then ordered by their text). */
  key: string[] | null;
  /** `GENERATED ALWAYS AS IDENTITY` columns: their values are kept with OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean;
  /** Sequences behind identity and serial columns, reset past the largest value after a restore. */
  sequences: { column: string; sequence: string }[];
  selfReferences: SelfReference[];
  /**
   * References to a table loaded later, which break a cycle between tables (a hive names its queen, the
   * queen her hive): inserted empty (they may be null) and filled in once every table is loaded.
   */
  deferred: string[];
  partitioned: boolean;
}

export interface Partition {
  parent: string;
  name: string;
  /** `FOR VALUES FROM (…) TO (…)`, as PostgreSQL prints it (in UTC: the caller's transaction says so). */
  bound: string;
}

export interface SchemaMap {
  /** Parents before children: the order rows are loaded in. */
  tables: TableMap[];
  partitions: Partition[];
}

/** Tables of the migration runner: the archive keeps their content as the migration level instead. */
export const BOOKKEEPING_TABLES = ['croft_migrations'];

/** Reads the map in `tx` (any scope: the catalogue is readable by every role). */
export async function readSchemaMap(tx: Tx): Promise<SchemaMap> {
  const { rows: tables } = await sql<{ name: string; partitioned: boolean }>`
    select c.relname as name, c.relkind = 'p' as partitioned
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
      and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid
        and d.deptype = 'e')
    order by c.relname`.execute(tx);
  const names = tables.map((t) => t.name).filter((name) => !BOOKKEEPING_TABLES.includes(name));

  const { rows: columns } = await sql<{
    table: string;
    name: string;
    type: string;
    generated: string;
    identity: string;
    collatable: boolean;
    nullable: boolean;
    sequence: string | null;
  }>`
    select c.relname::text as table, a.attname::text as name, format_type(a.atttypid, a.atttypmod) as type,
      a.attgenerated as generated, a.attidentity as identity, not a.attnotnull as nullable,
      (a.attcollation <> 0 or t.typcategory = 'S') as collatable,
      pg_get_serial_sequence(quote_ident(c.relname), a.attname) as sequence
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      join pg_type t on t.oid = a.atttypid
    where n.nspname = 'public' and c.relname = any(${names}) and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum`.execute(tx);

  const { rows: keys } = await sql<{ table: string; columns: string[] }>`
    select c.relname as table, array_agg(a.attname::text order by k.ord) as columns
    from pg_constraint con join pg_class c on c.oid = con.conrelid
      cross join lateral unnest(con.conkey) with ordinality as k(attnum, ord)
      join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
    where con.contype = 'p' and c.relname = any(${names})
      and c.relnamespace = 'public'::regnamespace
    group by c.relname`.execute(tx);

  const { rows: foreign } = await sql<{ table: string; target: string; columns: string[]; references: string[] }>`
    select c.relname as table, f.relname as target,
      (select array_agg(a.attname::text order by k.ord) from unnest(con.conkey) with ordinality as k(attnum, ord)
        join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum) as columns,
      (select array_agg(a.attname::text order by k.ord) from unnest(con.confkey) with ordinality as k(attnum, ord)
        join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum) as references
    from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_class f on f.oid = con.confrelid
    where con.contype = 'f' and c.relname = any(${names}) and c.relnamespace = 'public'::regnamespace
      and con.conparentid = 0
    order by c.relname, con.conname`.execute(tx);

  const { rows: partitions } = await sql<Partition>`
    select p.relname as parent, c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
    from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname = any(${names}) and p.relnamespace = 'public'::regnamespace
    order by p.relname, c.relname`.execute(tx);

  const maps = new Map<string, TableMap>();
  for (const table of tables) {
    if (!names.includes(table.name)) continue;
    const own = columns.filter((c) => c.table === table.name);
    const kept = own.filter((c) => c.generated === '');
    maps.set(table.name, {
      name: table.name,
      columns: kept.map((c) => ({
        name: c.name,
        type: c.type,
        spatial: /^(geometry|geography)\b/.test(c.type),
        collatable: c.collatable,
      })),
      key: keys.find((k) => k.table === table.name)?.columns ?? null,
      identityAlways: own.some((c) => c.identity === 'a'),
      sequences: own.filter((c) => c.sequence).map((c) => ({ column: c.name, sequence: c.sequence! })),
      selfReferences: foreign
        .filter((f) => f.table === table.name && f.target === table.name)
        .map((f) => ({ columns: f.columns, references: f.references })),
      deferred: [],
      partitioned: table.partitioned,
    });
  }
  // Columns a CHECK constraint reads: a reference there may not be left empty for a while (a clone run
  // must name its mother plant), so a cycle is broken elsewhere when it can be.
  const { rows: checked } = await sql<{ column: string }>`
    select distinct c.relname || '.' || a.attname as column
    from pg_constraint con join pg_class c on c.oid = con.conrelid
      join pg_attribute a on a.attrelid = c.oid and a.attnum = any(con.conkey)
    where con.contype = 'c' and c.relname = any(${names}) and c.relnamespace = 'public'::regnamespace`.execute(tx);
  const inCheck = new Set(checked.map((r) => r.column));
  const nullable = new Set(
    columns.filter((c) => c.nullable && !inCheck.has(`${c.table}.${c.name}`)).map((c) => `${c.table}.${c.name}`),
  );
  const edges = foreign
    .filter((f) => f.table !== f.target && maps.has(f.target))
    .map((f) => ({ ...f, nullable: f.columns.filter((c) => nullable.has(`${f.table}.${c}`)) }));
  return { tables: loadOrder([...maps.values()], edges), partitions };
}

interface Edge {
  table: string;
  target: string;
  columns: string[];
  /**
   * The columns of the reference that may be null (and no CHECK constraint reads): one null satisfies the
   * reference (MATCH SIMPLE).
   */
  nullable: string[];
}

class Cycle extends Error {
  constructor(readonly path: string[]) {
    super(`the tables ${path.join(' → ')} reference each other in a cycle with no column that may be empty`);
  }
}

/**
 * Tables with every table they reference before them. A cycle is broken at a reference whose columns may
 * be null: it is filled in after the load (`deferred`); a cycle without one cannot be loaded.
 */
function loadOrder(tables: TableMap[], edges: Edge[]): TableMap[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  let active = edges;
  for (;;) {
    try {
      return sortTables(tables, byName, active);
    } catch (error) {
      if (!(error instanceof Cycle)) throw error;
      const hops = error.path.slice(0, -1).map((from, i) => ({ from, to: error.path[i + 1]! }));
      const breakable = active.find(
        (e) => e.nullable.length > 0 && hops.some((h) => h.from === e.table && h.to === e.target),
      );
      if (!breakable) throw error;
      byName.get(breakable.table)!.deferred.push(...breakable.nullable);
      active = active.filter((e) => e !== breakable);
    }
  }
}

function sortTables(tables: TableMap[], byName: Map<string, TableMap>, edges: Edge[]): TableMap[] {
  const ordered: TableMap[] = [];
  const placed = new Set<string>();
  const visiting: string[] = [];
  const visit = (table: TableMap) => {
    if (placed.has(table.name)) return;
    const at = visiting.indexOf(table.name);
    if (at >= 0) throw new Cycle([...visiting.slice(at), table.name]);
    visiting.push(table.name);
    for (const edge of edges.filter((e) => e.table === table.name)) visit(byName.get(edge.target)!);
    visiting.pop();
    placed.add(table.name);
    ordered.push(table);
  };
  for (const table of tables) visit(table);
  return ordered;
}
