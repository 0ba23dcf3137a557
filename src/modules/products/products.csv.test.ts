import { describe, expect, it } from 'vitest';
import {
  MAX_CSV_ROWS,
  priceCsv,
  productCsv,
  readPriceCsv,
  readProductCsv,
  type ProductExportRow,
} from './products.csv.js';

const errorsOf = (r: { errors: Array<{ line: number; field: string | null; code: string }> }) =>
  r.errors.map((e) => `${e.line}:${e.field}:${e.code}`);

describe('reading products', () => {
  it('reads lines with optional columns, a byte-order mark, CRLF, blank lines and quoted cells', () => {
    const text =
      '\uFEFFcategory_code,family,sku,name,ready_days,attributes\r\n' +
      'cact,Echeveria,ECH-001,"Echeveria elegans, 9 cm",120,"{""colour"":""blue""}"\r\n' +
      '\r\n' +
      'CACT,Echeveria,ECH-002,Echeveria pulvinata,,\r\n';
    const r = readProductCsv(text);
    expect(r.errors).toEqual([]);
    expect(r.lines).toEqual([
      {
        line: 2,
        categoryCode: 'CACT',
        family: 'Echeveria',
        sku: 'ECH-001',
        name: 'Echeveria elegans, 9 cm',
        readyDays: 120,
        attributes: { colour: 'blue' },
      },
      {
        line: 4,
        categoryCode: 'CACT',
        family: 'Echeveria',
        sku: 'ECH-002',
        name: 'Echeveria pulvinata',
        readyDays: null,
        attributes: {},
      },
    ]);
    // Without the optional columns, their fields are absent: an update keeps what is stored.
    const short = readProductCsv('Category_Code,Family,SKU,Name\nCACT,Echeveria,ECH-003,E. agavoides\n');
    expect(short.lines[0]).toEqual({
      line: 2,
      categoryCode: 'CACT',
      family: 'Echeveria',
      sku: 'ECH-003',
      name: 'E. agavoides',
    });
  });

  it('names every bad line, counting the header as line 1', () => {
    const text = [
      'category_code,family,sku,name,ready_days,attributes',
      'CACT,Echeveria,ECH-001,Good,10,',
      'CA CT,,bad sku,,-1,{"a":[1]}',
      'CACT,Echeveria,ech-001,Same SKU in another case,,',
      'CACT,Echeveria,ECH-004,Too few cells',
      'CACT,Echeveria,ECH-005,Not JSON,,{colour:red}',
      'CACT,Echeveria,ECH-006,Days,ten,',
    ].join('\n');
    const r = readProductCsv(text);
    expect(errorsOf(r)).toEqual([
      '3:category_code:INVALID',
      '3:family:REQUIRED',
      '3:sku:INVALID',
      '3:name:REQUIRED',
      '3:ready_days:OUT_OF_RANGE',
      '3:attributes:INVALID',
      '4:sku:DUPLICATE',
      '5:null:COLUMN_COUNT',
      '6:attributes:INVALID',
      '7:ready_days:INVALID',
    ]);
    expect(r.errors.find((e) => e.code === 'DUPLICATE')!.message).toBe('line 2 names it already');
  });

  it('refuses a header with unknown, doubled or missing columns, and a file without one', () => {
    expect(errorsOf(readProductCsv('category_code,family,sku,name,colour,sku\n'))).toEqual([
      '1:colour:UNKNOWN_COLUMN',
      '1:sku:DUPLICATE',
    ]);
    expect(errorsOf(readProductCsv('category_code,sku\n'))).toEqual([
      '1:family:MISSING_COLUMN',
      '1:name:MISSING_COLUMN',
    ]);
    expect(errorsOf(readProductCsv(''))).toEqual(['1:null:MISSING_COLUMN']);
    expect(readProductCsv('category_code,family,sku,name\n')).toEqual({ lines: [], errors: [] });
  });

  it('gives a quoted cell over several lines the line it starts on, and names an unclosed quote', () => {
    const text = 'category_code,family,sku,name\nCACT,Echeveria,ECH-1,"two\r\nlines"\nCACT,,ECH-2,x\n';
    expect(readProductCsv(text).lines[0]!.name).toBe('two\nlines');
    expect(errorsOf(readProductCsv(text))).toEqual(['4:family:REQUIRED']);
    expect(errorsOf(readProductCsv('category_code,family,sku,name\nCACT,E,S,"open\n'))).toEqual(['2:null:CSV_SYNTAX']);
  });

  it('refuses more rows than a file may hold', () => {
    const rows = Array.from({ length: MAX_CSV_ROWS + 1 }, (_, i) => `C,F,S${i},N`);
    expect(errorsOf(readProductCsv(['category_code,family,sku,name', ...rows].join('\n')))).toEqual([
      `${MAX_CSV_ROWS + 2}:null:TOO_MANY_ROWS`,
    ]);
  });
});

describe('reading prices', () => {
  it('reads lines, defaults empty optional cells and checks the price rules', () => {
    const text = [
      'category_code,packaging_sku,wholesale_cents,retail_cents,units_per_box,discount_pct,availability',
      'CACT,P9,250,450,12,12.5,out_of_stock',
      'CACT,P10,300,500,,,',
      'CACT,P11,500,400,1,0,available',
      'CACT,P12,0,400,0,101,sold',
      'CACT,p9,250,450,12,0,available',
      'CACT,P13,2.50,4,1,x,available',
    ].join('\n');
    const r = readPriceCsv(text);
    expect(r.lines).toEqual([
      {
        line: 2,
        categoryCode: 'CACT',
        packagingSku: 'P9',
        wholesaleCents: 250,
        retailCents: 450,
        unitsPerBox: 12,
        discountPct: 12.5,
        availability: 'out_of_stock',
      },
      {
        line: 3,
        categoryCode: 'CACT',
        packagingSku: 'P10',
        wholesaleCents: 300,
        retailCents: 500,
        unitsPerBox: 1,
        discountPct: 0,
        availability: 'available',
      },
    ]);
    expect(errorsOf(r)).toEqual([
      '4:retail_cents:RETAIL_BELOW_WHOLESALE',
      '5:availability:INVALID',
      '5:wholesale_cents:OUT_OF_RANGE',
      '5:units_per_box:OUT_OF_RANGE',
      '5:discount_pct:OUT_OF_RANGE',
      '6:packaging_sku:DUPLICATE',
      '7:wholesale_cents:INVALID',
      '7:discount_pct:INVALID',
    ]);
  });

  it('leaves out the optional columns a file does not have', () => {
    const r = readPriceCsv('category_code,packaging_sku,wholesale_cents,retail_cents\nCACT,P9,250,450\n');
    expect(r.lines).toEqual([
      { line: 2, categoryCode: 'CACT', packagingSku: 'P9', wholesaleCents: 250, retailCents: 450 },
    ]);
  });
});

describe('writing', () => {
  it('writes what it reads back unchanged', () => {
    const products: ProductExportRow[] = [
      {
        category_code: 'CACT',
        family: 'Echeveria, blue',
        sku: 'ECH-001',
        name: 'Say "blue"\nand more',
        ready_days: null,
        attributes: { spines: false, colour: 'blue', heads: 2 },
      },
      { category_code: 'SUCC', family: 'Aloe', sku: 'ALO-1', name: 'Aloe', ready_days: 90, attributes: {} },
    ];
    const text = productCsv(products);
    expect(text.split('\r\n')[0]).toBe('category_code,family,sku,name,ready_days,attributes');
    const read = readProductCsv(text);
    expect(read.errors).toEqual([]);
    expect(
      read.lines.map((l) => ({
        category_code: l.categoryCode,
        family: l.family,
        sku: l.sku,
        name: l.name,
        ready_days: l.readyDays,
        attributes: l.attributes,
      })),
    ).toEqual(products);

    const prices = [
      {
        category_code: 'CACT',
        packaging_sku: 'P9',
        wholesale_cents: 250,
        retail_cents: 450,
        units_per_box: 12,
        discount_pct: 12.5,
        availability: 'discontinued' as const,
      },
    ];
    const back = readPriceCsv(priceCsv(prices)).lines[0]!;
    expect(back).toEqual({
      line: 2,
      categoryCode: 'CACT',
      packagingSku: 'P9',
      wholesaleCents: 250,
      retailCents: 450,
      unitsPerBox: 12,
      discountPct: 12.5,
      availability: 'discontinued',
    });
  });
});
