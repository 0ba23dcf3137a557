/**
 * CSV in and out, for every module that takes or gives a file: reading a text into checked lines (every
 * bad line named with its number, the header being line 1, a stable code and words) and writing RFC 4180
 * text back. The modules check what their columns mean; this knows only cells and lines.
 */
import { parse } from 'csv-parse/sync';
import { invalid } from './errors.js';

/** One bad line of a CSV file: the line (the header is line 1), the column, a stable code and words. */
export interface LineError {
  line: number;
  field: string | null;
  code: string;
  message: string;
}

/** At most this many rows in one file. */
export const MAX_CSV_ROWS = 10_000;

/** A file's good lines and what is wrong with the others (none wrong: the file may be written). */
export interface Checked<T> {
  lines: T[];
  errors: LineError[];
}

export interface Table {
  /** Column name → its index. */
  columns: Map<string, number>;
  rows: Array<{ line: number; cells: string[] }>;
}

/**
 * The header and records of a CSV text (a UTF-8 byte-order mark, CRLF and blank lines allowed; cells
 * trimmed). A record's line is the line it starts on, even when a quoted cell spans several.
 */
export function readTable(text: string, known: readonly string[], required: readonly string[]): Checked<never> | Table {
  const failed = (errors: LineError[]): Checked<never> => ({ lines: [], errors });
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // csv-parse counts a CRLF inside quotes as two lines: one kind of line end keeps the numbers true.
    records = parse(text.replace(/\r\n?/g, '\n'), {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // A quote inside an unquoted cell ({"colour":"red"} typed by hand) is taken as it stands.
      relax_quotes: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (error) {
    const line = Number((error as { lines?: unknown }).lines) || 1;
    return failed([{ line, field: null, code: 'CSV_SYNTAX', message: (error as Error).message }]);
  }
  const errors: LineError[] = [];
  const header = records.shift();
  if (!header) return failed([{ line: 1, field: null, code: 'MISSING_COLUMN', message: 'the header is missing' }]);
  const headerLine = header.info.lines;
  const columns = new Map<string, number>();
  header.record.forEach((raw, i) => {
    const name = raw.toLowerCase();
    if (!known.includes(name))
      errors.push({ line: headerLine, field: raw, code: 'UNKNOWN_COLUMN', message: `columns are ${known.join(', ')}` });
    else if (columns.has(name))
      errors.push({ line: headerLine, field: name, code: 'DUPLICATE', message: 'this column is named twice' });
    else columns.set(name, i);
  });
  for (const name of required)
    if (!columns.has(name))
      errors.push({ line: headerLine, field: name, code: 'MISSING_COLUMN', message: 'this column is required' });
  if (records.length > MAX_CSV_ROWS) {
    const over = records[MAX_CSV_ROWS]!;
    errors.push({
      line: startLine(over),
      field: null,
      code: 'TOO_MANY_ROWS',
      message: `a file holds ${MAX_CSV_ROWS} rows at most: split it`,
    });
  }
  if (errors.length > 0) return failed(errors);
  return {
    columns,
    rows: records.map((r) => ({ line: startLine(r), cells: r.record })),
  };
}

/** csv-parse reports the line a record ends on; the line breaks inside its quoted cells say where it began. */
const startLine = (r: { record: string[]; info: { lines: number } }) =>
  r.info.lines - r.record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);

/** Reads one line's cells by column name, collecting its problems. */
export class LineReader {
  readonly errors: LineError[] = [];
  constructor(
    protected readonly table: Table,
    protected readonly row: { line: number; cells: string[] },
  ) {
    // Spreadsheets add empty cells at the end of a line; fewer cells, or more that hold something, are wrong.
    const extra = row.cells.slice(table.columns.size);
    if (row.cells.length < table.columns.size || extra.some((c) => c !== ''))
      this.fail(null, 'COLUMN_COUNT', `has ${row.cells.length} cells; the header names ${table.columns.size} columns`);
  }

  fail(field: string | null, code: string, message: string): void {
    this.errors.push({ line: this.row.line, field, code, message });
  }

  add(problems: ReadonlyArray<{ field: string | null; code: string; message: string }>): void {
    for (const p of problems) this.fail(p.field, p.code, p.message);
  }

  has(column: string): boolean {
    return this.table.columns.has(column);
  }

  /** The cell of a column; undefined when the file has no such column. */
  cell(column: string): string | undefined {
    const i = this.table.columns.get(column);
    return i === undefined ? undefined : (this.row.cells[i] ?? '');
  }

  text(column: string, pattern?: RegExp, rule?: string, max = 200): string {
    const value = this.cell(column) ?? '';
    if (value === '') this.fail(column, 'REQUIRED', 'is required');
    else if (value.length > max) this.fail(column, 'OUT_OF_RANGE', `has ${max} characters at most`);
    else if (pattern && !pattern.test(value)) this.fail(column, 'INVALID', `must be ${rule}`);
    return value;
  }

  /** A whole number; `fallback` for an empty cell (a required column has none). */
  integer(column: string, fallback?: number | null): number | null {
    const value = this.cell(column) ?? '';
    if (value === '') {
      if (fallback === undefined) this.fail(column, 'REQUIRED', 'is required');
      return fallback ?? null;
    }
    if (!/^-?\d{1,15}$/.test(value)) {
      this.fail(column, 'INVALID', 'must be a whole number');
      return null;
    }
    return Number(value);
  }

  decimal(column: string, fallback: number): number | null {
    const value = this.cell(column) ?? '';
    if (value === '') return fallback;
    if (!/^-?\d{1,15}(\.\d+)?$/.test(value)) {
      this.fail(column, 'INVALID', 'must be a number, like 12.5');
      return null;
    }
    return Number(value);
  }
}

/** The lines, less the second and later ones naming the same key (already normalised): those are errors. */
export function done<T extends { line: number }>(
  lines: T[],
  errors: LineError[],
  key: (line: T) => string,
  field: string,
): Checked<T> {
  const first = new Map<string, number>();
  const kept: T[] = [];
  for (const l of lines) {
    const seen = first.get(key(l));
    if (seen === undefined) {
      first.set(key(l), l.line);
      kept.push(l);
    } else errors.push({ line: l.line, field, code: 'DUPLICATE', message: `line ${seen} names it already` });
  }
  return { lines: kept, errors: errors.sort((a, b) => a.line - b.line) };
}

// Writing

export type Cell = string | number | null;

/** One CSV cell: quoted when it holds a comma, a quote, a line break or white space at an end. */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV text (RFC 4180: CRLF line ends) with a header. */
export function csvText(header: readonly string[], rows: Cell[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',') + '\r\n').join('');
}

/** How many of a file's errors an answer lists (it counts them all). */
const ERRORS_SHOWN = 200;

/** 400 CSV_INVALID: nothing was written; `details.errors` names each bad line (the header is line 1). */
export function csvInvalid(errors: LineError[], what = 'The file was not imported'): Error {
  const sorted = [...errors].sort((a, b) => a.line - b.line);
  const first = sorted[0]!;
  return invalid(
    `${what} (${errors.length} ${errors.length === 1 ? 'error' : 'errors'}): line ${first.line}` +
      `${first.field ? `, ${first.field}` : ''}: ${first.message}`,
    { errors: sorted.slice(0, ERRORS_SHOWN), error_count: errors.length },
    'CSV_INVALID',
  );
}
