import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { useLiveReadings } from '../../api/live';
import type { paths } from '../../api/generated/openapi';

type DevicePaths = paths['/api/v1/farms/{farm}/devices'];
export type Device = DevicePaths['get']['responses'][200]['content']['application/json']['data'][number];
export type NewDevice = DevicePaths['post']['requestBody']['content']['application/json'];
export type Channel = Device['channels'][number];
export type CommandBody =
  paths['/api/v1/farms/{farm}/devices/{device}/commands']['post']['requestBody']['content']['application/json'];
export type Command =
  paths['/api/v1/farms/{farm}/commands']['get']['responses'][200]['content']['application/json']['data'][number];
export type Credentials =
  paths['/api/v1/farms/{farm}/devices/{device}/credentials']['post']['responses'][201]['content']['application/json'];
export type ConfigParameter =
  paths['/api/v1/farms/{farm}/devices/{device}/config']['get']['responses'][200]['content']['application/json']['data'][number];
export type Resolution = 'hour' | 'day';

export const deviceKeys = {
  all: (farm: string) => [farm, 'devices'] as const,
  one: (farm: string, device: string) => [farm, 'devices', device] as const,
  latest: (farm: string, device: string) => [farm, 'devices', device, 'latest'] as const,
  config: (farm: string, device: string) => [farm, 'devices', device, 'config'] as const,
  commands: (farm: string, device: string) => [farm, 'commands', device] as const,
  history: (farm: string, device: string, metric: string, resolution: string, from: string) =>
    [farm, 'telemetry', device, metric, resolution, from] as const,
};

export function useDevices(farm: string) {
  return useQuery({
    queryKey: deviceKeys.all(farm),
    queryFn: async () => (await unwrap(api.GET('/api/v1/farms/{farm}/devices', { params: { path: { farm } } }))).data,
  });
}

export function useDevice(farm: string, device: string) {
  return useQuery({
    queryKey: deviceKeys.one(farm, device),
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/devices/{device}', { params: { path: { farm, device } } })),
  });
}

/** The latest reading of each of a device's metrics. */
export function useLatest(farm: string, device: string, enabled = true) {
  return useQuery({
    queryKey: deviceKeys.latest(farm, device),
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/farms/{farm}/telemetry/latest', { params: { path: { farm }, query: { device } } }),
        )
      ).metrics,
    enabled,
  });
}

type Latest = NonNullable<ReturnType<typeof useLatest>['data']>;

/** The latest readings of a device, kept current by the live socket (no polling). */
export function useLiveLatest(farm: string, device: string) {
  const client = useQueryClient();
  const latest = useLatest(farm, device);
  useLiveReadings(device, (reading) => {
    client.setQueryData<Latest>(deviceKeys.latest(farm, device), (old) => {
      if (!old) return old;
      const known = old.find((m) => m.metric === reading.metric);
      if (known && known.ts >= reading.ts) return old;
      const next = {
        metric: reading.metric,
        unit: known?.unit ?? null,
        ts: reading.ts,
        value: reading.value,
        quality: reading.quality,
      };
      return known ? old.map((m) => (m.metric === reading.metric ? next : m)) : [...old, next];
    });
  });
  return latest;
}

export function useCreateDevice(farm: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NewDevice) =>
      unwrap(api.POST('/api/v1/farms/{farm}/devices', { params: { path: { farm } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: deviceKeys.all(farm) }),
  });
}

export function useCommands(farm: string, device: string) {
  return useQuery({
    queryKey: deviceKeys.commands(farm, device),
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/farms/{farm}/commands', { params: { path: { farm }, query: { device, limit: 10 } } }),
        )
      ).data,
  });
}

export function useSendCommand(farm: string, device: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CommandBody) =>
      unwrap(api.POST('/api/v1/farms/{farm}/devices/{device}/commands', { params: { path: { farm, device } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: deviceKeys.commands(farm, device) }),
  });
}

export function useConfig(farm: string, device: string) {
  return useQuery({
    queryKey: deviceKeys.config(farm, device),
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/farms/{farm}/devices/{device}/config', { params: { path: { farm, device } } })))
        .data,
  });
}

export function useSetConfig(farm: string, device: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ name, value, unit }: { name: string; value: unknown; unit?: string | null }) =>
      unwrap(
        api.PUT('/api/v1/farms/{farm}/devices/{device}/config/{name}', {
          params: { path: { farm, device, name } },
          body: { value, ...(unit ? { unit } : {}) },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: deviceKeys.config(farm, device) }),
  });
}

export function useCredentials(farm: string, device: string) {
  const client = useQueryClient();
  const generate = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/v1/farms/{farm}/devices/{device}/credentials', { params: { path: { farm, device } } })),
  });
  const revoke = useMutation({
    mutationFn: () =>
      unwrap(api.DELETE('/api/v1/farms/{farm}/devices/{device}/credentials', { params: { path: { farm, device } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: deviceKeys.one(farm, device) }),
  });
  return { generate, revoke };
}

/** Hourly or daily history of one metric. */
export function useHistory(
  farm: string,
  device: string,
  metric: string,
  resolution: Resolution,
  from: string,
  to: string,
) {
  return useQuery({
    queryKey: deviceKeys.history(farm, device, metric, resolution, from),
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/farms/{farm}/telemetry', {
          params: { path: { farm }, query: { device, metric, from, to, resolution } },
        }),
      ),
    staleTime: 60_000,
    enabled: metric !== '',
  });
}

/** Raw readings of the last hour: where a live chart starts from. */
export function useRecent(farm: string, device: string, metric: string, from: string, to: string) {
  return useQuery({
    queryKey: [farm, 'telemetry', device, metric, 'raw-recent'],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/farms/{farm}/telemetry', {
          params: { path: { farm }, query: { device, metric, from, to, resolution: 'raw' } },
        }),
      ),
    staleTime: Infinity,
  });
}
