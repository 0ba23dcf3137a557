import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, unwrap } from '../../api/client';
import { download } from '../../components/download';
import type { paths } from '../../api/generated/openapi';
import type { Role } from '../../api/generated/permissions';
import { farmKeys } from '../farms/api';

export type Member =
  paths['/api/v1/farms/{farm}/members']['get']['responses'][200]['content']['application/json']['data'][number];
export type Invitation =
  paths['/api/v1/farms/{farm}/invitations']['post']['responses'][201]['content']['application/json'];
export type ApiKey =
  paths['/api/v1/farms/{farm}/api-keys']['get']['responses'][200]['content']['application/json']['data'][number];
export type AuditQuery = NonNullable<paths['/api/v1/farms/{farm}/audit']['get']['parameters']['query']>;
export type FarmPatch = paths['/api/v1/farms/{farm}']['patch']['requestBody']['content']['application/json'];
export type Retention =
  paths['/api/v1/farms/{farm}/telemetry/settings']['get']['responses'][200]['content']['application/json'];

const keys = {
  members: (farm: string) => [farm, 'members'] as const,
  invitations: (farm: string) => [farm, 'invitations'] as const,
  apiKeys: (farm: string) => [farm, 'api-keys'] as const,
  audit: (farm: string, query: AuditQuery) => [farm, 'audit', query] as const,
  retention: (farm: string) => [farm, 'retention'] as const,
};

export function useMembers(farm: string) {
  return useQuery({
    queryKey: keys.members(farm),
    queryFn: async () => (await unwrap(api.GET('/api/v1/farms/{farm}/members', { params: { path: { farm } } }))).data,
  });
}

export function useMemberActions(farm: string) {
  const client = useQueryClient();
  const done = () => client.invalidateQueries({ queryKey: keys.members(farm) });
  return {
    changeRole: useMutation({
      mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
        unwrap(
          api.PATCH('/api/v1/farms/{farm}/members/{userId}', { params: { path: { farm, userId } }, body: { role } }),
        ),
      onSettled: done,
    }),
    remove: useMutation({
      mutationFn: (userId: string) =>
        unwrap(api.DELETE('/api/v1/farms/{farm}/members/{userId}', { params: { path: { farm, userId } } })),
      onSettled: done,
    }),
  };
}

export function useInvitations(farm: string) {
  return useQuery({
    queryKey: keys.invitations(farm),
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/farms/{farm}/invitations', { params: { path: { farm } } }))).data,
  });
}

export function useInvitationActions(farm: string) {
  const client = useQueryClient();
  const done = () => client.invalidateQueries({ queryKey: keys.invitations(farm) });
  return {
    create: useMutation({
      mutationFn: (body: { email?: string; role: Role }) =>
        unwrap(api.POST('/api/v1/farms/{farm}/invitations', { params: { path: { farm } }, body })),
      onSuccess: done,
    }),
    revoke: useMutation({
      mutationFn: (id: string) =>
        unwrap(api.DELETE('/api/v1/farms/{farm}/invitations/{id}', { params: { path: { farm, id } } })),
      onSettled: done,
    }),
  };
}

export function useApiKeys(farm: string) {
  return useQuery({
    queryKey: keys.apiKeys(farm),
    queryFn: async () => (await unwrap(api.GET('/api/v1/farms/{farm}/api-keys', { params: { path: { farm } } }))).data,
  });
}

export function useApiKeyActions(farm: string) {
  const client = useQueryClient();
  const done = () => client.invalidateQueries({ queryKey: keys.apiKeys(farm) });
  return {
    create: useMutation({
      mutationFn: (body: { name: string; role: Role }) =>
        unwrap(api.POST('/api/v1/farms/{farm}/api-keys', { params: { path: { farm } }, body })),
      onSuccess: done,
    }),
    revoke: useMutation({
      mutationFn: (id: string) =>
        unwrap(api.DELETE('/api/v1/farms/{farm}/api-keys/{id}', { params: { path: { farm, id } } })),
      onSettled: done,
    }),
  };
}

/** The audit log, newest first, a page at a time. */
export function useAudit(farm: string, query: AuditQuery) {
  return useInfiniteQuery({
    queryKey: keys.audit(farm, query),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/farms/{farm}/audit', {
          params: { path: { farm }, query: { ...query, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

export function useUpdateFarm(farm: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: FarmPatch) => unwrap(api.PATCH('/api/v1/farms/{farm}', { params: { path: { farm } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: farmKeys.all }),
  });
}

export function useRetention(farm: string) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: keys.retention(farm),
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/telemetry/settings', { params: { path: { farm } } })),
  });
  const save = useMutation({
    mutationFn: (body: Retention) =>
      unwrap(api.PUT('/api/v1/farms/{farm}/telemetry/settings', { params: { path: { farm } }, body })),
    onSuccess: (data) => client.setQueryData(keys.retention(farm), data),
  });
  return { query, save };
}

/**
 * Downloads everything of the farm (admins): the archive is fetched with the access token, which lives in
 * memory, then saved under the name the server gives it.
 */
export async function downloadFarmExport(farm: string): Promise<void> {
  const call = api.GET('/api/v1/farms/{farm}/export', { params: { path: { farm } }, parseAs: 'blob' });
  const data = await unwrap(call);
  if (!(data instanceof Blob)) throw new ApiError(0, 'NETWORK', 'network');
  const disposition = (await call).response.headers.get('content-disposition') ?? '';
  const named = /filename="([^"]+)"/.exec(disposition)?.[1];
  download(URL.createObjectURL(data), named ?? `croft-${farm}.tar.gz`);
}
