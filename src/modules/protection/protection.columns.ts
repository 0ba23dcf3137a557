/**
 * A pest's, a disease's or a treatment's row as stored, from what a seed file or a request states:
 * trimmed text, lists kept as given, the mode-of-action code in its scheme's canonical form (so equal
 * groups compare equal in the resistance rule). Pure.
 */
import { normalizeModeOfActionCode, type ModeOfAction } from './protection.seed-rules.js';
import type { DiseaseTable, PestTable, TreatmentTable } from './protection.tables.js';

const trimmed = (v: string | null | undefined) => (v === null || v === undefined ? null : v.trim());

export interface PestInput {
  name: string;
  scientific_name: string;
  kind: PestTable['kind'];
  symptoms: string;
  signs?: string[] | undefined;
  lifecycle_days?: number | null | undefined;
  catalog_names?: string[] | undefined;
  notes?: string | null | undefined;
  sources?: string[] | undefined;
}

export function pestColumns(p: PestInput) {
  return {
    name: p.name.trim(),
    scientific_name: p.scientific_name.trim(),
    kind: p.kind,
    symptoms: p.symptoms.trim(),
    signs: p.signs ?? [],
    lifecycle_days: p.lifecycle_days ?? null,
    catalog_names: p.catalog_names ?? [],
    notes: p.notes?.trim() ?? '',
    sources: p.sources ?? [],
  };
}

export interface DiseaseInput {
  name: string;
  pathogen?: string | null | undefined;
  kind: DiseaseTable['kind'];
  soil_borne?: boolean | undefined;
  symptoms: string;
  favoured_by?: string[] | undefined;
  catalog_names?: string[] | undefined;
  notes?: string | null | undefined;
  sources?: string[] | undefined;
}

export function diseaseColumns(d: DiseaseInput) {
  return {
    name: d.name.trim(),
    pathogen: trimmed(d.pathogen),
    kind: d.kind,
    soil_borne: d.soil_borne ?? false,
    symptoms: d.symptoms.trim(),
    favoured_by: d.favoured_by ?? [],
    catalog_names: d.catalog_names ?? [],
    notes: d.notes?.trim() ?? '',
    sources: d.sources ?? [],
  };
}

export interface TreatmentInput {
  name: string;
  method: TreatmentTable['method'];
  description: string;
  active_ingredient?: string | null | undefined;
  organism?: string | null | undefined;
  mode_of_action?: ModeOfAction | { scheme: string; code: string } | null | undefined;
  pre_harvest_interval_days?: number | null | undefined;
  interval_status?: 'typical' | 'confirmed' | null | undefined;
  reentry_hours?: number | null | undefined;
  organic_allowed?: boolean | undefined;
  notes?: string | null | undefined;
  sources?: string[] | undefined;
}

/** Stored columns; the interval's status is `typical` unless stated (and none without an interval). */
export function treatmentColumns(t: TreatmentInput) {
  const moa = t.mode_of_action ?? null;
  const days = t.pre_harvest_interval_days ?? null;
  return {
    name: t.name.trim(),
    method: t.method,
    description: t.description.trim(),
    active_ingredient: trimmed(t.active_ingredient),
    organism: trimmed(t.organism),
    moa_scheme: (moa?.scheme ?? null) as TreatmentTable['moa_scheme'],
    moa_code: moa ? (normalizeModeOfActionCode(moa.scheme, moa.code) ?? moa.code) : null,
    pre_harvest_interval_days: days,
    interval_status: days === null ? null : (t.interval_status ?? 'typical'),
    reentry_hours: t.reentry_hours ?? null,
    organic_allowed: t.organic_allowed ?? false,
    notes: t.notes?.trim() ?? '',
    sources: t.sources ?? [],
  };
}
