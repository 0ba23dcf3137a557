import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Name, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import { CHANNELS } from './fertilizers.tables.js';
import { MAX_WEEK, SUBSTRATES } from './plans.engine.js';

const ClientId = Type.Optional(
  Type.String({ format: 'uuid', description: 'A client-made id: a resend with the same body makes nothing twice' }),
);
const Week = (what: string) =>
  Type.Integer({ minimum: 1, maximum: MAX_WEEK, description: `${what} (1–52, inclusive)` });
const Notes = (max: number) => Type.String({ maxLength: max });

const Dosage = Type.Object(
  {
    fertilizer_id: Uuid,
    dose_per_l: Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'ml/L (liquid) or g/L (powder)' }),
  },
  { additionalProperties: false },
);

const ChannelEntry = Type.Object(
  {
    channel: OneOf([...CHANNELS]),
    target_ec: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'mS/cm' }))),
    target_ph: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 14 }))),
    dosages: Type.Optional(
      Type.Array(Dosage, {
        maxItems: 30,
        description: 'What goes in, per litre; a product that is not tank-safe never in fertigation',
      }),
    ),
  },
  { additionalProperties: false },
);

const Entry = Type.Object(
  {
    phase: Type.String({
      pattern: '^[a-z][a-z0-9_-]{0,39}$',
      description: 'A catalogue phase’s key (seedling, vegetative, flowering …); with a species, one of its phases',
    }),
    week_start: Week('The first week'),
    week_end: Week('The last week, not before the first'),
    notes: Type.Optional(Notes(1000)),
    channels: Type.Array(ChannelEntry, { minItems: 1, maxItems: 4, description: 'Each channel at most once' }),
  },
  { additionalProperties: false },
);

const planFields = {
  name: Name,
  substrate: OneOf([...SUBSTRATES]),
  notes: Type.Optional(Notes(4000)),
  species: Type.Optional(
    Nullable(
      Type.String({ minLength: 1, maxLength: 100, description: 'The species it is for (id or key); null: any' }),
    ),
  ),
};

export const NewPlanBody = Type.Object(
  {
    id: ClientId,
    ...planFields,
    entries: Type.Array(Entry, {
      maxItems: 100,
      description: 'Phase entries; gaps and shared weeks are allowed while writing and reported by …/validate',
    }),
  },
  { additionalProperties: false },
);
export type NewPlan = Static<typeof NewPlanBody>;
export type PlanEntryInput = Static<typeof Entry>;

export const PlanPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    substrate: Type.Optional(planFields.substrate),
    notes: planFields.notes,
    species: planFields.species,
    entries: Type.Optional(NewPlanBody.properties.entries),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PlanPatch = Static<typeof PlanPatchBody>;

export const ClonePlanBody = Type.Object({ id: ClientId, name: Name }, { additionalProperties: false });
export type ClonePlan = Static<typeof ClonePlanBody>;

export const PlanParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });
export const PlanWeekParams = Type.Object({
  farm: FarmParams.properties.farm,
  id: Uuid,
  week: Type.Integer({ minimum: 1, maximum: MAX_WEEK }),
});
export const PlanQuery = Type.Object({
  limit: PageLimit(),
  cursor: Type.Optional(Type.String({ maxLength: 400, description: 'The next_cursor of the page before' })),
});

const DosageView = Type.Object({
  fertilizer_id: Uuid,
  product: Type.String(),
  dose_per_l: Type.Number(),
  unit: OneOf(['ml/L', 'g/L']),
});
const ChannelView = Type.Object({
  channel: OneOf([...CHANNELS]),
  target_ec: Nullable(Type.Number()),
  target_ph: Nullable(Type.Number()),
  dosages: Type.Array(DosageView),
});
export const EntryView = Type.Object({
  id: Uuid,
  position: Type.Integer(),
  phase: Type.String(),
  week_start: Type.Integer(),
  week_end: Type.Integer(),
  notes: Type.String(),
  channels: Type.Array(ChannelView),
});

const planHead = {
  id: Uuid,
  name: Type.String(),
  substrate: OneOf([...SUBSTRATES]),
  notes: Type.String(),
  species_id: Nullable(Uuid),
  cloned_from_id: Nullable(Uuid),
  created_at: DateTime,
  updated_at: DateTime,
};
export const PlanView = Type.Object({ ...planHead, entries: Type.Array(EntryView) });
export const PlanSummary = Type.Object({
  ...planHead,
  entries: Type.Integer({ description: 'How many phase entries it has' }),
  weeks: Nullable(Type.Object({ first: Type.Integer(), last: Type.Integer() })),
});
export const PlanPage = Page(PlanSummary);

const Problem = Type.Object({
  kind: OneOf(['late_start', 'gap', 'overlap']),
  weeks: Type.Array(Type.Integer()),
  entries: Type.Array(Type.Integer(), { description: 'The entries’ positions it lies between' }),
  message: Type.String(),
});
export const PlanReportView = Type.Object({
  plan_id: Uuid,
  valid: Type.Boolean(),
  problems: Type.Array(Type.String(), { description: 'Problems of the plan as a whole' }),
  channels: Type.Array(Type.Object({ channel: OneOf([...CHANNELS]), problems: Type.Array(Problem) })),
});
export const PlanWeekView = Type.Object({
  plan_id: Uuid,
  week: Type.Integer(),
  entries: Type.Array(EntryView, { description: 'The entries whose weeks hold this one (none: the plan is silent)' }),
});
