import { describe, expect, it } from 'vitest';
import { csvCell, csvText, done, LineReader, readTable } from './csv.js';

describe('writing CSV', () => {
  it('quotes what needs quoting', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded')).toBe('" padded"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(12.5)).toBe('12.5');
  });

  it('writes RFC 4180 text with CRLF line ends and a header', () => {
    expect(
      csvText(
        ['a', 'b'],
        [
          [1, 'x,y'],
          [null, 'z'],
        ],
      ),
    ).toBe('a,b\r\n1,"x,y"\r\n,z\r\n');
  });
});

describe('reading CSV', () => {
  it('names each bad line with its number (the header is line 1), even after a quoted line break', () => {
    const table = readTable('sku,qty\r\n"A\nB",3\r\nC,x\r\nA\nB,4\r\n', ['sku', 'qty'], ['sku', 'qty']);
    if (!('rows' in table)) throw new Error('a table was expected');
    const lines = table.rows.map((row) => {
      const r = new LineReader(table, row);
      return { line: row.line, sku: r.text('sku'), qty: r.integer('qty'), errors: r.errors };
    });
    expect(lines.map((l) => [l.line, l.sku, l.qty])).toEqual([
      [2, 'A\nB', 3],
      [4, 'C', null],
      [5, 'A', null],
      [6, 'B', 4],
    ]);
    expect(lines[1]!.errors).toEqual([{ line: 4, field: 'qty', code: 'INVALID', message: 'must be a whole number' }]);
  });

  it('refuses unknown and missing columns, and keeps the first of two lines naming one key', () => {
    expect(readTable('sku,colour\n', ['sku', 'qty'], ['sku', 'qty'])).toEqual({
      lines: [],
      errors: [
        { line: 1, field: 'colour', code: 'UNKNOWN_COLUMN', message: 'columns are sku, qty' },
        { line: 1, field: 'qty', code: 'MISSING_COLUMN', message: 'this column is required' },
      ],
    });
    const kept = done(
      [
        { line: 2, k: 'a' },
        { line: 3, k: 'a' },
      ],
      [],
      (l) => l.k,
      'k',
    );
    expect(kept.lines).toEqual([{ line: 2, k: 'a' }]);
    expect(kept.errors).toEqual([{ line: 3, field: 'k', code: 'DUPLICATE', message: 'line 2 names it already' }]);
  });
});
