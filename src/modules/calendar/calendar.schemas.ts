import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, Uuid } from '../../platform/http/schemas.js';

export const NewFeedBody = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: '\\S',
        description: 'What the feed is for, to tell your feeds apart (default "Croft calendar")',
      }),
    ),
  },
  { additionalProperties: false },
);
export type NewFeed = Static<typeof NewFeedBody>;

export const FeedParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

/** The token is checked by the service (an unknown one, of any shape, is simply not found). */
export const TokenParams = Type.Object({ token: Type.String({ maxLength: 100 }) });

export const FeedView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    created_by: Type.Object({ id: Uuid }),
    created_at: DateTime,
    last_fetched_at: Nullable(DateTime),
  },
  { additionalProperties: false },
);

export const CreatedFeedView = Type.Object(
  {
    ...FeedView.properties,
    url: Type.String({ description: 'The secret address of the feed, shown this once: whoever has it can read it' }),
    webcal_url: Type.String({ description: 'The same address as webcal://, which phones open as a subscription' }),
  },
  { additionalProperties: false },
);

export const FeedList = Type.Object({ data: Type.Array(FeedView) }, { additionalProperties: false });

export const ICalendar = Type.String({ description: 'text/calendar (iCalendar, RFC 5545)' });
