import {
  familyInputOf,
  overridden,
  phaseInputOf,
  shortDayLight,
  speciesInputOf,
  type Warning,
} from './catalog.engine.js';
import type { CultivarRow, FamilyRow, PhaseRow, SequenceWithPhases, SpeciesRow } from './catalog.repository.js';
import type { StarterKit } from './catalog.reads.js';
import type { Paged, SpeciesDetail } from './catalog.service.js';

const origin = (farmId: string | null) => (farmId === null ? ('global' as const) : ('farm' as const));

const times = (row: { retired_at: Date | null; created_at: Date; updated_at: Date }) => ({
  retired_at: row.retired_at?.toISOString() ?? null,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

export function familyView(row: FamilyRow) {
  const { key: _key, ...fields } = familyInputOf(row);
  return { id: row.id, key: row.key, origin: origin(row.farm_id), ...fields, ...times(row) };
}

export function phaseView(row: PhaseRow) {
  return { id: row.id, position: row.position ?? 0, ...phaseInputOf(row) };
}

export function sequenceView(row: SequenceWithPhases, phases: PhaseRow[] = row.phases) {
  return {
    id: row.id,
    key: row.key,
    origin: origin(row.farm_id),
    lifecycle: row.lifecycle,
    dormancy_required: row.dormancy_required,
    vernalization_required: row.vernalization_required,
    restart_phase: row.restart_phase,
    phases: phases.map(phaseView),
    ...times(row),
  };
}

export const sequenceWrittenView = ({ sequence, warnings }: { sequence: SequenceWithPhases; warnings: Warning[] }) => ({
  ...sequenceView(sequence),
  warnings,
});

export function speciesView(row: SpeciesRow) {
  const { key: _key, family: _family, sequence: _sequence, ...fields } = speciesInputOf(row, '', '');
  return {
    id: row.id,
    key: row.key,
    origin: origin(row.farm_id),
    ...fields,
    family: { id: row.family_id, key: row.family_key, name: row.family_name },
    sequence: { id: row.sequence_id, key: row.sequence_key },
    ...times(row),
  };
}

export function cultivarView(row: CultivarRow) {
  return {
    id: row.id,
    key: row.key,
    origin: origin(row.farm_id),
    species: { id: row.species_id, key: row.species_key, scientific_name: row.species_name },
    name: row.name,
    breeder: row.breeder,
    days_to_maturity: row.days_to_maturity,
    traits: row.traits,
    resistances: row.resistances,
    sources: row.sources,
    ...times(row),
  };
}

/** The sequence's phases as this species lives them: its overrides, and short days from flowering on for a short-day species. */
function speciesPhases({ species, sequence }: SpeciesDetail) {
  const phases = sequence.phases.map((p) => overridden(p, species.phase_overrides));
  const light = shortDayLight(
    phases.map((p) => ({ key: p.key, position: p.position ?? 0, profile: { photoperiodH: p.photoperiod_h } })),
    species.photoperiod,
    species.critical_day_length_h,
  );
  return phases.map((p, i) => ({ ...p, photoperiod_h: light[i]!.profile.photoperiodH }));
}

/** A species' page: its family, its sequence with the species' overrides applied to the phases, its cultivars. */
export function speciesDetailView(detail: SpeciesDetail) {
  const { species, family, sequence, cultivars } = detail;
  return {
    ...speciesView(species),
    family: familyView(family),
    sequence: sequenceView(sequence, speciesPhases(detail)),
    cultivars: cultivars.map(cultivarView),
  };
}

export const pageView = <T, V>(page: Paged<T>, view: (row: T) => V) => ({
  data: page.rows.map((row) => view(row)),
  next_cursor: page.nextCursor,
});

export const starterKitView = (kit: StarterKit) => ({
  key: kit.key,
  names: kit.names,
  descriptions: kit.descriptions,
  places: kit.places.map((p) => ({
    key: p.key,
    type: p.type,
    names: p.names,
    code: p.code ?? null,
    parent: p.parent ?? null,
    slots: p.slots ?? 0,
  })),
  plants_at: kit.plantsAt,
  species: kit.species,
  suggested_plants: kit.suggestedPlants,
  max_plants: kit.suggestedPlants * 3,
});
