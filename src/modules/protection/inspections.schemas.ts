import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import { INSPECTION_URGENCIES, PRESSURE_LEVELS } from './protection.engine.js';

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD, farm-local' });
const Notes = Type.String({ maxLength: 2000 });
const Pressure = OneOf([...PRESSURE_LEVELS], {
  description: 'The pest and disease pressure found: none, low, medium, high or critical',
});
const PlantRef = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });
const CatalogueIds = (what: string) =>
  Type.Array(Uuid, {
    maxItems: 50,
    description: `The ${what} found: ids of the protection catalogue (Croft's or the farm's own; any other: 400)`,
  });

export const InspectionParams = Type.Object({
  farm: FarmParams.properties.farm,
  id: Type.String({ format: 'uuid', description: 'The inspection' }),
});

export const InspectionBody = Type.Object(
  {
    id: Type.Optional(Uuid),
    plant: Type.Optional(PlantRef('The plant inspected (its id or label); or run, or location')),
    run: Type.Optional(
      Type.String({ format: 'uuid', description: 'The planting run inspected; or plant, or location' }),
    ),
    location: Type.Optional(
      Type.String({ format: 'uuid', description: 'The location inspected (a bed, a house …); or plant, or run' }),
    ),
    inspected_on: Type.Optional(
      Type.String({ format: 'date', description: 'YYYY-MM-DD, farm-local; today or earlier (today when absent)' }),
    ),
    pressure: Pressure,
    pests: Type.Optional(CatalogueIds('pests')),
    diseases: Type.Optional(CatalogueIds('diseases')),
    notes: Type.Optional(Notes),
  },
  {
    additionalProperties: false,
    description:
      'An inspection: exactly one of plant, run or location, the farm-local day (today or earlier), the pressure ' +
      'found, and the catalogue’s pests and diseases seen',
  },
);
export type InspectionInput = Static<typeof InspectionBody>;

export const InspectionsQuery = Type.Object({
  plant: Type.Optional(PlantRef('Inspections of this plant (id or label)')),
  run: Type.Optional(Type.String({ format: 'uuid', description: 'Inspections of this run as a whole' })),
  location: Type.Optional(Type.String({ format: 'uuid', description: 'Inspections of this location itself' })),
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  limit: PageLimit(200, 50),
  cursor: Type.Optional(Type.String({ maxLength: 100, description: 'next_cursor of the page before' })),
});
export type InspectionsFilter = Static<typeof InspectionsQuery>;

const Found = Type.Object({ id: Uuid, name: Type.String() });

export const InspectionView = Type.Object({
  id: Uuid,
  plant_id: Nullable(Uuid),
  run_id: Nullable(Uuid),
  location_id: Nullable(Uuid),
  inspected_on: Day,
  pressure: Pressure,
  pests: Type.Array(Found),
  diseases: Type.Array(Found),
  notes: Nullable(Type.String()),
  user_id: Nullable(Uuid),
  created_at: DateTime,
});
export const InspectionPage = Page(InspectionView);

export const NextInspectionView = Type.Object(
  {
    due: Type.String({ format: 'date', description: 'The farm-local day the next inspection is due' }),
    interval_days: Nullable(
      Type.Integer({ description: 'max(1, 7 × phase factor × pressure factor), whole days; null: never inspected' }),
    ),
    days_until: Type.Integer({ description: 'Days from the farm’s today to the due day (negative: overdue)' }),
    urgency: OneOf([...INSPECTION_URGENCIES], {
      description: 'overdue; due_today (< 1 day); due_soon (< 3 days); scheduled',
    }),
  },
  {
    description:
      'When the target is next due, from its latest inspection (its day and pressure) and the phase of its plants ' +
      '(a run’s or a location’s: the most demanding phase among its growing plants); a task in the task list',
  },
);

export const InspectionCreatedView = Type.Object({
  ...InspectionView.properties,
  next_inspection: Type.Union([NextInspectionView, Type.Null()], {
    description: 'Null when the target no longer grows (a removed plant; a completed or cancelled run)',
  }),
});
