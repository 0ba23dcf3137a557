import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/generated/openapi';

type SchedulesPath = paths['/api/v1/farms/{farm}/schedules'];
export type Schedule = SchedulesPath['get']['responses'][200]['content']['application/json']['data'][number];
export type NewSchedule = SchedulesPath['post']['requestBody']['content']['application/json'];
export type Preview =
  paths['/api/v1/farms/{farm}/schedules/{id}/preview']['get']['responses'][200]['content']['application/json'];
export type Execution =
  paths['/api/v1/farms/{farm}/schedules/{id}/executions']['get']['responses'][200]['content']['application/json']['data'][number];
export type EmergencyStop =
  paths['/api/v1/farms/{farm}/emergency-stop']['get']['responses'][200]['content']['application/json'];
/** One test of a condition schedule (the API takes `all` / `any` / `not` lists of them). */
export interface ConditionTest {
  device: string;
  metric: string;
  operator: '>' | '>=' | '<' | '<=';
  value: number;
  for_s?: number;
}

export const scheduleKeys = {
  all: (farm: string) => [farm, 'schedules'] as const,
  one: (farm: string, id: string) => [farm, 'schedules', id] as const,
  preview: (farm: string, id: string) => [farm, 'schedules', id, 'preview'] as const,
  executions: (farm: string, id: string) => [farm, 'schedules', id, 'executions'] as const,
  stop: (farm: string) => [farm, 'emergency-stop'] as const,
};

export function useSchedules(farm: string) {
  return useQuery({
    queryKey: scheduleKeys.all(farm),
    queryFn: async () => (await unwrap(api.GET('/api/v1/farms/{farm}/schedules', { params: { path: { farm } } }))).data,
  });
}

export function useSchedule(farm: string, id: string) {
  return useQuery({
    queryKey: scheduleKeys.one(farm, id),
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/schedules/{id}', { params: { path: { farm, id } } })),
  });
}

export function usePreview(farm: string, id: string) {
  return useQuery({
    queryKey: scheduleKeys.preview(farm, id),
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/farms/{farm}/schedules/{id}/preview', { params: { path: { farm, id }, query: { days: 7 } } }),
      ),
  });
}

export function useExecutions(farm: string, id: string) {
  return useQuery({
    queryKey: scheduleKeys.executions(farm, id),
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/farms/{farm}/schedules/{id}/executions', {
            params: { path: { farm, id }, query: { limit: 20 } },
          }),
        )
      ).data,
  });
}

export function useScheduleActions(farm: string) {
  const client = useQueryClient();
  const done = () => client.invalidateQueries({ queryKey: scheduleKeys.all(farm) });
  return {
    create: useMutation({
      mutationFn: (body: NewSchedule) =>
        unwrap(api.POST('/api/v1/farms/{farm}/schedules', { params: { path: { farm } }, body })),
      onSuccess: done,
    }),
    setEnabled: useMutation({
      mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) =>
        unwrap(api.PATCH('/api/v1/farms/{farm}/schedules/{id}', { params: { path: { farm, id } }, body: { enabled } })),
      onSettled: done,
    }),
    runNow: useMutation({
      mutationFn: (id: string) =>
        unwrap(api.POST('/api/v1/farms/{farm}/schedules/{id}/run-now', { params: { path: { farm, id } } })),
      onSettled: done,
    }),
    remove: useMutation({
      mutationFn: (id: string) =>
        unwrap(api.DELETE('/api/v1/farms/{farm}/schedules/{id}', { params: { path: { farm, id } } })),
      onSettled: done,
    }),
  };
}

export function useEmergencyStop(farm: string) {
  const client = useQueryClient();
  const state = useQuery({
    queryKey: scheduleKeys.stop(farm),
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/emergency-stop', { params: { path: { farm } } })),
  });
  const done = () => client.invalidateQueries({ queryKey: [farm] });
  const stop = useMutation({
    mutationFn: (reason: string) =>
      unwrap(
        api.POST('/api/v1/farms/{farm}/emergency-stop', { params: { path: { farm } }, body: reason ? { reason } : {} }),
      ),
    onSettled: done,
  });
  const release = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/farms/{farm}/emergency-stop/release', { params: { path: { farm } } })),
    onSettled: done,
  });
  return { state, stop, release };
}
