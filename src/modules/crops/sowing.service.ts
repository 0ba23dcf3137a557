import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { invalid, notFound, ruleViolation } from '../../platform/errors.js';
import type { FarmContext } from '../../platform/tenancy/caller.js';
import { localTime } from '../../platform/time-zones.js';
import { catalogReads, type SpeciesCalendar } from '../catalog/index.js';
import { farmReads } from '../farms/index.js';
import { locationReads, type LocationRow } from '../locations/index.js';
import { calendarBasis, speciesWindows, type CalendarBasis, type SpeciesWindows } from './sowing.engine.js';
import { SPECIES_FILTER_MAX, type SowingCalendarFilter } from './sowing.schemas.js';

/** A site's calendar for a year: how the site was read, and a page of species with their windows. */
export interface SowingCalendarResult {
  site: LocationRow;
  latitude: number;
  latitudeSource: 'site' | 'farm';
  basis: CalendarBasis;
  rows: { species: SpeciesCalendar; windows: SpeciesWindows }[];
  nextCursor: string | null;
}

/** The sowing calendar of a farm's sites, from their frost dates and latitude and the catalogue's species. */
export class SowingCalendar {
  constructor(private readonly deps: { db: Database; clock: Clock }) {}

  /**
   * Per species (those with any calendar data, or those named), the indoor sowing, outdoor sowing,
   * harvest and bloom windows at a site in a year. The latitude is the site's (its geometry's
   * centroid), else the farm's; with neither the calendar cannot tell frost-free from temperate (422).
   */
  async forSite(ctx: FarmContext, siteId: string, filter: SowingCalendarFilter): Promise<SowingCalendarResult> {
    const keys = filter.species ? [...new Set(filter.species.split(','))] : undefined;
    if (keys && keys.length > SPECIES_FILTER_MAX)
      throw invalid(`At most ${SPECIES_FILTER_MAX} species in one calendar`, {
        fields: [
          { field: 'querystring.species', message: `names ${keys.length} species: at most ${SPECIES_FILTER_MAX}` },
        ],
      });
    const limit = filter.limit ?? 100;
    const year = filter.year ?? Number(localTime(this.deps.clock.now(), ctx.timeZone).date.slice(0, 4));
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const site = await locationReads.find(tx, ctx.farmId, siteId);
      if (!site || site.type !== 'site') throw notFound('Site', { id: siteId });
      const located = await this.#latitude(site, () => farmReads.byId(tx, ctx.farmId));
      const species = await catalogReads.speciesCalendars(tx, ctx.farmId, {
        keys,
        category: filter.category,
        after: filter.cursor,
        limit,
      });
      if (keys && species.length < limit) {
        // A named key that is not on the page: unknown, or a species without calendar data (left out).
        const listed = new Set(species.map((s) => s.key));
        const unknown: string[] = [];
        for (const key of keys.filter((k) => !listed.has(k) && (filter.cursor === undefined || k > filter.cursor)))
          if (!(await catalogReads.resolveSpecies(tx, ctx.farmId, key))) unknown.push(key);
        if (unknown.length > 0)
          throw invalid(`Unknown species: ${unknown.join(', ')}`, {
            fields: [{ field: 'querystring.species', message: `names unknown species: ${unknown.join(', ')}` }],
            unknown,
          });
      }
      const basis = calendarBasis(
        {
          latitude: located.latitude,
          lastFrost: site.last_frost,
          firstFrost: site.first_frost,
          frostSafe: site.frost_safe,
        },
        year,
      );
      return {
        site,
        ...located,
        basis,
        rows: species.map((s) => ({ species: s, windows: speciesWindows(basis, s) })),
        nextCursor: species.length === limit ? species[species.length - 1]!.key : null,
      };
    });
  }

  async #latitude(
    site: LocationRow,
    farm: () => Promise<{ latitude: number | null } | undefined>,
  ): Promise<{ latitude: number; latitudeSource: 'site' | 'farm' }> {
    const centroid = site.centroid?.type === 'Point' ? site.centroid.coordinates[1] : undefined;
    if (centroid !== undefined) return { latitude: centroid, latitudeSource: 'site' };
    const latitude = (await farm())?.latitude;
    if (latitude !== null && latitude !== undefined) return { latitude, latitudeSource: 'farm' };
    throw ruleViolation(
      'LATITUDE_UNKNOWN',
      'The calendar needs a latitude: give the site a geometry, or the farm a latitude',
      { site_id: site.id },
    );
  }
}
