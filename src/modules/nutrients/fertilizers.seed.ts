/**
 * Loads the generic fertilizers that ship with Croft (seed/fertilizers/fertilizers.yaml) as global rows,
 * the way the plant catalogue's seed is loaded: only when the file's hash differs from the one last
 * loaded; every row checked with the rules a request is checked with (one bad row stops the load and the
 * start, naming its key and field); rows written by key in one system-scope transaction — a changed row
 * updated, a new one inserted, one the file no longer holds retired (never deleted: plans and stock refer
 * to it), one named again brought back. Farms' own rows are never touched.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import { fertilizerColumns, fertilizerProblems, type FertilizerColumns } from './fertilizers.engine.js';
import { fertilizersRepository as repo } from './fertilizers.repository.js';
import { FertilizerSeedRow, type FertilizerSeed } from './fertilizers.schemas.js';

/** `seed/fertilizers` at the package root, found the same way from `src/` and `dist/`. */
export const DEFAULT_FERTILIZER_SEED_DIR = fileURLToPath(new URL('../../../seed/fertilizers/', import.meta.url));
export const FERTILIZER_SEED_FILE = 'fertilizers.yaml';

export interface FertilizerSeedProblem {
  key: string;
  field: string;
  message: string;
}

export class FertilizerSeedError extends Error {
  constructor(
    readonly file: string,
    readonly problems: FertilizerSeedProblem[],
  ) {
    const shown = problems.slice(0, 25).map((p) => `  ${p.key}: ${p.field}: ${p.message}`);
    super(`The fertilizer seed ${file} has ${problems.length} problem(s):\n${shown.join('\n')}`);
    this.name = 'FertilizerSeedError';
  }
}

let validate: ValidateFunction | undefined;
/** The seed row's schema, compiled as request bodies are: no coercion, every error. */
const shape = () =>
  (validate ??= new Ajv({ allErrors: true, strict: false, coerceTypes: false }).compile(FertilizerSeedRow));

function fieldOf(error: ErrorObject): string {
  const parts = error.instancePath.split('/').filter(Boolean);
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty) parts.push(params.missingProperty);
  if (error.keyword === 'additionalProperties' && params.additionalProperty) parts.push(params.additionalProperty);
  return parts.join('.') || '(row)';
}

/**
 * Parses and checks the seed file: YAML, each row's shape (the request schema), the rules a request
 * follows, and that keys and product + brand are unique. Pure but for the YAML parser.
 */
export function checkFertilizerSeed(text: string): {
  rows: Array<{ key: string; columns: FertilizerColumns }>;
  problems: FertilizerSeedProblem[];
} {
  const problems: FertilizerSeedProblem[] = [];
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: true });
  } catch (error) {
    return {
      rows: [],
      problems: [{ key: '(file)', field: '(file)', message: (error as Error).message.split('\n')[0]! }],
    };
  }
  if (!Array.isArray(doc))
    return { rows: [], problems: [{ key: '(file)', field: '(file)', message: 'must be a list' }] };
  const rows: Array<{ key: string; columns: FertilizerColumns }> = [];
  const keys = new Set<string>();
  const names = new Map<string, string>();
  doc.forEach((raw: unknown, index) => {
    const record =
      raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    const key = typeof record.key === 'string' ? record.key : `(row ${index + 1})`;
    if (!shape()(raw)) {
      for (const error of shape().errors ?? []) {
        problems.push({ key, field: fieldOf(error), message: error.message ?? 'is not valid' });
      }
      return;
    }
    const row = raw as FertilizerSeed;
    const columns = fertilizerColumns(row);
    for (const p of fertilizerProblems(columns)) problems.push({ key, ...p });
    if (keys.has(row.key)) problems.push({ key, field: 'key', message: 'is used by another row' });
    keys.add(row.key);
    const name = `${columns.product.toLowerCase()}\0${columns.brand.toLowerCase()}`;
    const other = names.get(name);
    if (other) problems.push({ key, field: 'product', message: `product + brand are those of ${other}` });
    names.set(name, row.key);
    rows.push({ key: row.key, columns });
  });
  return { rows, problems };
}

export interface FertilizerSeedResult {
  loaded: boolean;
  hash: string;
  counts?: { rows: number; inserted: number; updated: number; retired: number };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Loads the seed when its hash changed (see the top of this file); throws {@link FertilizerSeedError}. */
export async function loadFertilizerSeed(
  db: Database,
  options: { dir?: string | undefined; clock: Clock; log: Logger },
): Promise<FertilizerSeedResult> {
  const file = path.join(options.dir ?? DEFAULT_FERTILIZER_SEED_DIR, FERTILIZER_SEED_FILE);
  const text = await readFile(file, 'utf8');
  const hash = createHash('sha256').update(text).digest('hex');
  if ((await db.system((tx) => repo.seedState(tx)))?.content_hash === hash) return { loaded: false, hash };
  const { rows, problems } = checkFertilizerSeed(text);
  if (problems.length > 0) throw new FertilizerSeedError(file, problems);
  const now = options.clock.now();
  const counts = await db.system(async (tx) => {
    await repo.lockSeed(tx);
    if ((await repo.seedState(tx))?.content_hash === hash) return undefined;
    const stored = new Map((await repo.globalRows(tx)).map((r) => [r.key!, r]));
    const wanted = new Set(rows.map((r) => r.key));
    const result = { rows: rows.length, inserted: 0, updated: 0, retired: 0 };
    // Retired first: a retired row gives its name up to the row that takes it.
    for (const [key, row] of stored) {
      if (wanted.has(key) || row.retired_at !== null) continue;
      await repo.updateGlobal(tx, key, { retired_at: now, updated_at: now });
      result.retired++;
    }
    for (const { key, columns } of rows) {
      const current = stored.get(key);
      if (!current) {
        await repo.insertGlobal(tx, {
          ...columns,
          farm_id: null,
          key,
          request_hash: null,
          created_at: now,
          updated_at: now,
        });
        result.inserted++;
        continue;
      }
      const changed =
        current.retired_at !== null ||
        Object.entries(columns).some(([c, v]) => !same(current[c as keyof typeof current], v));
      if (!changed) continue;
      await repo.updateGlobal(tx, key, { ...columns, retired_at: null, updated_at: now });
      result.updated++;
    }
    await repo.saveSeedState(tx, hash, now, result);
    return result;
  });
  if (!counts) return { loaded: false, hash };
  options.log.info({ hash: hash.slice(0, 12), ...counts }, `fertilizer seed loaded: ${counts.rows} fertilizers`);
  return { loaded: true, hash, counts };
}
