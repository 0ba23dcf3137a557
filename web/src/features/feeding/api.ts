import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/generated/openapi';

type Json<P extends keyof paths, M extends 'get' | 'post' | 'put', S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;
type Body<P extends keyof paths, M extends 'post' | 'put'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer T } };
}
  ? T
  : never;

export type Fertilizer = Json<'/api/v1/farms/{farm}/fertilizers', 'get', 200>['data'][number];
export type MixRequest = Body<'/api/v1/farms/{farm}/nutrient-calculations/mix', 'post'>;
export type Mix = Json<'/api/v1/farms/{farm}/nutrient-calculations/mix', 'post', 200>;
export type EcBudget = Json<'/api/v1/farms/{farm}/nutrient-calculations/ec-budget', 'get', 200>;
export type Tank = Json<'/api/v1/farms/{farm}/tanks', 'get', 200>['data'][number];
export type TankState = Body<'/api/v1/farms/{farm}/tanks/{location}/states', 'post'>;
export type MaintenanceItem = Body<'/api/v1/farms/{farm}/tanks/{location}/maintenance', 'post'>['item'];
export type Treatment = Json<'/api/v1/farms/{farm}/treatments', 'get', 200>['data'][number];
export type Pest = Json<'/api/v1/farms/{farm}/pests', 'get', 200>['data'][number];
export type Disease = Json<'/api/v1/farms/{farm}/diseases', 'get', 200>['data'][number];
export type NewInspection = Body<'/api/v1/farms/{farm}/plant-inspections', 'post'>;
export type Inspection = Json<'/api/v1/farms/{farm}/plant-inspections', 'post', 201>;
export type NewApplication = Body<'/api/v1/farms/{farm}/treatment-applications', 'post'>;
export type Application = Json<'/api/v1/farms/{farm}/treatment-applications', 'post', 201>;
export type Gate = Json<'/api/v1/farms/{farm}/pre-harvest-check', 'get', 200>;
export type NewHarvest = Body<'/api/v1/farms/{farm}/harvests', 'post'>;
export type Harvest = Json<'/api/v1/farms/{farm}/harvests', 'post', 201>;
export type NewQuality = Body<'/api/v1/farms/{farm}/harvests/{id}/quality', 'post'>;
export type Quality = Json<'/api/v1/farms/{farm}/harvests/{id}/quality', 'post', 201>;
export type NewWateringLog = Body<'/api/v1/farms/{farm}/watering-logs', 'post'>;
export type WateringLog = Json<'/api/v1/farms/{farm}/planting-runs/{id}/watering-logs', 'get', 200>['data'][number];
export type WateringSuggestion = Json<'/api/v1/farms/{farm}/planting-runs/{id}/watering-suggestion', 'get', 200>;
export type Run = Json<'/api/v1/farms/{farm}/planting-runs/{id}', 'get', 200>;

export const feedKeys = {
  fertilizers: (farm: string) => [farm, 'fertilizers'] as const,
  ecBudget: (farm: string) => [farm, 'ec-budget'] as const,
  tanks: (farm: string) => [farm, 'tanks'] as const,
  treatments: (farm: string) => [farm, 'treatments'] as const,
  pests: (farm: string) => [farm, 'pests'] as const,
  diseases: (farm: string) => [farm, 'diseases'] as const,
  run: (farm: string, run: string) => [farm, 'runs', run] as const,
  wateringLogs: (farm: string, run: string) => [farm, 'runs', run, 'watering-logs'] as const,
  suggestion: (farm: string, run: string) => [farm, 'runs', run, 'watering-suggestion'] as const,
  gate: (farm: string, target: Target, on: string) => [farm, 'pre-harvest-check', target, on] as const,
};

/** What a protection record or a harvest is about: one plant (id or label) or a planting run. */
export type Target = { plant: string } | { run: string };

export function useFertilizers(farm: string) {
  return useQuery({
    queryKey: feedKeys.fertilizers(farm),
    queryFn: async () =>
      (
        await unwrap(api.GET('/api/v1/farms/{farm}/fertilizers', { params: { path: { farm }, query: { limit: 200 } } }))
      ).data.filter((f) => !f.retired),
    staleTime: 60_000,
  });
}

export function useEcBudget(farm: string) {
  return useQuery({
    queryKey: feedKeys.ecBudget(farm),
    queryFn: () =>
      unwrap(api.GET('/api/v1/farms/{farm}/nutrient-calculations/ec-budget', { params: { path: { farm } } })),
    staleTime: Infinity,
  });
}

/** The calculator writes nothing: a mutation only because it is worked out on request. */
export function useMix(farm: string) {
  return useMutation({
    mutationFn: (body: MixRequest) =>
      unwrap(api.POST('/api/v1/farms/{farm}/nutrient-calculations/mix', { params: { path: { farm } }, body })),
  });
}

export function useTanks(farm: string) {
  return useQuery({
    queryKey: feedKeys.tanks(farm),
    queryFn: async () => (await unwrap(api.GET('/api/v1/farms/{farm}/tanks', { params: { path: { farm } } }))).data,
  });
}

export function useTankActions(farm: string) {
  const client = useQueryClient();
  const refresh = () => {
    void client.invalidateQueries({ queryKey: feedKeys.tanks(farm) });
    // A snapshot can raise or resolve alerts, a maintenance done completes its task.
    void client.invalidateQueries({ queryKey: [farm, 'alerts'] });
    void client.invalidateQueries({ queryKey: [farm, 'tasks'] });
  };
  return {
    recordState: useMutation({
      mutationFn: ({ tank, body }: { tank: string; body: TankState }) =>
        unwrap(
          api.POST('/api/v1/farms/{farm}/tanks/{location}/states', {
            params: { path: { farm, location: tank } },
            body,
          }),
        ),
      onSuccess: refresh,
    }),
    recordMaintenance: useMutation({
      mutationFn: ({ tank, id, item }: { tank: string; id: string; item: MaintenanceItem }) =>
        unwrap(
          api.POST('/api/v1/farms/{farm}/tanks/{location}/maintenance', {
            params: { path: { farm, location: tank } },
            body: { id, item },
          }),
        ),
      onSuccess: refresh,
    }),
  };
}

export function useTreatments(farm: string) {
  return useQuery({
    queryKey: feedKeys.treatments(farm),
    queryFn: async () =>
      (
        await unwrap(api.GET('/api/v1/farms/{farm}/treatments', { params: { path: { farm }, query: { limit: 200 } } }))
      ).data.filter((x) => !x.retired),
    staleTime: 60_000,
  });
}

export function usePests(farm: string) {
  return useQuery({
    queryKey: feedKeys.pests(farm),
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/farms/{farm}/pests', { params: { path: { farm }, query: { limit: 200 } } }))).data,
    staleTime: 60_000,
  });
}

export function useDiseases(farm: string) {
  return useQuery({
    queryKey: feedKeys.diseases(farm),
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/farms/{farm}/diseases', { params: { path: { farm }, query: { limit: 200 } } })))
        .data,
    staleTime: 60_000,
  });
}

export function useProtectionActions(farm: string) {
  const client = useQueryClient();
  const refresh = () => {
    void client.invalidateQueries({ queryKey: [farm, 'pre-harvest-check'] });
    void client.invalidateQueries({ queryKey: [farm, 'tasks'] });
    void client.invalidateQueries({ queryKey: [farm, 'plants'] });
    void client.invalidateQueries({ queryKey: [farm, 'runs'] });
  };
  return {
    inspect: useMutation({
      mutationFn: (body: NewInspection) =>
        unwrap(api.POST('/api/v1/farms/{farm}/plant-inspections', { params: { path: { farm } }, body })),
      onSuccess: refresh,
    }),
    apply: useMutation({
      mutationFn: (body: NewApplication) =>
        unwrap(api.POST('/api/v1/farms/{farm}/treatment-applications', { params: { path: { farm } }, body })),
      onSuccess: refresh,
    }),
  };
}

/** Whether a harvest on that day is allowed, before trying. */
export function usePreHarvestCheck(farm: string, target: Target, on: string) {
  return useQuery({
    queryKey: feedKeys.gate(farm, target, on),
    enabled: /^\d{4}-\d{2}-\d{2}$/.test(on),
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/farms/{farm}/pre-harvest-check', { params: { path: { farm }, query: { ...target, on } } }),
      ),
  });
}

export function useHarvestActions(farm: string) {
  const client = useQueryClient();
  const refresh = () => {
    void client.invalidateQueries({ queryKey: [farm, 'harvests'] });
    void client.invalidateQueries({ queryKey: [farm, 'runs'] });
    void client.invalidateQueries({ queryKey: [farm, 'plants'] });
  };
  return {
    harvest: useMutation({
      mutationFn: (body: NewHarvest) =>
        unwrap(api.POST('/api/v1/farms/{farm}/harvests', { params: { path: { farm } }, body })),
      onSuccess: refresh,
    }),
    score: useMutation({
      mutationFn: ({ harvest, body }: { harvest: string; body: NewQuality }) =>
        unwrap(
          api.POST('/api/v1/farms/{farm}/harvests/{id}/quality', { params: { path: { farm, id: harvest } }, body }),
        ),
      onSuccess: refresh,
    }),
  };
}

export function useRun(farm: string, run: string) {
  return useQuery({
    queryKey: feedKeys.run(farm, run),
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/planting-runs/{id}', { params: { path: { farm, id: run } } })),
  });
}

export function useWateringSuggestion(farm: string, run: string) {
  return useQuery({
    queryKey: feedKeys.suggestion(farm, run),
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/farms/{farm}/planting-runs/{id}/watering-suggestion', { params: { path: { farm, id: run } } }),
      ),
  });
}

export function useWateringLogs(farm: string, run: string) {
  return useQuery({
    queryKey: feedKeys.wateringLogs(farm, run),
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/farms/{farm}/planting-runs/{id}/watering-logs', {
            params: { path: { farm, id: run }, query: { limit: 10 } },
          }),
        )
      ).data,
  });
}

export function useLogWatering(farm: string, run: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NewWateringLog) =>
      unwrap(api.POST('/api/v1/farms/{farm}/watering-logs', { params: { path: { farm } }, body })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: feedKeys.wateringLogs(farm, run) });
      // It completes its task.
      void client.invalidateQueries({ queryKey: [farm, 'tasks'] });
      void client.invalidateQueries({ queryKey: ['tasks'] });
    },
  });
}

export function usePlant(farm: string, plant: string | undefined) {
  return useQuery({
    queryKey: [farm, 'plants', plant ?? ''] as const,
    enabled: Boolean(plant),
    queryFn: () =>
      unwrap(api.GET('/api/v1/farms/{farm}/plants/{plant}', { params: { path: { farm, plant: plant ?? '' } } })),
  });
}

/** The plant or run a page is about, from its query (`?plant=` or `?run=`); null when it names neither. */
export function targetOf(search: URLSearchParams): Target | null {
  const plant = search.get('plant');
  const run = search.get('run');
  if (plant) return { plant };
  if (run) return { run };
  return null;
}
