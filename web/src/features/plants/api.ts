import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/generated/openapi';

/** What the hooks answer (openapi-fetch's view of the generated types). */
type Data<F extends (...args: never[]) => { data: unknown }> = NonNullable<ReturnType<F>['data']>;
export type Species = Data<typeof useSpeciesList>[number];
export type SpeciesDetail = Data<typeof useSpecies>;
export type Phase = SpeciesDetail['sequence']['phases'][number];
export type Run = Data<typeof useRun>;
export type Plant = Data<typeof usePlant>;
export type History = Data<typeof usePlantHistory>[number];
export type Environment = Data<typeof useEnvironment>;
export type Care = Data<typeof useCare>;
export type Placement = Data<typeof usePlacement>;
export type TargetSource = Data<typeof useTargetSource>;
export type SowingCalendar = Data<typeof useSowingCalendar>;
export type NewRun = paths['/api/v1/farms/{farm}/planting-runs']['post']['requestBody']['content']['application/json'];

export const plantKeys = {
  species: (farm: string) => [farm, 'catalog', 'species'] as const,
  speciesOne: (farm: string, ref: string) => [farm, 'catalog', 'species', ref] as const,
  runs: (farm: string) => [farm, 'runs'] as const,
  run: (farm: string, id: string) => [farm, 'runs', id] as const,
  plants: (farm: string) => [farm, 'plants'] as const,
  plant: (farm: string, id: string) => [farm, 'plants', id] as const,
  placement: (farm: string, species: string, location: string) => [farm, 'placement', species, location] as const,
  targetSource: (farm: string, id: string) => [farm, 'locations', id, 'target-source'] as const,
  climate: (farm: string, id: string) => [farm, 'locations', id, 'climate'] as const,
  sowing: (farm: string, site: string, year: number) => [farm, 'locations', site, 'sowing', year] as const,
};

/** The name a person knows a species by: in their language, else English, else its scientific name. */
export function speciesName(
  s: { common_names: Record<string, string[] | undefined>; scientific_name: string },
  language: string,
) {
  const lang = language.slice(0, 2);
  return s.common_names[lang]?.[0] ?? s.common_names.en?.[0] ?? s.scientific_name;
}

const speciesPage = (farm: string, cursor?: string) =>
  unwrap(
    api.GET('/api/v1/farms/{farm}/catalog/species', {
      params: { path: { farm }, query: { limit: 200, ...(cursor ? { cursor } : {}) } },
    }),
  );

/** The whole catalogue the farm sees (global and its own), every page. */
export function useSpeciesList(farm: string) {
  return useQuery({
    queryKey: plantKeys.species(farm),
    staleTime: 10 * 60_000,
    queryFn: async () => {
      const all: Awaited<ReturnType<typeof speciesPage>>['data'] = [];
      let cursor: string | undefined;
      do {
        const page = await speciesPage(farm, cursor);
        all.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && all.length < 5_000);
      return all;
    },
  });
}

/** A catalogue search on the server (scientific and common names in the person's language). */
export function useSpeciesSearch(farm: string, q: string) {
  return useQuery({
    queryKey: [...plantKeys.species(farm), 'q', q],
    enabled: q.trim().length > 0,
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/farms/{farm}/catalog/species', {
            params: { path: { farm }, query: { q: q.trim(), limit: 100 } },
          }),
        )
      ).data,
  });
}

export function useSpecies(farm: string, ref: string | undefined) {
  return useQuery({
    queryKey: plantKeys.speciesOne(farm, ref ?? ''),
    enabled: !!ref,
    staleTime: 10 * 60_000,
    queryFn: () =>
      unwrap(api.GET('/api/v1/farms/{farm}/catalog/species/{ref}', { params: { path: { farm, ref: ref! } } })),
  });
}

export function useRuns(farm: string) {
  return useQuery({
    queryKey: plantKeys.runs(farm),
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/farms/{farm}/planting-runs', { params: { path: { farm }, query: { limit: 200 } } }),
        )
      ).data,
  });
}

export function useRun(farm: string, id: string) {
  return useQuery({
    queryKey: plantKeys.run(farm, id),
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/planting-runs/{id}', { params: { path: { farm, id } } })),
  });
}

/** The farm's active plants; with `run`, that run's only. */
export function usePlants(farm: string, run?: string) {
  return useQuery({
    queryKey: [...plantKeys.plants(farm), run ?? 'all'],
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/farms/{farm}/plants', {
            params: { path: { farm }, query: { limit: 500, ...(run ? { run } : {}) } },
          }),
        )
      ).data,
  });
}

const plantPath = (farm: string, plant: string) => ({ params: { path: { farm, plant } } });

export function usePlant(farm: string, plant: string) {
  return useQuery({
    queryKey: plantKeys.plant(farm, plant),
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/plants/{plant}', plantPath(farm, plant))),
  });
}

export function usePlantHistory(farm: string, plant: string) {
  return useQuery({
    queryKey: [...plantKeys.plant(farm, plant), 'phases'],
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/farms/{farm}/plants/{plant}/phases', plantPath(farm, plant)))).data,
  });
}

export function useGdd(farm: string, plant: string) {
  return useQuery({
    queryKey: [...plantKeys.plant(farm, plant), 'gdd'],
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/plants/{plant}/gdd', plantPath(farm, plant))),
  });
}

export function useEnvironment(farm: string, plant: string) {
  return useQuery({
    queryKey: [...plantKeys.plant(farm, plant), 'environment'],
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/plants/{plant}/environment', plantPath(farm, plant))),
  });
}

export function useCare(farm: string, plant: string) {
  return useQuery({
    queryKey: [...plantKeys.plant(farm, plant), 'care'],
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/plants/{plant}/care', plantPath(farm, plant))),
  });
}

export function useLineage(farm: string, plant: string, direction: 'ancestors' | 'descendants') {
  return useQuery({
    queryKey: [...plantKeys.plant(farm, plant), 'lineage', direction],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/farms/{farm}/plants/{plant}/lineage', {
          params: { path: { farm, plant }, query: { direction } },
        }),
      ),
  });
}

export function useTargetSource(farm: string, location: string | null | undefined) {
  return useQuery({
    queryKey: plantKeys.targetSource(farm, location ?? ''),
    enabled: !!location,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/farms/{farm}/locations/{id}/target-source', {
          params: { path: { farm, id: location! } },
        }),
      ),
  });
}

export function useClimate(farm: string, location: string | null | undefined) {
  return useQuery({
    queryKey: plantKeys.climate(farm, location ?? ''),
    enabled: !!location,
    queryFn: () =>
      unwrap(api.GET('/api/v1/farms/{farm}/locations/{id}/climate', { params: { path: { farm, id: location! } } })),
  });
}

/** The placement check of a species in a place (writes nothing). */
export function usePlacement(farm: string, species: string | null, location: string | null) {
  return useQuery({
    queryKey: plantKeys.placement(farm, species ?? '', location ?? ''),
    enabled: !!species && !!location,
    queryFn: () =>
      unwrap(
        api.POST('/api/v1/farms/{farm}/plants/validate-placement', {
          params: { path: { farm } },
          body: { species_id: species!, location_id: location! },
        }),
      ),
  });
}

export function useSowingCalendar(farm: string, site: string, year: number) {
  return useQuery({
    queryKey: plantKeys.sowing(farm, site, year),
    queryFn: async () => {
      const first = await unwrap(
        api.GET('/api/v1/farms/{farm}/locations/{id}/sowing-calendar', {
          params: { path: { farm, id: site }, query: { year, limit: 500 } },
        }),
      );
      const data = [...first.data];
      let cursor = first.next_cursor;
      while (cursor && data.length < 5_000) {
        const page = await unwrap(
          api.GET('/api/v1/farms/{farm}/locations/{id}/sowing-calendar', {
            params: { path: { farm, id: site }, query: { year, limit: 500, cursor } },
          }),
        );
        data.push(...page.data);
        cursor = page.next_cursor;
      }
      return { ...first, data };
    },
  });
}

export function usePlantActions(farm: string) {
  const client = useQueryClient();
  // Not awaited: the page moves on at once, the lists catch up behind it.
  const refresh = () => {
    void client.invalidateQueries({ queryKey: plantKeys.plants(farm) });
    void client.invalidateQueries({ queryKey: plantKeys.runs(farm) });
    void client.invalidateQueries({ queryKey: [farm, 'placement'] });
    // Planting and phase changes make and retire tasks (care, watering, inspections), and a first run
    // makes Today the farm's home.
    void client.invalidateQueries({ queryKey: [farm, 'tasks'] });
    void client.invalidateQueries({ queryKey: [farm, 'home'] });
  };
  /** A phase change answers the moved plants: shown at once. */
  const moved = (result: { plants: { plant: Plant }[] }) => {
    for (const { plant } of result.plants) client.setQueryData(plantKeys.plant(farm, plant.id), plant);
    refresh();
  };
  return {
    /** A run planned (a resend of the same id is stored once). */
    createRun: useMutation({
      mutationFn: (body: NewRun) =>
        unwrap(api.POST('/api/v1/farms/{farm}/planting-runs', { params: { path: { farm } }, body })),
      onSuccess: refresh,
    }),
    /** The run's plants made; the run becomes active. `acknowledge`: a manager plants despite a refusal. */
    plantRun: useMutation({
      mutationFn: ({ run, reason }: { run: string; reason?: string }) =>
        unwrap(
          api.POST('/api/v1/farms/{farm}/planting-runs/{id}/plants', {
            params: { path: { farm, id: run } },
            body: reason ? { acknowledge: { reason } } : {},
          }),
        ),
      onSuccess: refresh,
    }),
    /** A planned run that was never planted, deleted (a refused start the grower changed). */
    deleteRun: useMutation({
      mutationFn: (run: string) =>
        unwrap(api.DELETE('/api/v1/farms/{farm}/planting-runs/{id}', { params: { path: { farm, id: run } } })),
      onSuccess: refresh,
    }),
    movePlant: useMutation({
      mutationFn: ({ plant, ...body }: { plant: string; id: string; to: string; force?: boolean; reason?: string }) =>
        unwrap(
          api.POST('/api/v1/farms/{farm}/plants/{plant}/phase-transitions', {
            params: { path: { farm, plant } },
            body,
          }),
        ),
      onSuccess: moved,
    }),
    moveRun: useMutation({
      mutationFn: ({ run, ...body }: { run: string; id: string; to: string; force?: boolean; reason?: string }) =>
        unwrap(
          api.POST('/api/v1/farms/{farm}/planting-runs/{id}/phase-transitions', {
            params: { path: { farm, id: run } },
            body,
          }),
        ),
      onSuccess: moved,
    }),
  };
}
