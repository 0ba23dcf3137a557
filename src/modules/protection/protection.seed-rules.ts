/**
 * The plant-protection catalogue's rules, pure: what a pest, a disease or a treatment may hold, the
 * chemical-treatment rule (interval, active ingredient, mode-of-action group) the API applies to a farm's
 * own rows as well, the mode-of-action code forms of IRAC, FRAC and HRAC, the group the resistance rule
 * counts by, and the checks across the seed files (seed/protection/*.yaml) and the plant catalogue's
 * families. Nothing here reads a file or a database: the loader hands in the files' text and the
 * families, and gets back the rows and every problem, each naming its file, key and field.
 */
import { parse, YAMLParseError } from 'yaml';

// ---------------------------------------------------------------------------------------------------
// Vocabulary and limits

export const PEST_KINDS = ['insect', 'mite', 'nematode', 'mollusc', 'bird', 'mammal', 'other'] as const;
export type PestKind = (typeof PEST_KINDS)[number];
/** `protist` is Croft's addition: clubroot (Plasmodiophora) is neither a fungus nor an oomycete. */
export const DISEASE_KINDS = ['fungal', 'oomycete', 'bacterial', 'viral', 'protist', 'physiological'] as const;
export type DiseaseKind = (typeof DISEASE_KINDS)[number];
export const TREATMENT_METHODS = ['cultural', 'biological', 'chemical', 'mechanical', 'physical'] as const;
export type TreatmentMethod = (typeof TREATMENT_METHODS)[number];
export const MOA_SCHEMES = ['IRAC', 'FRAC', 'HRAC'] as const;
export type MoaScheme = (typeof MOA_SCHEMES)[number];
/**
 * `typical`: a value from general sources (every seeded interval); `confirmed`: a farm checked it against
 * the label of the product it uses. Only a farm confirms.
 */
export const INTERVAL_STATUSES = ['typical', 'confirmed'] as const;
export type IntervalStatus = (typeof INTERVAL_STATUSES)[number];

/** Inclusive ranges and lengths of the catalogue's fields. */
export const PROTECTION_LIMITS = {
  lifecycleDays: [1, 730],
  intervalDays: [1, 365],
  reentryHours: [0, 720],
  nameLength: 200,
  textLength: 1000,
  listItems: 100,
} as const;

export const PROTECTION_KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}$/;

/** The seed files, by the rows they hold. */
export const PROTECTION_FILES = {
  pests: 'pests.yaml',
  diseases: 'diseases.yaml',
  treatments: 'treatments.yaml',
} as const;
export type ProtectionKind = keyof typeof PROTECTION_FILES;

// ---------------------------------------------------------------------------------------------------
// Rows as the seed files (and a farm's requests) write them

export interface ModeOfAction {
  scheme: MoaScheme;
  /** The group's code in its scheme's written form: `4A`, `11A`, `UN` (IRAC), `3`, `M02`, `P07` (FRAC), `9` (HRAC). */
  code: string;
}

export interface PestRow {
  key: string;
  name: string;
  scientific_name: string;
  kind: PestKind;
  /** Keys of the plant catalogue's families it feeds on. */
  host_families: string[];
  /** The names under which the families' `pests`/`soil_borne` lists mention it, spelled as there. */
  catalog_names?: string[] | undefined;
  symptoms: string;
  /** What to look for when inspecting. */
  signs: string[];
  /** Typical days from egg to egg-laying adult in warm weather (about 25 °C). */
  lifecycle_days?: number | undefined;
  notes?: string | undefined;
  sources?: string[] | undefined;
}

export interface DiseaseRow {
  key: string;
  name: string;
  /** Scientific name of the pathogen; null for a physiological disorder. */
  pathogen: string | null;
  kind: DiseaseKind;
  host_families: string[];
  /** Persists in the soil between crops (resting spores, sclerotia, chlamydospores). */
  soil_borne: boolean;
  /** The names under which the families' `pathogens`/`soil_borne` lists mention it. */
  catalog_names?: string[] | undefined;
  symptoms: string;
  favoured_by: string[];
  notes?: string | undefined;
  sources?: string[] | undefined;
}

export interface TreatmentRow {
  key: string;
  name: string;
  method: TreatmentMethod;
  /** Pest keys it acts against. */
  pests?: string[] | undefined;
  /** Disease keys it acts against. */
  diseases?: string[] | undefined;
  description: string;
  active_ingredient?: string | undefined;
  /** The living agent (biological), or the plant a botanical is made from. */
  organism?: string | undefined;
  mode_of_action?: ModeOfAction | undefined;
  /** Pre-harvest interval: whole days from the application before a harvest is allowed. */
  pre_harvest_interval_days?: number | undefined;
  interval_status?: IntervalStatus | undefined;
  /** Hours before people may enter the treated area without protective clothing. */
  reentry_hours?: number | undefined;
  organic_allowed: boolean;
  notes?: string | undefined;
  sources?: string[] | undefined;
}

/** What is wrong, and where in a row. */
export interface Problem {
  field: string;
  message: string;
}

/** A problem of a seed row: its file, the row's key, the field. */
export interface ProtectionProblem extends Problem {
  file: string;
  key: string;
}

/** What the checks need of a plant-catalogue family. */
export interface FamilyLinks {
  key: string;
  pests?: readonly string[] | undefined;
  pathogens?: readonly string[] | undefined;
  soil_borne?: readonly string[] | undefined;
}

/** A row of a seed file, as parsed (not yet known to be well-formed). */
export interface LocatedRow {
  file: string;
  row: Record<string, unknown>;
}

export type ProtectionRows = Record<ProtectionKind, LocatedRow[]>;

// ---------------------------------------------------------------------------------------------------
// Mode-of-action codes

/**
 * The code in its scheme's canonical form, or null when it is no code of that scheme.
 * - IRAC (insecticides, acaricides; version 11): a group number 1–99 with an optional sub-group letter
 *   (`1A`, `4A`, `11A`, `28`), `UN` with an optional letter for unknown modes (`UN`, `UNB`, `UNE`, `UNF`,
 *   `UNM`), and the nematicide groups written `N-` before the same forms (`N-3`, `N-UNF`).
 * - FRAC (fungicides, bactericides): a number 1–99 with an optional `.n` (`3`, `11`, `16.1`), the
 *   multi-site `M`, host-defence-inducer `P`, unknown `U` and biological `BM` groups with two digits
 *   (`M02`, `P07`, `U06`, `BM02` — the code list writes `M 02`; `M2` and `M 02` are read as `M02`), and `NC`.
 * - HRAC (herbicides): the global numeric groups of the 2020 classification, 0–99 (`0` = unknown). The
 *   pre-2020 letters (`G`, `C1`) are refused: they overlap (C1/C2 became 5) and are being replaced.
 */
export function normalizeModeOfActionCode(scheme: string, code: string): string | null {
  const c = code.replace(/\s+/g, '').toUpperCase();
  if (scheme === 'IRAC') {
    const nematicide = /^N-?(.+)$/.exec(c);
    const body = nematicide ? nematicide[1]! : c;
    const group = /^0*([1-9]\d?)([A-Z])?$/.exec(body);
    const canonical = group ? `${group[1]}${group[2] ?? ''}` : /^UN[A-Z]?$/.test(body) ? body : null;
    if (canonical === null) return null;
    return nematicide ? `N-${canonical}` : canonical;
  }
  if (scheme === 'FRAC') {
    const number = /^0*([1-9]\d?)(\.\d)?$/.exec(c);
    if (number) return `${number[1]}${number[2] ?? ''}`;
    const lettered = /^(M|P|U|BM)0*([1-9]\d?)$/.exec(c);
    if (lettered) return `${lettered[1]}${lettered[2]!.padStart(2, '0')}`;
    return c === 'NC' ? c : null;
  }
  if (scheme === 'HRAC') {
    const number = /^0*(\d{1,2})$/.exec(c);
    return number ? String(Number(number[1])) : null;
  }
  return null;
}

const FORMS: Record<MoaScheme, string> = {
  IRAC: 'an IRAC group such as 1A, 4A, 11A, 28 or UN (nematicides N-3)',
  FRAC: 'a FRAC code such as 3, 11, 16.1, M02, P07, U06, BM02 or NC',
  HRAC: 'an HRAC group number of the 2020 classification, 0–99',
};

/** Problems of a `{scheme, code}` pair: the scheme is one of IRAC, FRAC, HRAC and the code one of its. */
export function modeOfActionProblems(moa: unknown, field = 'mode_of_action'): Problem[] {
  if (moa === null || typeof moa !== 'object' || Array.isArray(moa))
    return [{ field, message: 'must be {scheme, code}' }];
  const { scheme, code, ...rest } = moa as Record<string, unknown>;
  const problems: Problem[] = Object.keys(rest).map((k) => ({
    field: `${field}.${k}`,
    message: 'is not a known field',
  }));
  if (typeof scheme !== 'string' || !(MOA_SCHEMES as readonly string[]).includes(scheme)) {
    problems.push({ field: `${field}.scheme`, message: `must be one of ${MOA_SCHEMES.join(', ')}` });
    return problems;
  }
  if (typeof code !== 'string' || code.trim() === '') {
    problems.push({ field: `${field}.code`, message: 'is required' });
  } else if (normalizeModeOfActionCode(scheme, code) === null) {
    const legacy = scheme === 'HRAC' && /^[A-Z]\d?$/i.test(code.trim());
    problems.push({
      field: `${field}.code`,
      message: legacy
        ? `"${code}" is a pre-2020 HRAC letter: use the group number of the current classification`
        : `"${code}" is not ${FORMS[scheme as MoaScheme]}`,
    });
  }
  return problems;
}

/**
 * Groups whose members share no known target site (IRAC UN…, FRAC U…, NC and BM, HRAC 0): using one
 * does not select for resistance to another, so the resistance rule counts their active ingredient instead.
 */
export function isUngroupedCode(scheme: MoaScheme, code: string): boolean {
  if (scheme === 'IRAC') return /^(N-)?UN[A-Z]?$/.test(code);
  if (scheme === 'FRAC') return /^(U\d+|NC|BM\d+)$/.test(code);
  return code === '0';
}

/** What the resistance rule and the chemical rule read of a treatment. */
export interface TreatmentChemistry {
  method: string;
  active_ingredient?: string | null | undefined;
  mode_of_action?: { scheme: string; code: string } | null | undefined;
  pre_harvest_interval_days?: number | null | undefined;
}

/**
 * What the resistance rule counts a treatment's uses by: its mode-of-action group (`IRAC 11A`, `FRAC M01`)
 * whenever it has a specific one — of any method, so Bacillus thuringiensis (IRAC 11A) counts with the
 * other 11A products — else its active ingredient (`ingredient:azadirachtin`, lower case), else null (a
 * predator, a net, a rotation: never counted).
 */
export function resistanceGroupOf(t: TreatmentChemistry): string | null {
  const moa = t.mode_of_action;
  if (moa && (MOA_SCHEMES as readonly string[]).includes(moa.scheme)) {
    const code = normalizeModeOfActionCode(moa.scheme, moa.code);
    if (code !== null && !isUngroupedCode(moa.scheme as MoaScheme, code)) return `${moa.scheme} ${code}`;
  }
  const ingredient = t.active_ingredient?.trim().replace(/\s+/g, ' ').toLowerCase();
  return ingredient ? `ingredient:${ingredient}` : null;
}

// ---------------------------------------------------------------------------------------------------
// One row's rules

/**
 * The chemical-treatment rule, for the seed and for a farm's request alike: a chemical treatment names
 * its active ingredient, its mode-of-action group (IRAC, FRAC or HRAC) and a pre-harvest interval of
 * whole days > 0. Other methods pass (their group and interval are optional).
 */
export function chemicalTreatmentProblems(t: TreatmentChemistry): Problem[] {
  if (t.method !== 'chemical') return [];
  const problems: Problem[] = [];
  const days = t.pre_harvest_interval_days;
  if (days === null || days === undefined)
    problems.push({ field: 'pre_harvest_interval_days', message: 'is required for a chemical treatment' });
  else if (!Number.isInteger(days) || days < 1)
    problems.push({ field: 'pre_harvest_interval_days', message: 'must be whole days > 0 for a chemical treatment' });
  if (typeof t.active_ingredient !== 'string' || t.active_ingredient.trim() === '')
    problems.push({ field: 'active_ingredient', message: 'is required for a chemical treatment' });
  if (t.mode_of_action === null || t.mode_of_action === undefined)
    problems.push({
      field: 'mode_of_action',
      message: 'is required for a chemical treatment: its IRAC, FRAC or HRAC group',
    });
  else problems.push(...modeOfActionProblems(t.mode_of_action));
  return problems;
}

type Raw = Record<string, unknown>;

/** Small field checks that name the field and say what it must be. */
function fields(row: Raw, problems: Problem[]) {
  const present = (field: string) => row[field] !== undefined && row[field] !== null;
  const need = (field: string, required: boolean) => {
    if (!present(field)) {
      if (required) problems.push({ field, message: 'is required' });
      return false;
    }
    return true;
  };
  const isText = (value: unknown, max: number) =>
    typeof value === 'string' && value.trim() !== '' && value.length <= max;
  return {
    text(field: string, required = true, max: number = PROTECTION_LIMITS.textLength) {
      if (need(field, required) && !isText(row[field], max))
        problems.push({ field, message: `must be text of 1–${max} characters` });
    },
    key(field: string) {
      if (need(field, true) && (typeof row[field] !== 'string' || !PROTECTION_KEY_PATTERN.test(row[field])))
        problems.push({ field, message: 'must be lower-case a–z, 0–9 and "-", at most 100 characters' });
    },
    oneOf(field: string, values: readonly string[], required = true) {
      if (need(field, required) && !values.includes(row[field] as string))
        problems.push({ field, message: `must be one of ${values.join(', ')}` });
    },
    bool(field: string, required = true) {
      if (need(field, required) && typeof row[field] !== 'boolean')
        problems.push({ field, message: 'must be true or false' });
    },
    int(field: string, [min, max]: readonly [number, number], required = false) {
      const value = row[field];
      if (need(field, required) && (!Number.isInteger(value) || (value as number) < min || (value as number) > max))
        problems.push({ field, message: `must be a whole number ${min}–${max}` });
    },
    list(field: string, item: 'key' | 'text', { required = false, min = 0 } = {}) {
      if (!need(field, required)) return;
      const value = row[field];
      if (!Array.isArray(value) || value.length < min || value.length > PROTECTION_LIMITS.listItems) {
        problems.push({ field, message: `must be a list of ${min}–${PROTECTION_LIMITS.listItems} entries` });
        return;
      }
      const seen = new Set<string>();
      value.forEach((entry: unknown, i) => {
        const ok =
          item === 'key'
            ? typeof entry === 'string' && PROTECTION_KEY_PATTERN.test(entry)
            : isText(entry, PROTECTION_LIMITS.textLength);
        if (!ok) problems.push({ field: `${field}[${i}]`, message: item === 'key' ? 'must be a key' : 'must be text' });
        else if (seen.has((entry as string).toLowerCase()))
          problems.push({ field: `${field}[${i}]`, message: `"${entry as string}" is listed twice` });
        else seen.add((entry as string).toLowerCase());
      });
    },
    only(known: readonly string[]) {
      for (const field of Object.keys(row))
        if (!known.includes(field)) problems.push({ field, message: 'is not a known field' });
    },
  };
}

const COMMON_FIELDS = ['key', 'name', 'host_families', 'catalog_names', 'symptoms', 'notes', 'sources'] as const;

/** A pest row's own problems (shape and rules), without the references across files. */
export function pestProblems(row: Raw): Problem[] {
  const problems: Problem[] = [];
  const f = fields(row, problems);
  f.only([...COMMON_FIELDS, 'scientific_name', 'kind', 'signs', 'lifecycle_days']);
  f.key('key');
  f.text('name', true, PROTECTION_LIMITS.nameLength);
  f.text('scientific_name', true, PROTECTION_LIMITS.nameLength);
  f.oneOf('kind', PEST_KINDS);
  f.list('host_families', 'key', { required: true, min: 1 });
  f.list('catalog_names', 'text');
  f.text('symptoms');
  f.list('signs', 'text', { required: true, min: 1 });
  f.int('lifecycle_days', PROTECTION_LIMITS.lifecycleDays);
  f.text('notes', false);
  f.list('sources', 'text');
  return problems;
}

/** A disease row's own problems: a pathogen unless physiological, none when it is; a disorder is not soil-borne. */
export function diseaseProblems(row: Raw): Problem[] {
  const problems: Problem[] = [];
  const f = fields(row, problems);
  f.only([...COMMON_FIELDS, 'pathogen', 'kind', 'soil_borne', 'favoured_by']);
  f.key('key');
  f.text('name', true, PROTECTION_LIMITS.nameLength);
  f.oneOf('kind', DISEASE_KINDS);
  if (row.kind === 'physiological') {
    if (row.pathogen !== undefined && row.pathogen !== null)
      problems.push({ field: 'pathogen', message: 'must be null for a physiological disorder' });
    if (row.soil_borne === true)
      problems.push({ field: 'soil_borne', message: 'cannot be true for a physiological disorder' });
  } else {
    f.text('pathogen', true, PROTECTION_LIMITS.nameLength);
  }
  f.list('host_families', 'key', { required: true, min: 1 });
  f.bool('soil_borne');
  f.list('catalog_names', 'text');
  f.text('symptoms');
  f.list('favoured_by', 'text', { required: true, min: 1 });
  f.text('notes', false);
  f.list('sources', 'text');
  return problems;
}

/**
 * A treatment row's own problems: at least one target, the chemical rule, a biological agent named, a
 * well-formed group whenever one is given, an interval that says whether it is typical or confirmed.
 */
export function treatmentProblems(row: Raw): Problem[] {
  const problems: Problem[] = [];
  const f = fields(row, problems);
  f.only([
    'key',
    'name',
    'method',
    'pests',
    'diseases',
    'description',
    'active_ingredient',
    'organism',
    'mode_of_action',
    'pre_harvest_interval_days',
    'interval_status',
    'reentry_hours',
    'organic_allowed',
    'notes',
    'sources',
  ]);
  f.key('key');
  f.text('name', true, PROTECTION_LIMITS.nameLength);
  f.oneOf('method', TREATMENT_METHODS);
  f.list('pests', 'key');
  f.list('diseases', 'key');
  const targets = [row.pests, row.diseases].reduce<number>((n, l) => n + (Array.isArray(l) ? l.length : 0), 0);
  if (targets === 0)
    problems.push({ field: 'pests', message: 'a treatment acts against at least one pest or disease' });
  f.text('description');
  f.text('active_ingredient', false, PROTECTION_LIMITS.nameLength);
  f.text('organism', false, PROTECTION_LIMITS.nameLength);
  if (row.method === 'biological' && (row.organism === undefined || row.organism === null))
    problems.push({ field: 'organism', message: 'is required for a biological treatment: name the organism' });
  f.int('pre_harvest_interval_days', PROTECTION_LIMITS.intervalDays);
  f.oneOf('interval_status', INTERVAL_STATUSES, false);
  const hasInterval = row.pre_harvest_interval_days !== undefined && row.pre_harvest_interval_days !== null;
  const hasStatus = row.interval_status !== undefined && row.interval_status !== null;
  if (hasInterval && !hasStatus)
    problems.push({ field: 'interval_status', message: 'is required with an interval: typical or confirmed' });
  if (!hasInterval && hasStatus)
    problems.push({ field: 'interval_status', message: 'is only given with a pre_harvest_interval_days' });
  f.int('reentry_hours', PROTECTION_LIMITS.reentryHours);
  f.bool('organic_allowed');
  f.text('notes', false);
  f.list('sources', 'text');
  const chemistry = row as unknown as TreatmentChemistry;
  const chemical = chemicalTreatmentProblems(chemistry);
  // The shape check above already names a malformed interval; keep one problem a field.
  problems.push(...chemical.filter((p) => !problems.some((q) => q.field === p.field)));
  if (row.method !== 'chemical' && row.mode_of_action !== undefined && row.mode_of_action !== null)
    problems.push(...modeOfActionProblems(row.mode_of_action));
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// The seed files

/**
 * Parses the seed files (`pests.yaml`, `diseases.yaml`, `treatments.yaml`): each must be a list of
 * mappings. Pure but for the YAML parser; returns the rows by kind and the problems of the files.
 */
export function parseProtectionFiles(files: ReadonlyArray<{ path: string; text: string }>): {
  rows: ProtectionRows;
  problems: ProtectionProblem[];
} {
  const rows: ProtectionRows = { pests: [], diseases: [], treatments: [] };
  const problems: ProtectionProblem[] = [];
  const kindOf = new Map<string, ProtectionKind>(
    Object.entries(PROTECTION_FILES).map(([kind, file]) => [file, kind as ProtectionKind]),
  );
  const seen = new Set<ProtectionKind>();
  for (const file of files) {
    const at = (key: string, field: string, message: string) => problems.push({ file: file.path, key, field, message });
    const kind = kindOf.get(file.path.split('/').pop()!);
    if (!kind) {
      at('(file)', '(file)', `is not one of ${Object.values(PROTECTION_FILES).join(', ')}`);
      continue;
    }
    seen.add(kind);
    let doc: unknown;
    try {
      doc = parse(file.text, { uniqueKeys: true });
    } catch (error) {
      const line = error instanceof YAMLParseError ? error.linePos?.[0]?.line : undefined;
      at('(file)', line ? `line ${line}` : '(file)', (error as Error).message.split('\n')[0] ?? 'is not valid YAML');
      continue;
    }
    if (doc === null || doc === undefined) continue;
    if (!Array.isArray(doc)) {
      at('(file)', '(file)', 'must be a list of rows');
      continue;
    }
    doc.forEach((raw: unknown, index) => {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        at(`(row ${index + 1})`, '(row)', 'must be a mapping');
      else rows[kind].push({ file: file.path, row: raw as Raw });
    });
  }
  for (const kind of Object.keys(PROTECTION_FILES) as ProtectionKind[])
    if (!seen.has(kind))
      problems.push({ file: PROTECTION_FILES[kind], key: '(file)', field: '(file)', message: 'is missing' });
  return { rows, problems };
}

const ROW_RULES: Record<ProtectionKind, (row: Raw) => Problem[]> = {
  pests: pestProblems,
  diseases: diseaseProblems,
  treatments: treatmentProblems,
};

const lower = (name: string) => name.trim().toLowerCase();

/**
 * Rules only the shipped rows obey: every seeded interval is `typical` (a farm confirms it for its own
 * product), and mode-of-action codes are written in their canonical form so equal groups compare equal.
 */
export function seededTreatmentProblems(row: Raw): Problem[] {
  const problems: Problem[] = [];
  if (row.interval_status === 'confirmed')
    problems.push({
      field: 'interval_status',
      message: 'is typical in the seed: intervals depend on the product, crop and country, so only a farm confirms one',
    });
  const moa = row.mode_of_action as { scheme?: unknown; code?: unknown } | undefined;
  if (moa && typeof moa.scheme === 'string' && typeof moa.code === 'string') {
    const canonical = normalizeModeOfActionCode(moa.scheme, moa.code);
    if (canonical !== null && canonical !== moa.code)
      problems.push({ field: 'mode_of_action.code', message: `is written "${canonical}" in the seed` });
  }
  return problems;
}

/**
 * Everything wrong with the parsed seed rows as a whole: each row by its rules, keys unique across the
 * three files, names unique within a kind, treatments naming pests and diseases the files hold, host
 * families the plant catalogue holds, and the links to the families' lists: every `catalog_names` entry
 * is spelled as a family lists it, each family listing it is among the row's hosts, one name links to
 * one row, and a disease a family lists as soil-borne is `soil_borne: true`.
 */
export function protectionSeedProblems(rows: ProtectionRows, families: readonly FamilyLinks[]): ProtectionProblem[] {
  const problems: ProtectionProblem[] = [];
  const add = (at: LocatedRow, list: Problem[]) => {
    const key = typeof at.row.key === 'string' ? at.row.key : '(no key)';
    problems.push(...list.map((p) => ({ file: at.file, key, ...p })));
  };

  const keys = new Map<string, string>();
  const keysOf = { pests: new Set<string>(), diseases: new Set<string>(), treatments: new Set<string>() };
  for (const kind of Object.keys(PROTECTION_FILES) as ProtectionKind[]) {
    const names = new Map<string, string>();
    for (const at of rows[kind]) {
      add(at, ROW_RULES[kind](at.row));
      if (kind === 'treatments') add(at, seededTreatmentProblems(at.row));
      const key = at.row.key;
      if (typeof key === 'string') {
        if (keys.has(key)) add(at, [{ field: 'key', message: `is also the key of a row in ${keys.get(key)}` }]);
        else keys.set(key, at.file);
        keysOf[kind].add(key);
      }
      if (typeof at.row.name === 'string') {
        const name = lower(at.row.name);
        if (names.has(name)) add(at, [{ field: 'name', message: `is also the name of ${names.get(name)}` }]);
        else names.set(name, String(key));
      }
    }
  }

  for (const at of rows.treatments) {
    for (const [field, kind] of [
      ['pests', 'pests'],
      ['diseases', 'diseases'],
    ] as const) {
      const list = at.row[field];
      if (!Array.isArray(list)) continue;
      list.forEach((target: unknown, i) => {
        if (typeof target === 'string' && !keysOf[kind].has(target))
          add(at, [{ field: `${field}[${i}]`, message: `"${target}" is not a key of ${PROTECTION_FILES[kind]}` }]);
      });
    }
  }

  const familyKeys = new Set(families.map((f) => f.key));
  // name (lower case) → the families listing it, per kind of list
  const listed = (lists: Array<'pests' | 'pathogens' | 'soil_borne'>) => {
    const index = new Map<string, Set<string>>();
    for (const family of families)
      for (const list of lists)
        for (const name of family[list] ?? []) {
          const set = index.get(lower(name)) ?? new Set<string>();
          set.add(family.key);
          index.set(lower(name), set);
        }
    return index;
  };
  const pestNames = listed(['pests', 'soil_borne']);
  const diseaseNames = listed(['pathogens', 'soil_borne']);
  const soilBorne = listed(['soil_borne']);

  for (const [kind, index] of [
    ['pests', pestNames],
    ['diseases', diseaseNames],
  ] as const) {
    const claimed = new Map<string, string>();
    for (const at of rows[kind]) {
      const hosts = Array.isArray(at.row.host_families) ? (at.row.host_families as unknown[]) : [];
      hosts.forEach((family, i) => {
        if (typeof family === 'string' && !familyKeys.has(family))
          add(at, [{ field: `host_families[${i}]`, message: `"${family}" is not a family of the plant catalogue` }]);
      });
      const names = Array.isArray(at.row.catalog_names) ? (at.row.catalog_names as unknown[]) : [];
      names.forEach((name, i) => {
        if (typeof name !== 'string') return;
        const field = `catalog_names[${i}]`;
        const listing = index.get(lower(name));
        if (!listing) {
          const lists = kind === 'pests' ? 'pests or soil_borne' : 'pathogens or soil_borne';
          add(at, [{ field, message: `"${name}" is in no family's ${lists} list (spell it as the family does)` }]);
          return;
        }
        const missing = [...listing].filter((family) => !hosts.includes(family)).sort();
        if (missing.length > 0)
          add(at, [{ field: 'host_families', message: `lacks ${missing.join(', ')}, which list "${name}"` }]);
        const owner = claimed.get(lower(name));
        if (owner !== undefined && owner !== at.row.key)
          add(at, [{ field, message: `"${name}" is already linked to ${owner}` }]);
        else claimed.set(lower(name), String(at.row.key));
        if (kind === 'diseases' && soilBorne.has(lower(name)) && at.row.soil_borne === false)
          add(at, [
            {
              field: 'soil_borne',
              message: `must be true: ${[...soilBorne.get(lower(name))!].sort().join(', ')} list "${name}" as soil-borne`,
            },
          ]);
      });
    }
  }

  // One problem a field, in file, key and field order.
  const seen = new Set<string>();
  const order = (p: ProtectionProblem) => `${p.file}\0${p.key}\0${p.field}`;
  return problems
    .filter((p) => (seen.has(order(p)) ? false : (seen.add(order(p)), true)))
    .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/**
 * Parses and checks the protection seed against the plant catalogue's families. Pure but for the YAML
 * parser; the loader refuses to load while `problems` is not empty.
 */
export function checkProtectionSeed(
  files: ReadonlyArray<{ path: string; text: string }>,
  families: readonly FamilyLinks[],
): { rows: ProtectionRows; problems: ProtectionProblem[] } {
  const parsed = parseProtectionFiles(files);
  return { rows: parsed.rows, problems: [...parsed.problems, ...protectionSeedProblems(parsed.rows, families)] };
}
