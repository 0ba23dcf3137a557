import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/generated/openapi';

type AlertsPath = paths['/api/v1/farms/{farm}/alerts']['get'];
export type Alert = AlertsPath['responses'][200]['content']['application/json']['data'][number];
export type AlertState = NonNullable<NonNullable<AlertsPath['parameters']['query']>['state']>;
export type Notification =
  paths['/api/v1/notifications']['get']['responses'][200]['content']['application/json']['data'][number];
export type AlertRuleBody =
  paths['/api/v1/farms/{farm}/alert-rules']['post']['requestBody']['content']['application/json'];
export type AlertRule =
  paths['/api/v1/farms/{farm}/alert-rules']['get']['responses'][200]['content']['application/json']['data'][number];

export const alertKeys = {
  all: (farm: string) => [farm, 'alerts'] as const,
  list: (farm: string, state: AlertState | 'active') => [farm, 'alerts', state] as const,
  rules: (farm: string) => [farm, 'alerts', 'rules'] as const,
};

/** Alerts by state; "active" means triggered or acknowledged (not yet resolved). */
export function useAlerts(farm: string, state: AlertState | 'active') {
  return useQuery({
    queryKey: alertKeys.list(farm, state),
    queryFn: async () => {
      const states: AlertState[] = state === 'active' ? ['triggered', 'acknowledged'] : [state];
      const pages = await Promise.all(
        states.map((s) =>
          unwrap(
            api.GET('/api/v1/farms/{farm}/alerts', { params: { path: { farm }, query: { state: s, limit: 100 } } }),
          ),
        ),
      );
      return pages.flatMap((p) => p.data).sort((a, b) => b.triggered_at.localeCompare(a.triggered_at));
    },
  });
}

export function useAlertAction(farm: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'acknowledge' | 'resolve' }) =>
      action === 'acknowledge'
        ? unwrap(api.POST('/api/v1/farms/{farm}/alerts/{id}/acknowledge', { params: { path: { farm, id } } }))
        : unwrap(api.POST('/api/v1/farms/{farm}/alerts/{id}/resolve', { params: { path: { farm, id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: alertKeys.all(farm) }),
  });
}

export function useAlertRules(farm: string) {
  return useQuery({
    queryKey: alertKeys.rules(farm),
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/farms/{farm}/alert-rules', { params: { path: { farm } } }))).data,
  });
}

export function useCreateAlertRule(farm: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: AlertRuleBody) =>
      unwrap(api.POST('/api/v1/farms/{farm}/alert-rules', { params: { path: { farm } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: alertKeys.rules(farm) }),
  });
}

export const notificationKeys = { all: ['notifications'] as const };

/** The person's inbox across farms, with the unread count. */
export function useNotifications() {
  return useQuery({
    queryKey: notificationKeys.all,
    queryFn: () => unwrap(api.GET('/api/v1/notifications', { params: { query: { limit: 100 } } })),
  });
}

export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/notifications/{id}/read', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: notificationKeys.all }),
  });
}
