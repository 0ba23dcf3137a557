import { speciesDefault } from './sowing.engine.js';
import type { SowingCalendarResult } from './sowing.service.js';

/** What the calendar assumed: the site's missing frost dates, then the species-level defaults the rows used. */
function usedDefaults(result: SowingCalendarResult) {
  const names = new Set(result.rows.flatMap((r) => r.windows.assumed));
  return [
    ...result.basis.defaults,
    ...(['southern_months', 'wet_season'] as const)
      .filter((n) => names.has(n))
      .map((n) => speciesDefault(n, result.basis.hemisphere)),
  ];
}

export function sowingCalendarView(result: SowingCalendarResult) {
  const { basis } = result;
  const defaults = usedDefaults(result);
  return {
    site: { id: result.site.id, name: result.site.name },
    year: basis.year,
    latitude: result.latitude,
    latitude_source: result.latitudeSource,
    hemisphere: basis.hemisphere,
    climate: basis.climate,
    frost: basis.frost && {
      last: basis.frost.last,
      first: basis.frost.first,
      safe: basis.frost.safe ?? defaults.find((d) => d.name === 'frost_safe')!.value,
    },
    defaults,
    data: result.rows.map(({ species: s, windows: w }) => ({
      species: {
        id: s.id,
        key: s.key,
        scientific_name: s.scientificName,
        common_names: s.commonNames,
        category: s.category,
        frost_sensitive: s.frostSensitive,
      },
      indoor_sowing: w.indoorSowing,
      outdoor_sowing: w.outdoorSowing,
      harvest: w.harvest,
      bloom: w.bloom,
      notes: w.notes,
    })),
    next_cursor: result.nextCursor,
  };
}
