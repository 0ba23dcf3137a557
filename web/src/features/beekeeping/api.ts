import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/generated/openapi';
import { farmPath, outbox } from '../../offline/outbox';

export type Apiary =
  paths['/api/v1/farms/{farm}/apiaries']['get']['responses'][200]['content']['application/json']['data'][number];
export type Hive =
  paths['/api/v1/farms/{farm}/hives']['get']['responses'][200]['content']['application/json']['data'][number];
export type NewHive = paths['/api/v1/farms/{farm}/hives']['post']['requestBody']['content']['application/json'];
export type Queen =
  paths['/api/v1/farms/{farm}/hives/{id}/queens']['get']['responses'][200]['content']['application/json']['data'][number];
export type NewQueen =
  paths['/api/v1/farms/{farm}/hives/{id}/queens']['post']['requestBody']['content']['application/json'];
export type HiveEvent =
  paths['/api/v1/farms/{farm}/hives/{id}/events']['get']['responses'][200]['content']['application/json']['data'][number];
export type NewHiveEvent =
  paths['/api/v1/farms/{farm}/hives/{id}/events']['post']['requestBody']['content']['application/json'];
export type Insights =
  paths['/api/v1/farms/{farm}/apiaries/{id}/insights']['get']['responses'][200]['content']['application/json'];

export const beeKeys = {
  apiaries: (farm: string) => [farm, 'apiaries'] as const,
  hives: (farm: string) => [farm, 'hives'] as const,
  hive: (farm: string, id: string) => [farm, 'hives', id] as const,
  queens: (farm: string, id: string) => [farm, 'hives', id, 'queens'] as const,
  events: (farm: string, id: string) => [farm, 'hives', id, 'events'] as const,
  weight: (farm: string, id: string) => [farm, 'hives', id, 'weight'] as const,
  insights: (farm: string, id: string) => [farm, 'apiaries', id, 'insights'] as const,
};

export function useApiaries(farm: string) {
  return useQuery({
    queryKey: beeKeys.apiaries(farm),
    queryFn: async () => (await unwrap(api.GET('/api/v1/farms/{farm}/apiaries', { params: { path: { farm } } }))).data,
  });
}

export function useHives(farm: string) {
  return useQuery({
    queryKey: beeKeys.hives(farm),
    queryFn: async () => (await unwrap(api.GET('/api/v1/farms/{farm}/hives', { params: { path: { farm } } }))).data,
  });
}

export function useHive(farm: string, id: string) {
  return useQuery({
    queryKey: beeKeys.hive(farm, id),
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/hives/{id}', { params: { path: { farm, id } } })),
  });
}

export function useQueens(farm: string, id: string) {
  return useQuery({
    queryKey: beeKeys.queens(farm, id),
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/farms/{farm}/hives/{id}/queens', { params: { path: { farm, id } } }))).data,
  });
}

export function useHiveEvents(farm: string, id: string) {
  return useQuery({
    queryKey: beeKeys.events(farm, id),
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/farms/{farm}/hives/{id}/events', { params: { path: { farm, id } } }))).data,
  });
}

/** Daily hive weight of the last 30 days (from its scale). */
export function useWeightDays(farm: string, id: string, enabled: boolean) {
  return useQuery({
    queryKey: beeKeys.weight(farm, id),
    enabled,
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/farms/{farm}/hives/{id}/weight-days', {
            params: { path: { farm, id }, query: { days: 30 } },
          }),
        )
      ).data,
  });
}

export function useInsights(farm: string, apiary: string) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: beeKeys.insights(farm, apiary),
    queryFn: () =>
      unwrap(api.GET('/api/v1/farms/{farm}/apiaries/{id}/insights', { params: { path: { farm, id: apiary } } })),
  });
  const save = useMutation({
    mutationFn: (body: Partial<Insights>) =>
      unwrap(api.PUT('/api/v1/farms/{farm}/apiaries/{id}/insights', { params: { path: { farm, id: apiary } }, body })),
    onSuccess: (data) => client.setQueryData(beeKeys.insights(farm, apiary), data),
  });
  return { query, save };
}

export function useBeeActions(farm: string) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: [farm] });
  return {
    createApiary: useMutation({
      mutationFn: (name: string) =>
        unwrap(
          api.POST('/api/v1/farms/{farm}/locations', { params: { path: { farm } }, body: { name, type: 'apiary' } }),
        ),
      onSuccess: refresh,
    }),
    createHive: useMutation({
      mutationFn: (body: NewHive) =>
        unwrap(api.POST('/api/v1/farms/{farm}/hives', { params: { path: { farm } }, body })),
      onSuccess: refresh,
    }),
    addQueen: useMutation({
      mutationFn: ({ hive, body }: { hive: string; body: NewQueen }) =>
        unwrap(api.POST('/api/v1/farms/{farm}/hives/{id}/queens', { params: { path: { farm, id: hive } }, body })),
      onSuccess: refresh,
    }),
    recordEvent: useMutation({
      mutationFn: ({ hive, body }: { hive: string; body: NewHiveEvent }) =>
        unwrap(api.POST('/api/v1/farms/{farm}/hives/{id}/events', { params: { path: { farm, id: hive } }, body })),
      onSuccess: refresh,
    }),
    /** An inspection (its id made on the phone): without a connection it waits on the phone (`queued`). */
    recordInspection: useMutation({
      mutationFn: ({ hive, body, label }: { hive: string; body: NewHiveEvent & { id: string }; label: string }) =>
        outbox.submit(
          {
            id: body.id,
            farm,
            kind: 'inspection',
            method: 'POST',
            path: farmPath(farm, `/hives/${hive}/events`),
            body,
            label,
            subject: hive,
          },
          () =>
            unwrap(api.POST('/api/v1/farms/{farm}/hives/{id}/events', { params: { path: { farm, id: hive } }, body })),
        ),
      onSuccess: refresh,
    }),
  };
}
