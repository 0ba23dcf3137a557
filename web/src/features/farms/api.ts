import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/generated/openapi';

export type Farm = paths['/api/v1/farms']['get']['responses'][200]['content']['application/json']['data'][number];

export const farmKeys = { all: ['farms'] as const };

/** The farms the signed-in person belongs to. */
export function useFarms() {
  return useQuery({
    queryKey: farmKeys.all,
    queryFn: async () => (await unwrap(api.GET('/api/v1/farms'))).data,
    staleTime: 60_000,
  });
}

const LAST_FARM = 'croft.farm';
export const rememberFarm = (slug: string) => localStorage.setItem(LAST_FARM, slug);
export const lastFarm = () => localStorage.getItem(LAST_FARM);
