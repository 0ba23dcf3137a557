/**
 * Loads the catalogue that ships with Croft (seed/catalog/**.yaml) into the global rows. Runs at start,
 * but only when the files' content hash differs from the one last loaded, so a warm start costs one
 * hash and one query. Every row is checked with the rules a request is checked with; one bad row stops
 * the load (and the start), naming its file, key and field. Rows are written by key in one system-scope
 * transaction: a changed row is updated, a new one inserted, one the files no longer hold retired (never
 * deleted: plants refer to it), one named again brought back. Farms' own rows are never touched.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse, YAMLParseError } from 'yaml';
import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import {
  companionName,
  cultivarColumns,
  familyColumns,
  normalizeCultivar,
  normalizeFamily,
  normalizeSpecies,
  phaseColumns,
  seedProblems,
  sequenceColumns,
  sequenceWarnings,
  speciesColumns,
  successorName,
  type CompanionInput,
  type Kind,
  type Located,
  type SeedProblem,
  type SeedRows,
} from './catalog.engine.js';
import { checkStarterKits, kitPlacementProblems, STARTER_KITS_FILE, type StarterKitRow } from './catalog.kits.js';
import { catalogRepository as repo, SEED_SPECS } from './catalog.repository.js';
import {
  CompanionSeedRow,
  NewCultivarBody,
  NewFamilyBody,
  NewSequenceBody,
  NewSpeciesBody,
  SuccessorSeedRow,
} from './catalog.schemas.js';

/** `seed/catalog` at the package root, found the same way from `src/` (tsx, tests) and `dist/` (built). */
export const DEFAULT_SEED_DIR = fileURLToPath(new URL('../../../seed/catalog/', import.meta.url));

export interface SeedFile {
  /** Relative to the seed folder, with "/". */
  path: string;
  text: string;
}

/** A seed that may not be loaded: every problem found, each naming its file, key and field. */
export class SeedError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: SeedProblem[],
  ) {
    const shown = problems.slice(0, 25).map((p) => `  ${p.file}: ${p.key}: ${p.field}: ${p.message}`);
    const more = problems.length > shown.length ? [`  … and ${problems.length - shown.length} more`] : [];
    super(`The catalogue seed in ${dir} has ${problems.length} problem(s):\n${[...shown, ...more].join('\n')}`);
    this.name = 'SeedError';
  }
}

/** Every `*.yaml` under `dir` (any depth), sorted by path. */
export async function readSeedFiles(dir: string): Promise<SeedFile[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    throw new Error(
      `The catalogue seed folder ${dir} cannot be read (CROFT_CATALOG_SEED_DIR): ${(error as Error).message}`,
    );
  }
  const names = entries
    .map((entry) => entry.split(path.sep).join('/'))
    .filter((entry) => entry.endsWith('.yaml'))
    .sort();
  if (names.length === 0) throw new Error(`The catalogue seed folder ${dir} holds no .yaml files`);
  return Promise.all(names.map(async (name) => ({ path: name, text: await readFile(path.join(dir, name), 'utf8') })));
}

/** SHA-256 over the files' paths and contents, in path order. */
export function seedHash(files: SeedFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(file.path).update('\0').update(file.text).update('\0');
  }
  return hash.digest('hex');
}

const KIND_OF_FILE: Record<string, Kind> = {
  'sequences.yaml': 'sequences',
  'families.yaml': 'families',
  'species.yaml': 'species',
  'cultivars.yaml': 'cultivars',
  'companions.yaml': 'companions',
  'rotation.yaml': 'rotation',
};

let validators: Record<Kind, ValidateFunction> | undefined;

/** The request schemas, compiled as request bodies are: no coercion, every error. */
function shapeValidators(): Record<Kind, ValidateFunction> {
  if (validators) return validators;
  const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false });
  validators = {
    sequences: ajv.compile(NewSequenceBody),
    families: ajv.compile(NewFamilyBody),
    species: ajv.compile(NewSpeciesBody),
    cultivars: ajv.compile(NewCultivarBody),
    companions: ajv.compile(CompanionSeedRow),
    rotation: ajv.compile(SuccessorSeedRow),
  };
  return validators;
}

/** `ph[1]`, `phases.fruiting.gdd`: where in a row a schema error is. */
function fieldOf(error: ErrorObject): string {
  const parts = error.instancePath.split('/').filter(Boolean);
  const missing = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && missing.missingProperty) parts.push(missing.missingProperty);
  if (error.keyword === 'additionalProperties' && missing.additionalProperty) parts.push(missing.additionalProperty);
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(row)';
}

function messageOf(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') return 'is not a known field';
  if (error.keyword === 'required') return 'is required';
  return error.message ?? 'is not valid';
}

/** YAML writes `[7, 9]` for zones without a/b as numbers: read them as the zones they are. */
function zonesAsText(row: Record<string, unknown>): Record<string, unknown> {
  const zones = row.hardiness_zones;
  if (!Array.isArray(zones)) return row;
  return { ...row, hardiness_zones: zones.map((z) => (typeof z === 'number' ? String(z) : z)) };
}

const NORMALIZE: Record<Kind, (row: Record<string, unknown>) => Record<string, unknown>> = {
  sequences: (row) => row,
  families: (row) => normalizeFamily(row),
  species: (row) => normalizeSpecies(zonesAsText(row)),
  cultivars: (row) => normalizeCultivar(row),
  companions: (row) => row,
  rotation: (row) => row,
};

/** How a row is named in a problem: its key, or its pair for the files without keys. */
const NAME_OF: Partial<Record<Kind, (row: Record<string, unknown>) => string>> = {
  companions: companionName,
  rotation: successorName,
};

/**
 * Parses and checks the seed files: YAML, each row's shape (the request schemas), then the rules and
 * the checks across files. Pure but for the YAML parser; returns the rows and every problem.
 */
export function checkSeed(files: SeedFile[]): { rows: SeedRows; kits: StarterKitRow[]; problems: SeedProblem[] } {
  const rows: Required<SeedRows> = {
    sequences: [],
    families: [],
    species: [],
    cultivars: [],
    companions: [],
    rotation: [],
  };
  const problems: SeedProblem[] = [];
  const shapes = shapeValidators();
  for (const file of files) {
    if (file.path === STARTER_KITS_FILE) continue; // checked below, against the species
    const kind = KIND_OF_FILE[file.path.split('/').pop()!];
    if (!kind) {
      problems.push({
        file: file.path,
        key: '(file)',
        field: '(file)',
        message: `is not one of ${Object.keys(KIND_OF_FILE).join(', ')}: what rows does it hold?`,
      });
      continue;
    }
    let doc: unknown;
    try {
      doc = parse(file.text, { prettyErrors: true, uniqueKeys: true });
    } catch (error) {
      const line = error instanceof YAMLParseError ? error.linePos?.[0]?.line : undefined;
      problems.push({
        file: file.path,
        key: '(file)',
        field: line ? `line ${line}` : '(file)',
        message: (error as Error).message.split('\n')[0] ?? 'is not valid YAML',
      });
      continue;
    }
    if (doc === null || doc === undefined) continue;
    if (!Array.isArray(doc)) {
      problems.push({ file: file.path, key: '(file)', field: '(file)', message: 'must be a list of rows' });
      continue;
    }
    doc.forEach((raw: unknown, index) => {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        problems.push({ file: file.path, key: `(row ${index + 1})`, field: '(row)', message: 'must be a mapping' });
        return;
      }
      const row = NORMALIZE[kind](raw as Record<string, unknown>);
      const named = NAME_OF[kind];
      const key = named ? named(row) : typeof row.key === 'string' ? row.key : `(row ${index + 1})`;
      if (!shapes[kind](row)) {
        for (const error of shapes[kind].errors ?? []) {
          problems.push({ file: file.path, key, field: fieldOf(error), message: messageOf(error) });
        }
      }
      // Kept even when misshapen, so the rows naming it do not report it missing as well.
      (rows[kind] as Located<unknown>[]).push({ file: file.path, row });
    });
  }
  problems.push(...seedProblems(rows));
  const kitsFile = files.find((f) => f.path === STARTER_KITS_FILE);
  const speciesKeys = new Set(rows.species.map(({ row }) => row.key).filter((k): k is string => typeof k === 'string'));
  const { kits, problems: kitProblems } = kitsFile
    ? checkStarterKits(kitsFile.text, speciesKeys)
    : { kits: [], problems: [] };
  problems.push(...kitProblems);
  // One problem a field (the shape's, when the rules found the same), in file, key and field order.
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const id = `${p.file}\0${p.key}\0${p.field}`;
    return seen.has(id) ? false : (seen.add(id), true);
  });
  const order = (p: SeedProblem) => `${p.file}\0${p.key}\0${p.field}`;
  return { rows, kits, problems: unique.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0)) };
}

type KindCounts = { rows: number; inserted: number; updated: number; retired: number };
/** Phases: `written` counts the inserted and the changed ones. */
type PhaseCounts = { rows: number; written: number; retired: number };

type CatalogKind = 'families' | 'species' | 'cultivars' | 'sequences';

export interface SeedResult {
  /** False when the files were already loaded (the hash matched). */
  loaded: boolean;
  hash: string;
  counts?: Record<CatalogKind, KindCounts> & {
    phases: PhaseCounts;
    /** Companion pairs by level and good successors: written anew on each load. */
    companions: { species: number; family: number };
    successors: number;
    starter_kits: { rows: number };
  };
}

async function writeKind(tx: Tx, kind: CatalogKind, rows: Record<string, unknown>[], now: Date): Promise<KindCounts> {
  const spec = SEED_SPECS[kind];
  const existing = await repo.globalKeys(tx, spec.table);
  // Retired first: a retired row gives its name up to the row that takes it.
  const retired = await repo.retireGlobalExcept(
    tx,
    spec.table,
    rows.map((r) => r.key as string),
    now,
  );
  const written = await repo.upsertGlobal(tx, spec, rows, now);
  const inserted = written.filter((key) => !existing.has(key)).length;
  return { rows: rows.length, inserted, updated: written.length - inserted, retired: retired.length };
}

/** Kits are referred to by no row: the files' set replaces the stored one, after their places are checked. */
async function writeKits(tx: Tx, dir: string, kits: StarterKitRow[], now: Date): Promise<{ rows: number }> {
  const placement = kitPlacementProblems(kits, await repo.locationTypeRules(tx));
  if (placement.length > 0) throw new SeedError(dir, placement);
  await repo.replaceStarterKits(tx, kits, now);
  return { rows: kits.length };
}

/** The seed's rows as the loader writes them: columns, references by key. */
function seedRecords(rows: SeedRows) {
  return {
    sequences: rows.sequences.map(({ row }) => ({ key: row.key, ...sequenceColumns(row) })),
    families: rows.families.map(({ row }) => ({ key: row.key, ...familyColumns(row) })),
    species: rows.species.map(({ row }) => {
      const { family_id: _family, sequence_id: _sequence, ...columns } = speciesColumns(row, '', '');
      return { key: row.key, ...columns, family: row.family, sequence: row.sequence };
    }),
    cultivars: rows.cultivars.map(({ row }) => {
      const { species_id: _species, ...columns } = cultivarColumns(row, '');
      return { key: row.key, ...columns, species: row.species };
    }),
    companions: (level: CompanionInput['level']) =>
      (rows.companions ?? [])
        .filter(({ row }) => row.level === level)
        .map(({ row }) => ({
          a: row.a,
          b: row.b,
          relation: row.relation,
          score: row.relation === 'compatible' ? (row.score ?? null) : null,
          severity: row.relation === 'incompatible' ? (row.severity ?? null) : null,
          reason: row.reason ?? '',
          sources: row.sources ?? [],
        })),
    successors: (rows.rotation ?? []).map(({ row }) => ({
      after: row.after,
      then: row.then,
      reason: row.reason ?? '',
      sources: row.sources ?? [],
    })),
  };
}

/**
 * Loads the seed when its hash changed (see the top of this file). Throws {@link SeedError} when a row
 * is wrong; nothing is written then.
 */
export async function loadCatalogSeed(
  db: Database,
  options: { dir?: string | undefined; clock: Clock; log: Logger },
): Promise<SeedResult> {
  const dir = options.dir ?? DEFAULT_SEED_DIR;
  const started = performance.now();
  const files = await readSeedFiles(dir);
  const hash = seedHash(files);
  const state = await db.system((tx) => repo.seedState(tx));
  if (state?.content_hash === hash) {
    options.log.debug({ hash: hash.slice(0, 12) }, 'catalogue seed unchanged');
    return { loaded: false, hash };
  }

  const { rows, kits, problems } = checkSeed(files);
  if (problems.length > 0) throw new SeedError(dir, problems);
  for (const { row } of rows.sequences) {
    for (const warning of sequenceWarnings(row)) {
      options.log.warn({ sequence: row.key, field: warning.field }, `catalogue seed: ${warning.message}`);
    }
  }
  const records = seedRecords(rows);
  const now = options.clock.now();

  const counts = await db.system(async (tx) => {
    // Another instance starting at the same moment waits here, then finds the seed loaded.
    await repo.lockSeed(tx);
    if ((await repo.seedState(tx))?.content_hash === hash) return undefined;
    const sequences = await writeKind(tx, 'sequences', records.sequences, now);
    const sequenceIds = await repo.globalSequenceIds(tx);
    const phases: PhaseCounts = { rows: 0, written: 0, retired: 0 };
    for (const { row } of rows.sequences) {
      const id = sequenceIds.get(row.key)!;
      phases.rows += row.phases.length;
      phases.retired += await repo.retirePhasesExcept(
        tx,
        id,
        row.phases.map((p) => p.key),
        now,
      );
      phases.written += (await repo.upsertPhases(tx, id, null, row.phases.map(phaseColumns))).length;
    }
    const result = {
      sequences,
      phases,
      families: await writeKind(tx, 'families', records.families, now),
      species: await writeKind(tx, 'species', records.species, now),
      cultivars: await writeKind(tx, 'cultivars', records.cultivars, now),
      companions: {
        species: await repo.replaceGlobalCompanions(tx, 'species', records.companions('species'), now),
        family: await repo.replaceGlobalCompanions(tx, 'family', records.companions('family'), now),
      },
      successors: await repo.replaceGlobalSuccessors(tx, records.successors, now),
      starter_kits: await writeKits(tx, dir, kits, now),
    };
    await repo.saveSeedState(tx, hash, now, result);
    return result;
  });
  if (!counts) return { loaded: false, hash };
  options.log.info(
    { hash: hash.slice(0, 12), ms: Math.round(performance.now() - started), ...counts },
    `catalogue seed loaded: ${counts.families.rows} families, ${counts.species.rows} species, ` +
      `${counts.cultivars.rows} cultivars, ${counts.sequences.rows} sequences, ` +
      `${counts.companions.species + counts.companions.family} companion pairs, ${counts.successors} successors`,
  );
  return { loaded: true, hash, counts };
}
