import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/generated/openapi';
import { farmPath, outbox } from '../../offline/outbox';

export type TodayFarm =
  paths['/api/v1/tasks/today']['get']['responses'][200]['content']['application/json']['data'][number];
export type Task = TodayFarm['tasks'][number];
export type StarterKit =
  paths['/api/v1/catalog/starter-kits']['get']['responses'][200]['content']['application/json']['data'][number];
export type KitApplied =
  paths['/api/v1/farms/{farm}/onboarding/apply']['post']['responses'][201]['content']['application/json'];
export type Snooze = { days: number } | { until: string };

/**
 * Today's list lives under the farm on screen: a live `task` event of the farm (or the socket coming
 * back) marks it stale with the farm's other tasks.
 */
export const todayKeys = {
  today: (farm: string) => [farm, 'tasks', 'today'] as const,
  kits: ['starter-kits'] as const,
  home: (farm: string) => [farm, 'home'] as const,
};

/** My open tasks for today in each of my farms (overdue ones included). */
export function useToday(farm: string) {
  return useQuery({
    queryKey: todayKeys.today(farm),
    queryFn: async () => (await unwrap(api.GET('/api/v1/tasks/today'))).data,
  });
}

/**
 * Whether the farm's home is Today: it grows plants, holds stock or keeps hives, or I have tasks there
 * today. A list the person may not read counts as empty.
 */
export function useHomeIsToday(farm: string) {
  return useQuery({
    queryKey: todayKeys.home(farm),
    queryFn: async () => {
      const path = { farm };
      const some = async (call: Promise<{ data?: { data: unknown[] }; error?: unknown; response: Response }>) =>
        unwrap(call).then(
          (body) => body.data.length > 0,
          () => false,
        );
      const answers = await Promise.all([
        unwrap(api.GET('/api/v1/tasks/today')).then(
          (today) => today.data.some((f) => f.farm.slug === farm && f.tasks.length > 0),
          () => false,
        ),
        some(api.GET('/api/v1/farms/{farm}/plants', { params: { path, query: { limit: 1 } } })),
        some(
          api.GET('/api/v1/farms/{farm}/stock/batches', { params: { path, query: { limit: 1, status: 'active' } } }),
        ),
        some(api.GET('/api/v1/farms/{farm}/hives', { params: { path } })),
      ]);
      return answers.some(Boolean);
    },
  });
}

export function useStarterKits() {
  return useQuery({
    queryKey: todayKeys.kits,
    queryFn: async () => (await unwrap(api.GET('/api/v1/catalog/starter-kits'))).data,
    staleTime: 10 * 60_000,
  });
}

/** Done, skipped, snoozed or reopened: each answers the task; the farm's lists are refreshed after. */
export function useTaskActions(current: string) {
  const client = useQueryClient();
  const refresh = (farm: string) =>
    Promise.all([
      client.invalidateQueries({ queryKey: [farm, 'tasks'] }),
      client.invalidateQueries({ queryKey: todayKeys.today(current) }),
    ]);
  const at = (farm: string, id: string) => ({ params: { path: { farm, id } } });
  return {
    /**
     * `completion` is made once per tap by the caller: a resend of it is stored once. Without a connection it
     * waits on the phone (`queued`).
     */
    complete: useMutation({
      mutationFn: ({ farm, id, completion, title }: { farm: string; id: string; completion: string; title: string }) =>
        outbox.submit(
          {
            id: completion,
            farm,
            kind: 'task',
            method: 'POST',
            path: farmPath(farm, `/tasks/${id}/complete`),
            body: { id: completion },
            label: title,
            subject: id,
          },
          () =>
            unwrap(api.POST('/api/v1/farms/{farm}/tasks/{id}/complete', { ...at(farm, id), body: { id: completion } })),
        ),
      onSuccess: (_, { farm }) => refresh(farm),
    }),
    skip: useMutation({
      mutationFn: ({ farm, id }: { farm: string; id: string }) =>
        unwrap(api.POST('/api/v1/farms/{farm}/tasks/{id}/skip', { ...at(farm, id), body: {} })),
      onSuccess: (_, { farm }) => refresh(farm),
    }),
    snooze: useMutation({
      mutationFn: ({ farm, id, body }: { farm: string; id: string; body: Snooze }) =>
        unwrap(api.POST('/api/v1/farms/{farm}/tasks/{id}/snooze', { ...at(farm, id), body })),
      onSuccess: (_, { farm }) => refresh(farm),
    }),
    reopen: useMutation({
      mutationFn: ({ farm, id }: { farm: string; id: string }) =>
        unwrap(api.POST('/api/v1/farms/{farm}/tasks/{id}/reopen', at(farm, id))),
      onSuccess: (_, { farm }) => refresh(farm),
    }),
  };
}

export function useApplyKit(farm: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { kit: string; site_name: string; plant_count: number }) =>
      unwrap(api.POST('/api/v1/farms/{farm}/onboarding/apply', { params: { path: { farm } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: [farm] }),
  });
}
