/**
 * Inputs for the API fuzz test (test/fuzz.api.test.ts): values that look valid under an OpenAPI
 * (JSON Schema) schema, and boundary and malformed ones, drawn from a seeded generator so every run
 * sends the same requests.
 */
import { randomUUID } from 'node:crypto';

export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: Schema | Schema[];
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  default?: unknown;
}

/** mulberry32: small, fast and good enough to pick cases; the same seed gives the same cases. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  between(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** A fresh uuid drawn from this generator (so it too is reproducible). */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  }
}

/** A stable 32-bit hash of a text (FNV-1a), to give each operation its own stream from one seed. */
export function hashSeed(seed: number, text: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Values that stand for rows which exist, by the name of the field or parameter that refers to them. */
export type Hints = Record<string, () => string | undefined>;

const UNICODE = [
  'Ñandú ĳ ß',
  'ភាសាខ្មែរ',
  '🐝🍯🌻',
  '\u202eevil\u202c',
  'zero\u200bwidth',
  'e\u0301\u0301\u0301',
  '\ud800',
  '\udfff\ud800',
  '𝕳𝖔𝖓𝖊𝖞',
  'ﷺ',
  '\t\r\n',
  '\u0085\u2028\u2029',
];
const NASTY = [
  "'; drop table farms; --",
  '"quoted"',
  '\\',
  '%s%n%x',
  '../../etc/passwd',
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  'true',
  '[object Object]',
  '__proto__',
  'constructor',
  '*',
  '%',
  '_',
];
const NUMBERISH = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1e309',
  '-0',
  '0x10',
  '1_000',
  '9'.repeat(40),
  '1.5',
  '-1',
];
const DATE_TIMES = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59.999999Z',
  '2026-06-01T00:00:00+14:00',
  '2026-06-01T00:00:00-23:59',
  '2024-02-29T23:59:60Z',
  '2026-02-29T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '275760-09-13T00:00:00Z',
  '2026-06-01',
  '2026-06-01T00:00:00',
  'now',
];
const DATES = ['0000-01-01', '0001-01-01', '9999-12-31', '2026-02-29', '2024-02-29', '2026-00-10', '1900-01-01'];
const UUIDS = [
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '6F9619FF-8B86-D011-B42D-00C04FC964FF',
  '6f9619ff8b86d011b42d00c04fc964ff',
  '{6f9619ff-8b86-d011-b42d-00c04fc964ff}',
  '6f9619ff-8b86-d011-b42d-00c04fc964ff0',
];
const NUMBERS = [0, -0, -1, 1, 0.5, -0.5, 1e308, -1e308, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 2 ** 63, 1e21, 5e-324];

export function deeplyNested(depth: number, asArray: boolean): unknown {
  let value: unknown = asArray ? [] : {};
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

function branches(schema: Schema): Schema[] | undefined {
  return schema.anyOf ?? schema.oneOf;
}

function typeOf(schema: Schema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null') ?? schema.type[0];
  return schema.type;
}

/** %-encodes text; a lone surrogate, which UTF-8 cannot carry, goes as the bytes a careless encoder sends. */
export function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, 'x')) + '%ED%A0%80';
  }
}

/** Valid-looking values and boundary values for schemas, from one seeded stream. */
export class Generator {
  constructor(
    readonly random: Random,
    readonly hints: Hints,
  ) {}

  private hinted(name: string | undefined): string | undefined {
    return name ? this.hints[name]?.() : undefined;
  }

  /** A value the schema most likely accepts. */
  valid(schema: Schema, name?: string, depth = 0): unknown {
    const r = this.random;
    if ('const' in schema) return schema.const;
    if (schema.enum) return r.pick(schema.enum);
    const options = branches(schema);
    if (options) {
      const nonNull = options.filter((o) => o.type !== 'null');
      return this.valid(r.chance(0.9) && nonNull.length ? r.pick(nonNull) : r.pick(options), name, depth);
    }
    if (schema.allOf) return this.valid(Object.assign({}, ...schema.allOf) as Schema, name, depth);
    switch (typeOf(schema)) {
      case 'string':
        return this.validString(schema, name);
      case 'integer':
      case 'number': {
        const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
        const high = schema.maximum ?? Math.max(low, 100);
        const value = r.between(Math.ceil(low), Math.floor(Math.min(high, low + 1000)));
        return typeOf(schema) === 'number' && r.chance(0.3) && value + 0.5 <= high ? value + 0.5 : value;
      }
      case 'boolean':
        return r.chance(0.5);
      case 'null':
        return null;
      case 'array': {
        if (Array.isArray(schema.items)) return schema.items.map((item) => this.valid(item, name, depth + 1));
        const min = schema.minItems ?? 0;
        const count = depth > 4 ? min : r.between(min, Math.max(min, Math.min(schema.maxItems ?? 3, min + 3)));
        return Array.from({ length: count }, () => this.valid((schema.items as Schema) ?? {}, name, depth + 1));
      }
      case 'object':
        return this.validObject(schema, depth);
      default:
        return this.anyJson(depth);
    }
  }

  private validObject(schema: Schema, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const required = new Set(schema.required ?? []);
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      if (required.has(key) || (depth < 4 && this.random.chance(0.3))) out[key] = this.valid(property, key, depth + 1);
    }
    if (typeof schema.additionalProperties === 'object' && this.random.chance(0.7)) {
      for (let i = this.random.int(3); i >= 0; i--)
        out[`key_${i}`] = this.valid(schema.additionalProperties, undefined, depth + 1);
    }
    return out;
  }

  private validString(schema: Schema, name: string | undefined): string {
    const r = this.random;
    const hinted = this.hinted(name);
    if (hinted !== undefined && r.chance(0.8)) return hinted;
    switch (schema.format) {
      case 'uuid':
        return r.uuid();
      case 'date-time':
        return r.pick(['2026-06-01T00:00:00Z', '2026-05-31T12:34:56.789Z', '2026-06-01T08:00:00+07:00']);
      case 'date':
        return r.pick(['2026-05-01', '2025-12-31']);
      case 'email':
        return `fuzz-${r.int(1e9)}@example.org`;
    }
    if (schema.pattern) {
      const re = new RegExp(schema.pattern, 'u');
      const fits = ['06:30', '23:59', 'temperature', 'weight_kg', 'main', 'abc', 'a1', '1', 'x'].filter((s) =>
        re.test(s),
      );
      if (fits.length) return r.pick(fits);
    }
    const min = schema.minLength ?? 0;
    const max = schema.maxLength ?? 40;
    const length = r.between(Math.max(min, 1), Math.max(min, Math.min(max, 24)));
    const word = r.pick(['field', 'Fuzz value', 'ភាសា', 'x', 'Hive-7']);
    return word.repeat(Math.ceil(length / word.length)).slice(0, length);
  }

  /** Any JSON: the kind of value a schema without a type lets through. */
  anyJson(depth = 0): unknown {
    const r = this.random;
    const choice = depth > 3 ? r.int(4) : r.int(7);
    switch (choice) {
      case 0:
        return null;
      case 1:
        return r.pick(NUMBERS);
      case 2:
        return r.pick([...UNICODE, ...NASTY]);
      case 3:
        return r.chance(0.5);
      case 4:
        return Array.from({ length: r.int(4) }, () => this.anyJson(depth + 1));
      case 5:
        return Object.fromEntries(
          Array.from({ length: r.int(4) }, () => [
            r.pick(['all', 'any', 'not', 'device', 'value', 'x']),
            this.anyJson(depth + 1),
          ]),
        );
      default:
        return r.chance(0.5) ? deeplyNested(r.pick([50, 500, 3000]), r.chance(0.5)) : randomUUID();
    }
  }

  /** A value at or past the schema's edges, or of the wrong kind altogether. */
  boundary(schema: Schema, name?: string): unknown {
    const r = this.random;
    const options = branches(schema);
    const target = options ? r.pick(options) : schema;
    const kind = typeOf(target);
    const generic: unknown[] = [
      null,
      true,
      0,
      -1,
      '',
      [],
      {},
      r.pick(NUMBERS),
      r.pick(UNICODE),
      r.pick(NASTY),
      r.pick(NUMBERISH),
      'x'.repeat(r.pick([256, 5000, 70_000])),
      deeplyNested(r.pick([20, 1000]), r.chance(0.5)),
    ];
    if (r.chance(0.25)) return r.pick(generic);
    switch (kind) {
      case 'string': {
        const max = target.maxLength;
        const min = target.minLength ?? 0;
        const fill = r.pick(['a', 'é', '🐝', ' ']);
        const edges: unknown[] = [
          '',
          ' ',
          '   ',
          fill.repeat(max !== undefined ? max + 1 : 10_000),
          fill.repeat(max ?? 300),
          'a'.repeat(Math.max(0, min - 1)),
          r.pick(UNICODE),
          r.pick(NASTY),
          r.pick(NUMBERISH),
          r.pick(UNICODE).repeat(500),
          r.pick(UUIDS),
          r.pick(DATE_TIMES),
          r.pick(DATES),
          12,
          ['a'],
          { value: 'a' },
        ];
        if (target.format === 'date-time') edges.push(...DATE_TIMES);
        if (target.format === 'date') edges.push(...DATES);
        if (target.format === 'uuid') edges.push(...UUIDS, r.uuid());
        if (this.hinted(name) !== undefined) edges.push(`${this.hinted(name)}x`, this.hinted(name)!.toUpperCase());
        return r.pick(edges);
      }
      case 'integer':
      case 'number': {
        const edges: unknown[] = [...NUMBERS, r.pick(NUMBERISH), '5', null, [1], { n: 1 }];
        for (const bound of [target.minimum, target.maximum, target.exclusiveMinimum, target.exclusiveMaximum]) {
          if (bound !== undefined) edges.push(bound, bound - 1, bound + 1, bound + 0.5, bound - 0.000001);
        }
        return r.pick(edges);
      }
      case 'boolean':
        return r.pick(['true', 1, 0, null, 'yes', []]);
      case 'array': {
        const item = Array.isArray(target.items) ? (target.items[0] ?? {}) : (target.items ?? {});
        const valid = () => this.valid(item);
        const edges: unknown[] = [
          [],
          Array.from({ length: (target.maxItems ?? 1000) + 1 }, valid),
          Array.from({ length: 3 }, () => this.boundary(item)),
          [null],
          [[[[]]]],
          'not an array',
          { 0: valid() },
          deeplyNested(r.pick([30, 2000]), true),
        ];
        if (target.minItems) edges.push(Array.from({ length: target.minItems - 1 }, valid));
        return r.pick(edges);
      }
      case 'object':
        return this.boundaryObject(target);
      default:
        return r.pick(generic);
    }
  }

  /** An object body (or part) made wrong in one way: a field, the fields, a missing or an unknown one. */
  boundaryObject(schema: Schema): unknown {
    const r = this.random;
    const base = this.validObject(schema, 0);
    const keys = Object.keys(schema.properties ?? {});
    switch (r.int(9)) {
      case 0:
      case 1:
      case 2: {
        if (!keys.length) return { unknown_field: r.pick(NASTY) };
        const key = r.pick(keys);
        const property = schema.properties![key]!;
        const isObject = typeOf(property) === 'object' && !branches(property);
        return {
          ...base,
          [key]: isObject && r.chance(0.5) ? this.boundaryObject(property) : this.boundary(property, key),
        };
      }
      case 3:
        return Object.fromEntries(keys.map((key) => [key, this.boundary(schema.properties![key]!, key)]));
      case 4: {
        const required = schema.required ?? [];
        if (!required.length) return {};
        const { [r.pick(required)]: _dropped, ...rest } = base;
        return rest;
      }
      case 5:
        return { ...base, [r.pick(['unknown_field', '__proto__', 'constructor', '', 'ÿ', 'a'.repeat(500)])]: 1 };
      case 6:
        return r.pick([null, [], [base], 'text', 0, true]);
      case 7:
        return Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]));
      default:
        return deeplyNested(r.pick([100, 3000]), r.chance(0.5));
    }
  }

  /** A path segment: a real row, an unknown one, or an odd text (already %-encoded as sent). */
  pathSegment(name: string): string {
    const r = this.random;
    const real = this.hinted(name);
    const encoded = encode;
    const raw = [
      '%ff',
      '%C0%AF',
      '%2F',
      '%2e%2e',
      '%25',
      '%20',
      '%E2%80%AE',
      '%F0%9F%90%9D',
      '%00',
      '-',
      '.',
      '0',
      '-1',
      '99999999999999999999',
      'null',
      'a'.repeat(64),
      'a'.repeat(65),
      'a'.repeat(600),
      '%41'.repeat(100),
    ];
    if (real !== undefined && r.chance(0.35)) return encoded(real);
    switch (r.int(5)) {
      case 0:
        return r.uuid();
      case 1:
        return encoded(r.pick(UUIDS));
      case 2:
        return r.pick(raw);
      case 3:
        return encoded(r.pick([...UNICODE, ...NASTY, 'no-such-thing', 'Sunny-Acres', real ? `${real}-x` : 'x']));
      default:
        return real !== undefined ? encoded(r.chance(0.5) ? real.toUpperCase() : `${real} `) : r.uuid();
    }
  }

  /** A query-string value as text, valid-looking or at an edge. */
  queryValue(schema: Schema, name: string): string {
    const r = this.random;
    if (r.chance(0.4)) {
      const value = this.valid(schema, name);
      return typeof value === 'string' ? value : JSON.stringify(value);
    }
    const value = this.boundary(schema, name);
    if (typeof value === 'string') return value.slice(0, 5000);
    return r.pick([String(value), JSON.stringify(value)?.slice(0, 5000) ?? '', '']);
  }
}

/** Bodies no JSON parser should accept, and bodies of other kinds, with the content type they are sent as. */
export const MALFORMED_BODIES: ReadonlyArray<{ contentType: string | undefined; body: string }> = [
  { contentType: 'application/json', body: '{' },
  { contentType: 'application/json', body: '{"a":' },
  { contentType: 'application/json', body: '{"a":1,}' },
  { contentType: 'application/json', body: "{'a':1}" },
  { contentType: 'application/json', body: 'nul' },
  { contentType: 'application/json', body: '' },
  { contentType: 'application/json', body: ' ' },
  { contentType: 'application/json', body: 'null' },
  { contentType: 'application/json', body: '"text"' },
  { contentType: 'application/json', body: '12' },
  { contentType: 'application/json', body: '{"a":1e400,"b":-1e400}' },
  { contentType: 'application/json', body: '\ufeff{}' },
  { contentType: 'application/json', body: '{"__proto__":{"polluted":1}}' },
  { contentType: 'application/json', body: '{"constructor":{"prototype":{"polluted":1}}}' },
  { contentType: 'application/json', body: '{"name":"a","name":"b"}' },
  { contentType: 'application/json', body: '['.repeat(20_000) + ']'.repeat(20_000) },
  { contentType: 'application/json', body: '{"a":"\\ud800"}' },
  { contentType: 'application/json; charset=latin1', body: '{}' },
  { contentType: 'application/json; charset=utf-16', body: '{}' },
  { contentType: 'text/plain', body: '{}' },
  { contentType: 'text/plain', body: 'hello' },
  { contentType: 'application/x-www-form-urlencoded', body: 'name=a&role=admin' },
  {
    contentType: 'multipart/form-data; boundary=x',
    body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
  },
  { contentType: 'application/xml', body: '<a/>' },
  { contentType: 'application/octet-stream', body: '\u0000\u0001\u0002' },
  { contentType: '', body: '{}' },
  { contentType: 'application/', body: '{}' },
  { contentType: 'application/json', body: JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }) },
  { contentType: undefined, body: '{}' },
];

/** Query strings no ordinary client sends. */
export const MALFORMED_QUERIES = [
  '?&&==&',
  '?%',
  '?%zz=1',
  '?a=%ff',
  '?limit=1&limit=2',
  '?=',
  '?cursor[]=1',
  '?__proto__=1',
];
