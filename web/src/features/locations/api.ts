import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/generated/openapi';

type LocationsPath = paths['/api/v1/farms/{farm}/locations'];
export type Place = LocationsPath['get']['responses'][200]['content']['application/json']['data'][number];
export type NewPlace = LocationsPath['post']['requestBody']['content']['application/json'];
export type Geometry = NonNullable<Place['geometry']>;
export type LocationType =
  paths['/api/v1/location-types']['get']['responses'][200]['content']['application/json']['data'][number];
export type FeatureCollection =
  paths['/api/v1/farms/{farm}/locations/import']['post']['requestBody']['content']['application/json'];
export type Lookup =
  paths['/api/v1/farms/{farm}/locations/lookup']['get']['responses'][200]['content']['application/json'];

export const placeKeys = { all: (farm: string) => [farm, 'locations'] as const };

/** Every location of the farm (all pages), parents before children. */
export function usePlaces(farm: string) {
  return useQuery({
    queryKey: placeKeys.all(farm),
    queryFn: async () => {
      const all: Place[] = [];
      let cursor: string | undefined;
      do {
        const page = await unwrap(
          api.GET('/api/v1/farms/{farm}/locations', {
            params: { path: { farm }, query: { limit: 500, ...(cursor ? { cursor } : {}) } },
          }),
        );
        all.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && all.length < 10_000);
      return all;
    },
  });
}

export function useLocationTypes() {
  return useQuery({
    queryKey: ['location-types'],
    queryFn: async () => (await unwrap(api.GET('/api/v1/location-types'))).data,
    staleTime: Infinity,
  });
}

export function useWebConfig() {
  return useQuery({
    queryKey: ['web-config'],
    queryFn: () => unwrap(api.GET('/api/v1/web-config')),
    staleTime: Infinity,
  });
}

export function usePlaceActions(farm: string) {
  const client = useQueryClient();
  const done = () => client.invalidateQueries({ queryKey: placeKeys.all(farm) });
  return {
    create: useMutation({
      mutationFn: (body: NewPlace) =>
        unwrap(api.POST('/api/v1/farms/{farm}/locations', { params: { path: { farm } }, body })),
      onSuccess: done,
    }),
    reshape: useMutation({
      mutationFn: ({ id, geometry }: { id: string; geometry: Geometry }) =>
        unwrap(
          api.PATCH('/api/v1/farms/{farm}/locations/{id}', { params: { path: { farm, id } }, body: { geometry } }),
        ),
      onSuccess: done,
    }),
    importGeoJson: useMutation({
      mutationFn: (body: FeatureCollection) =>
        unwrap(api.POST('/api/v1/farms/{farm}/locations/import', { params: { path: { farm } }, body })),
      onSuccess: done,
    }),
  };
}

/** Which mapped place (and its parents) holds a GPS position. */
export function lookup(farm: string, lat: number, lon: number): Promise<Lookup> {
  return unwrap(api.GET('/api/v1/farms/{farm}/locations/lookup', { params: { path: { farm }, query: { lat, lon } } }));
}

export function byQr(farm: string, qr: string): Promise<Place> {
  return unwrap(api.GET('/api/v1/farms/{farm}/locations/by-qr/{qr}', { params: { path: { farm, qr } } }));
}

export async function subtree(farm: string, id: string): Promise<Place[]> {
  return (await unwrap(api.GET('/api/v1/farms/{farm}/locations/{id}/subtree', { params: { path: { farm, id } } })))
    .data;
}

/** A location's printable QR label (SVG text; it needs the access token, so it is fetched, not linked). */
export async function qrLabel(farm: string, id: string): Promise<string> {
  const { data, error, response } = await api.GET('/api/v1/farms/{farm}/locations/{id}/qr.svg', {
    params: { path: { farm, id } },
    parseAs: 'text',
  });
  if (error !== undefined || !response.ok || typeof data !== 'string')
    throw new Error(`label ${id}: ${response.status}`);
  return data;
}
