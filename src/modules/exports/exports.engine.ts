/**
 * What a farm's export holds: which tables and which of their columns, decided from the catalogue's
 * table maps by the rules below (pure: no database, no clock). A table added by a later migration is
 * exported without anyone listing it; a column named like a secret never leaves, listed here or not.
 */

/** The column shape the rules need: a name, and whether it is geometry (written as GeoJSON). */
export interface ColumnInfo {
  name: string;
  type: string;
  spatial: boolean;
}

/** A table as the catalogue describes it (a subset of the backup's TableMap). */
export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  key: string[] | null;
}

/** A table as exported: the columns written, those left out, and the key its rows are ordered and paged by. */
export interface ExportTable {
  name: string;
  columns: ColumnInfo[];
  /** Columns of the table the export leaves out, with why. */
  leftOut: Array<{ column: string; reason: string }>;
  /**
   * The primary key's columns and their types (to read on after a printed key exactly); null for a table
   * without one, read in one go through a cursor, ordered by the rows' text.
   */
  key: string[] | null;
  keyTypes: string[];
}

/** A column whose name says it holds a secret, a credential or a hash of one: never exported. */
export const SECRET_PATTERN = /hash|secret|token|password|api_key|private|signing/i;

/** The column that makes a table farm-scoped. */
export const FARM_COLUMN = 'farm_id';

/**
 * Farm-scoped tables left out whole: credentials (their rows are only there to let someone or something
 * in) and each person's own settings and inbox (not the farm's, and unreadable in the farm's scope).
 */
export const LEFT_OUT_TABLES: Readonly<Record<string, string>> = {
  api_keys: 'credentials: the farm’s API keys (their hashes and prefixes)',
  device_credentials: 'credentials: the devices’ MQTT and HTTP usernames and secret hashes',
  calendar_feeds: 'credentials: calendar feeds are secret addresses (their token hashes)',
  notification_subscriptions: 'each person’s own notification settings (webhook addresses and their signing secrets)',
  notifications: 'each person’s own notification inbox',
};

/**
 * The secret columns of farm-scoped tables that are exported, each named with why it stays behind. The
 * pattern above drops any column named like a secret even when it is not listed; this list is what a
 * reviewer decided, and a test fails when a migration adds a secret-like column it does not name.
 */
const REPEAT = 'the hash of the request that made the row (to tell a repeat from another request)';

export const SECRET_COLUMNS: Readonly<Record<string, string>> = {
  'invitations.token_hash': 'the hash of an invitation’s secret link',
  'bee_events.request_hash': REPEAT,
  'commands.request_hash': REPEAT,
  'commands.requested_by_api_key': 'names an API key, and API keys are not exported',
  'emergency_stops.started_by_api_key': 'names an API key, and API keys are not exported',
  'emergency_stops.released_by_api_key': 'names an API key, and API keys are not exported',
  'audit_log.api_key_id': 'names an API key, and API keys are not exported',
  'planting_runs.request_hash': REPEAT,
  'plants.request_hash': REPEAT,
  'plant_phase_history.request_hash': REPEAT,
  'product_categories.request_hash': REPEAT,
  'product_families.request_hash': REPEAT,
  'products.request_hash': REPEAT,
  'product_states.request_hash': REPEAT,
  'product_sizes.request_hash': REPEAT,
  'packaging.request_hash': REPEAT,
  'prices.request_hash': REPEAT,
  'stock_movements.request_hash': REPEAT,
  'stock_counts.request_hash': REPEAT,
  'tasks.completion_hash': 'the hash of the request that completed the task (repeat detection)',
  'tasks.request_hash': REPEAT,
  'plant_care_confirmations.request_hash': REPEAT,
  'fertilizers.request_hash': REPEAT,
  'fertilizer_stock_movements.request_hash': REPEAT,
  'nutrient_plans.request_hash': REPEAT,
  'watering_schedules.request_hash': REPEAT,
  'watering_logs.request_hash': REPEAT,
  'detector_models.request_hash': REPEAT,
  'harvest_quality.request_hash': REPEAT,
  'harvests.request_hash': REPEAT,
  'photos.request_hash': REPEAT,
  'plant_inspections.request_hash': REPEAT,
  'protection_diseases.request_hash': REPEAT,
  'protection_pests.request_hash': REPEAT,
  'protection_treatments.request_hash': REPEAT,
  'tank_maintenance.request_hash': REPEAT,
  'tank_states.request_hash': REPEAT,
  'treatment_applications.request_hash': REPEAT,
};

const SECRET_LIKE = 'named like a secret';

/** Whether a column name says it holds a secret. */
export const secretLike = (column: string): boolean => SECRET_PATTERN.test(column);

/**
 * The tables a farm's export holds, by name: every table with a `farm_id` column, less those left out
 * whole; each with its columns less the secret ones.
 */
export function exportTables(tables: readonly TableInfo[]): ExportTable[] {
  const exported: ExportTable[] = [];
  for (const table of [...tables].sort((a, b) => a.name.localeCompare(b.name, 'en'))) {
    if (!table.columns.some((c) => c.name === FARM_COLUMN)) continue;
    if (Object.hasOwn(LEFT_OUT_TABLES, table.name)) continue;
    const leftOut: ExportTable['leftOut'] = [];
    const columns: ColumnInfo[] = [];
    for (const column of table.columns) {
      const listed = SECRET_COLUMNS[`${table.name}.${column.name}`];
      if (listed !== undefined) leftOut.push({ column: column.name, reason: listed });
      else if (secretLike(column.name)) leftOut.push({ column: column.name, reason: SECRET_LIKE });
      else columns.push(column);
    }
    const keyTypes = (table.key ?? []).map((k) => {
      const column = table.columns.find((c) => c.name === k);
      if (!column) throw new Error(`the key column ${table.name}.${k} is not among the table's columns`);
      return column.type;
    });
    exported.push({ name: table.name, columns, leftOut, key: table.key, keyTypes });
  }
  return exported;
}

/** Secret-like columns of farm-scoped, exported tables that the reviewed list does not name. */
export function unreviewedSecretColumns(tables: readonly TableInfo[]): string[] {
  return tables
    .filter((t) => t.columns.some((c) => c.name === FARM_COLUMN) && !Object.hasOwn(LEFT_OUT_TABLES, t.name))
    .flatMap((t) => t.columns.filter((c) => secretLike(c.name)).map((c) => `${t.name}.${c.name}`))
    .filter((name) => !Object.hasOwn(SECRET_COLUMNS, name))
    .sort();
}

/** Entries of the rules that name no column or table of the schema (a rule gone stale). */
export function staleRules(tables: readonly TableInfo[]): string[] {
  const farmScoped = new Map(
    tables.filter((t) => t.columns.some((c) => c.name === FARM_COLUMN)).map((t) => [t.name, t] as const),
  );
  const stale = Object.keys(LEFT_OUT_TABLES).filter((name) => !farmScoped.has(name));
  for (const name of Object.keys(SECRET_COLUMNS)) {
    const [table, column] = name.split('.') as [string, string];
    if (!farmScoped.get(table)?.columns.some((c) => c.name === column)) stale.push(name);
  }
  return stale.sort();
}

// ---- files of the archive ---------------------------------------------------------------------------------

/** A JSON value as one CSV cell: text as it stands, numbers and booleans printed, the rest as JSON. */
export function csvValue(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}

/** The extension a photo's file gets in the archive, by its content type. */
export function photoExtension(contentType: string): string {
  switch (contentType) {
    case 'image/jpeg':
      return 'jpg';
    case 'image/png':
      return 'png';
    case 'image/webp':
      return 'webp';
    default:
      return 'bin';
  }
}

/** The archive's file name: `croft-<slug>-<YYYY-MM-DD>.tar.gz` (the day in UTC). */
export function archiveName(slug: string, at: Date): string {
  const safe = slug.replace(/[^a-z0-9-]/gi, '') || 'farm';
  return `croft-${safe}-${at.toISOString().slice(0, 10)}.tar.gz`;
}
