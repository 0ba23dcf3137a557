import { Type, type TSchema } from 'typebox';

/**
 * The request and response primitives every module's schemas build on: ids, times, the farm in the
 * path, nullable fields and pages. Defined once here so an id or a time reads the same in every route.
 */
export const Uuid = Type.String({ format: 'uuid' });
export const DateTime = Type.String({ format: 'date-time' });
export const Email = Type.String({
  format: 'email',
  maxLength: 254,
  description: 'Email address (matched case-insensitively)',
});
/** A name: services store it trimmed, so it needs a character that is not white space (`\S`, what trim() keeps). */
export const Name = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: 'At least one character that is not white space',
});
export const TimeZone = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'IANA time zone, e.g. Asia/Phnom_Penh',
  examples: ['Europe/Berlin'],
});
export const RoleSchema = Type.Union(
  [Type.Literal('viewer'), Type.Literal('worker'), Type.Literal('manager'), Type.Literal('admin')],
  { description: 'viewer < worker < manager < admin' },
);

/** The farm of a farm-scoped route (`/api/v1/farms/{farm}/…`): its id or its slug. */
export const FarmParams = Type.Object({
  farm: Type.String({ minLength: 1, maxLength: 64, description: 'Farm id or slug' }),
});

/** A field that may be null. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** One of a constant list of strings (an `enum` in the schema), keeping the literal types. */
export const OneOf = <const T extends string[]>(values: readonly [...T], options: { description?: string } = {}) =>
  Type.Enum(values, options);

/** `?limit=` of a list: at least 1, at most `max`, `fallback` when absent. */
export const PageLimit = (max = 200, fallback = 50) =>
  Type.Optional(Type.Integer({ minimum: 1, maximum: max, default: fallback }));

/** A page of a list: its rows and the cursor of the next page (null on the last). */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) });
