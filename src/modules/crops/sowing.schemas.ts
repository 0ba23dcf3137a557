import { Type, type Static } from 'typebox';
import { FarmParams, Nullable, OneOf, PageLimit, Uuid } from '../../platform/http/schemas.js';
import { CATEGORIES } from '../catalog/index.js';

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const MonthDay = Type.String({ description: 'Month and day, "MM-DD"' });
const SpeciesKey = '[a-z0-9][a-z0-9-]{0,99}';
/** At most this many species named in one `?species=`. */
export const SPECIES_FILTER_MAX = 50;

export const SiteParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

export const SowingCalendarQuery = Type.Object(
  {
    year: Type.Optional(
      Type.Integer({ minimum: 1900, maximum: 2200, description: 'The calendar year (default: this year at the farm)' }),
    ),
    species: Type.Optional(
      Type.String({
        pattern: `^${SpeciesKey}(,${SpeciesKey})*$`,
        maxLength: 5100,
        description: `Only these species, by key, comma-separated (at most ${SPECIES_FILTER_MAX})`,
      }),
    ),
    category: Type.Optional(OneOf(CATEGORIES)),
    limit: PageLimit(500, 100),
    cursor: Type.Optional(
      Type.String({ pattern: `^${SpeciesKey}$`, description: 'The previous page’s next_cursor (a species key)' }),
    ),
  },
  { additionalProperties: false },
);
export type SowingCalendarFilter = Static<typeof SowingCalendarQuery>;

const CalendarWindow = Type.Object(
  {
    start: Day,
    end: Day,
    from_previous_year: Type.Boolean({ description: 'The window began before 1 January (this piece is its end)' }),
    into_next_year: Type.Boolean({ description: 'The window goes on after 31 December (this piece is its start)' }),
  },
  { additionalProperties: false },
);
const Windows = (what: string) => Type.Array(CalendarWindow, { description: `${what}, in date order` });

const Assumed = Type.Object(
  {
    name: OneOf(['last_frost', 'first_frost', 'frost_safe', 'wet_season', 'southern_months']),
    value: Type.String(),
    reason: Type.String(),
  },
  { additionalProperties: false },
);

export const SowingCalendarView = Type.Object(
  {
    site: Type.Object({ id: Uuid, name: Type.String() }, { additionalProperties: false }),
    year: Type.Integer(),
    latitude: Type.Number(),
    latitude_source: OneOf(['site', 'farm'], {
      description: 'The site’s geometry (its centroid), else the farm’s latitude',
    }),
    hemisphere: OneOf(['north', 'south']),
    climate: OneOf(['temperate', 'frost-free'], {
      description: 'frost-free: a site without frost dates at |latitude| < 23.4°',
    }),
    frost: Nullable(
      Type.Object(
        { last: MonthDay, first: MonthDay, safe: MonthDay },
        {
          additionalProperties: false,
          description: 'The frost dates in use (the site’s, or the defaults named in `defaults`); null when frost-free',
        },
      ),
    ),
    defaults: Type.Array(Assumed, {
      description: 'What the calendar assumed because the site or a species of this page did not say',
    }),
    data: Type.Array(
      Type.Object(
        {
          species: Type.Object(
            {
              id: Uuid,
              key: Type.String(),
              scientific_name: Type.String(),
              common_names: Type.Record(Type.String(), Type.Array(Type.String())),
              category: Type.String(),
              frost_sensitive: Nullable(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          indoor_sowing: Windows('Sowing under cover before the last frost'),
          outdoor_sowing: Windows('Sowing outdoors'),
          harvest: Windows('Harvest'),
          bloom: Windows('Bloom'),
          notes: Type.Array(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    next_cursor: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
