import pg from 'pg';

/**
 * Both backends turn PostgreSQL values into the same JavaScript values, so queries behave the same on
 * PGlite and on a server: bigint and numeric → number, date → 'YYYY-MM-DD' string, timestamptz → Date,
 * json/jsonb → parsed value.
 */
export const TYPE_OIDS = { int8: 20, int8Array: 1016, numeric: 1700, numericArray: 1231, date: 1082 } as const;

const toNumber = (value: string): number => Number(value);
const identity = (value: string): string => value;

/** Parsers for PGlite's `parsers` option. */
export const pgliteParsers: Record<number, (value: string) => unknown> = {
  [TYPE_OIDS.int8]: toNumber,
  [TYPE_OIDS.numeric]: toNumber,
  [TYPE_OIDS.date]: identity,
};

const textArray = pg.types.getTypeParser(1009 as number) as (value: string) => string[];

/** Type parsers for node-postgres, scoped to Croft's pool (the global `pg.types` is left alone). */
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case TYPE_OIDS.int8:
      case TYPE_OIDS.numeric:
        return toNumber;
      case TYPE_OIDS.int8Array:
      case TYPE_OIDS.numericArray:
        return (value: string) => textArray(value).map(Number);
      case TYPE_OIDS.date:
        return identity;
      default:
        return pg.types.getTypeParser(oid, format ?? 'text');
    }
  },
};

/**
 * What node-postgres does to a parameter before sending it, done for PGlite too: plain objects become
 * JSON text, so a parameter means the same thing on both backends.
 */
export function prepareParameter(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date || Array.isArray(value) || ArrayBuffer.isView(value)) return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}
