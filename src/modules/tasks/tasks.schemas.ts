import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import { TASK_KINDS, TASK_STATUSES } from './tasks.tables.js';

const Kind = OneOf([...TASK_KINDS]);
const Status = OneOf([...TASK_STATUSES], { description: 'open | done | skipped' });
const Title = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Notes = Type.String({ maxLength: 5000 });
const Note = Type.String({ maxLength: 2000 });
const About = {
  plant_id: Type.Optional(Nullable(Uuid)),
  run_id: Type.Optional(Nullable(Uuid)),
  location_id: Type.Optional(Nullable(Uuid)),
  hive_id: Type.Optional(Nullable(Uuid)),
};

export const TaskParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

export const NewTaskBody = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'Made by the client: the same id and body again answer the task (200)',
      }),
    ),
    title: Title,
    kind: Type.Optional(Kind),
    due_at: DateTime,
    assignee_id: Type.Optional(Nullable(Uuid)),
    notes: Type.Optional(Notes),
    ...About,
  },
  { additionalProperties: false },
);
export type NewTask = Static<typeof NewTaskBody>;

export const TaskPatchBody = Type.Object(
  {
    title: Type.Optional(Title),
    kind: Type.Optional(Kind),
    due_at: Type.Optional(DateTime),
    assignee_id: Type.Optional(Nullable(Uuid)),
    notes: Type.Optional(Notes),
    ...About,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TaskPatch = Static<typeof TaskPatchBody>;

export const TasksQuerystring = Type.Object(
  {
    due_before: Type.Optional(DateTime),
    assignee: Type.Optional(
      Type.Union([Uuid, Type.Literal('me'), Type.Literal('none')], {
        description: "A member's id, `me`, or `none` (unassigned)",
      }),
    ),
    status: Type.Optional(Status),
    kind: Type.Optional(Kind),
    source: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' })),
    hive_id: Type.Optional(Uuid),
    plant_id: Type.Optional(Uuid),
    limit: PageLimit(200, 100),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type TasksQuery = Static<typeof TasksQuerystring>;

export const CompleteBody = Type.Object(
  {
    id: Type.String({
      format: 'uuid',
      description: 'The completion’s id, made by the client: the same id and body again answer 200',
    }),
    done_at: Type.Optional(Type.String({ format: 'date-time', description: 'When it was done (now when absent)' })),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);
export type Complete = Static<typeof CompleteBody>;

export const SkipBody = Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false });
export type Skip = Static<typeof SkipBody>;

export const SnoozeBody = Type.Object(
  {
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'Whole days, at least 1' })),
    until: Type.Optional(
      Type.String({
        minLength: 10,
        maxLength: 40,
        description: 'A time (ISO 8601) or a local day (YYYY-MM-DD, its start in the farm’s zone) after now',
      }),
    ),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    description: '`{"days": n}` (a whole number, at least 1) or `{"until": time or day}` in the future',
  },
);
export type SnoozeInput = Static<typeof SnoozeBody>;

export const TaskView = Type.Object({
  id: Uuid,
  title: Type.String(),
  kind: Kind,
  due_at: DateTime,
  assignee_id: Nullable(Uuid),
  plant_id: Nullable(Uuid),
  run_id: Nullable(Uuid),
  location_id: Nullable(Uuid),
  hive_id: Nullable(Uuid),
  source: Type.String(),
  key: Type.String(),
  notes: Type.String(),
  status: Status,
  done_at: Nullable(DateTime),
  skipped_at: Nullable(DateTime),
  closed_by: Nullable(Uuid),
  completion_id: Nullable(Uuid),
  close_note: Nullable(Type.String()),
  created_by: Nullable(Uuid),
  created_at: DateTime,
  updated_at: DateTime,
});

export const TaskPage = Page(TaskView);

export const TodayView = Type.Object({
  data: Type.Array(
    Type.Object({
      farm: Type.Object({ id: Uuid, slug: Type.String(), name: Type.String(), time_zone: Type.String() }),
      role: Type.String(),
      day: Type.String({ description: 'The farm’s local day (YYYY-MM-DD)' }),
      tasks: Type.Array(TaskView),
    }),
  ),
});
