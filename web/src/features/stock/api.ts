import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, unwrap } from '../../api/client';
import { download } from '../../components/download';
import type { paths } from '../../api/generated/openapi';
import { farmPath, outbox } from '../../offline/outbox';

type Json<P, M extends 'get' | 'post'> =
  P extends Record<M, { responses: { 200: { content: { 'application/json': infer R } } } }> ? R : never;

export type AvailabilityLine = Json<paths['/api/v1/farms/{farm}/availability'], 'get'>['data'][number];
export type Batch = Json<paths['/api/v1/farms/{farm}/stock/batches/{id}'], 'get'>;
export type Movement = Json<paths['/api/v1/farms/{farm}/stock/batches/{id}/movements'], 'get'>['data'][number];
export type StockConfig = Json<paths['/api/v1/farms/{farm}/locations/{id}/stock-config'], 'get'>['config'];
export type NewMovement =
  paths['/api/v1/farms/{farm}/stock/movements']['post']['requestBody']['content']['application/json'];
export type NewTransplant =
  paths['/api/v1/farms/{farm}/stock/transplants']['post']['requestBody']['content']['application/json'];
export type NewCount = paths['/api/v1/farms/{farm}/stock/counts']['post']['requestBody']['content']['application/json'];
export type CountResult =
  paths['/api/v1/farms/{farm}/stock/counts']['post']['responses'][201]['content']['application/json'];

export const stockKeys = {
  all: (farm: string) => [farm, 'stock'] as const,
  availability: (farm: string) => [farm, 'stock', 'availability'] as const,
  batches: (farm: string, query: { location?: string; product?: string }) => [farm, 'stock', 'batches', query] as const,
  batch: (farm: string, id: string) => [farm, 'stock', 'batch', id] as const,
  movements: (farm: string, id: string) => [farm, 'stock', 'batch', id, 'movements'] as const,
  config: (farm: string, location: string) => [farm, 'stock', 'config', location] as const,
  place: (farm: string, id: string) => [farm, 'stock', 'place', id] as const,
  product: (farm: string, id: string) => [farm, 'products', id] as const,
  packaging: (farm: string, id: string) => [farm, 'packaging', id] as const,
};

export function useAvailability(farm: string) {
  return useQuery({
    queryKey: stockKeys.availability(farm),
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/farms/{farm}/availability', { params: { path: { farm } } }))).data,
  });
}

/** Batches under a place or of a product (every page), active first, then by code. */
export function useBatches(farm: string, query: { location?: string; product?: string }, enabled = true) {
  return useQuery({
    queryKey: stockKeys.batches(farm, query),
    enabled,
    queryFn: async () => {
      const all: Batch[] = [];
      let cursor: string | undefined;
      do {
        const page = await unwrap(
          api.GET('/api/v1/farms/{farm}/stock/batches', {
            params: { path: { farm }, query: { ...query, limit: 500, ...(cursor ? { cursor } : {}) } },
          }),
        );
        all.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && all.length < 5_000);
      const rank = { active: 0, depleted: 1, closed: 2 } as const;
      return all.sort((a, b) => rank[a.status] - rank[b.status] || a.code.localeCompare(b.code));
    },
  });
}

export function useBatch(farm: string, id: string) {
  return useQuery({
    queryKey: stockKeys.batch(farm, id),
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/stock/batches/{id}', { params: { path: { farm, id } } })),
  });
}

/** A batch's movements, newest first, a page at a time. */
export function useMovements(farm: string, id: string) {
  return useInfiniteQuery({
    queryKey: stockKeys.movements(farm, id),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/farms/{farm}/stock/batches/{id}/movements', {
          params: { path: { farm, id }, query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function useStockConfig(farm: string, location: string) {
  return useQuery({
    queryKey: stockKeys.config(farm, location),
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/farms/{farm}/locations/{id}/stock-config', { params: { path: { farm, id: location } } }),
        )
      ).config,
  });
}

export function usePlace(farm: string, id: string) {
  return useQuery({
    queryKey: stockKeys.place(farm, id),
    enabled: id !== '',
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/locations/{id}', { params: { path: { farm, id } } })),
  });
}

/** A product's name and SKU (cached: a page of batches asks for the same few). */
export function useProduct(farm: string, id: string | undefined) {
  return useQuery({
    queryKey: stockKeys.product(farm, id ?? ''),
    enabled: !!id,
    staleTime: 5 * 60_000,
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/products/{ref}', { params: { path: { farm, ref: id! } } })),
  });
}

export function usePackaging(farm: string, id: string | undefined) {
  return useQuery({
    queryKey: stockKeys.packaging(farm, id ?? ''),
    enabled: !!id,
    staleTime: 5 * 60_000,
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/packaging/{ref}', { params: { path: { farm, ref: id! } } })),
  });
}

/** A write with its words for the phone's waiting list (see src/offline). */
type Labelled<B> = { body: B; label: string };

/**
 * The ledger's writes; each carries an id made here, so a resend is stored once. Counts, movements and
 * transplants made without a connection wait on the phone (`queued`) and are sent when it returns.
 */
export function useStockActions(farm: string) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: stockKeys.all(farm) });
  return {
    count: useMutation({
      mutationFn: ({ body, label }: Labelled<NewCount>) =>
        outbox.submit(
          {
            id: body.movement_id,
            farm,
            kind: 'count',
            method: 'POST',
            path: farmPath(farm, '/stock/counts'),
            body,
            label,
          },
          () => unwrap(api.POST('/api/v1/farms/{farm}/stock/counts', { params: { path: { farm } }, body })),
        ),
      onSuccess: refresh,
    }),
    record: useMutation({
      mutationFn: ({ body, label }: Labelled<NewMovement>) =>
        outbox.submit(
          {
            id: body.id!,
            farm,
            kind: 'movement',
            method: 'POST',
            path: farmPath(farm, '/stock/movements'),
            body,
            label,
            subject: body.batch,
          },
          () => unwrap(api.POST('/api/v1/farms/{farm}/stock/movements', { params: { path: { farm } }, body })),
        ),
      onSuccess: refresh,
    }),
    transplant: useMutation({
      mutationFn: ({ body, label }: Labelled<NewTransplant>) =>
        outbox.submit(
          {
            id: body.id!,
            farm,
            kind: 'transplant',
            method: 'POST',
            path: farmPath(farm, '/stock/transplants'),
            body,
            label,
            subject: body.from_batch,
          },
          () => unwrap(api.POST('/api/v1/farms/{farm}/stock/transplants', { params: { path: { farm } }, body })),
        ),
      onSuccess: refresh,
    }),
    close: useMutation({
      mutationFn: ({ id, reason }: { id: string; reason?: string }) =>
        unwrap(
          api.POST('/api/v1/farms/{farm}/stock/batches/{id}/close', {
            params: { path: { farm, id } },
            body: reason ? { reason } : {},
          }),
        ),
      onSuccess: refresh,
    }),
  };
}

type Fetched = Promise<{ data?: unknown; error?: unknown; response: Response }>;

/** A label file as a blob URL (the caller opens and then revokes it); the request carries the access token. */
async function asBlobUrl(call: Fetched): Promise<string> {
  const data = await unwrap(call);
  if (!(data instanceof Blob)) throw new ApiError(0, 'NETWORK', 'network');
  return URL.createObjectURL(data);
}

/**
 * Labels: A4 sheets (PDF) of storage locations and batches, or one batch's label (SVG). They need the access
 * token, which lives in memory, not in a cookie: fetched, then opened as a blob URL.
 */
export const labels = {
  sheet: (farm: string, which: { locations?: string[]; batches?: string[] }) =>
    asBlobUrl(
      api.GET('/api/v1/farms/{farm}/stock/labels.pdf', {
        params: { path: { farm }, query: { location: which.locations, batch: which.batches } },
        parseAs: 'blob',
      }),
    ),
  batch: (farm: string, id: string) =>
    asBlobUrl(
      api.GET('/api/v1/farms/{farm}/stock/batches/{id}/label.svg', {
        params: { path: { farm, id } },
        parseAs: 'blob',
      }),
    ),
};

/** Saves a fetched file under its name (the browser's download). */
/**
 * Opens a label sheet (PDF) in a tab of its own. The tab is opened at the tap (a browser blocks a window
 * opened later), and shown the file once it has come; without a tab (blocked), the file is downloaded instead.
 */
export async function openLabel(load: () => Promise<string>, filename: string): Promise<void> {
  const tab = window.open('', '_blank');
  try {
    const url = await load();
    if (tab) {
      tab.location.href = url;
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } else download(url, filename);
  } catch (error) {
    tab?.close();
    throw error;
  }
}

/**
 * Saves one batch's label (SVG) as a file for the label printer's software. Never opened as a page: an SVG
 * shown from a blob URL would run as a document of Croft's own origin.
 */
export async function saveLabel(load: () => Promise<string>, filename: string): Promise<void> {
  download(await load(), filename);
}

/** The farm's packaging (every page), for a transplant into another pot. */
export function usePackagingList(farm: string, enabled: boolean) {
  return useQuery({
    queryKey: [farm, 'packaging', 'all'] as const,
    enabled,
    queryFn: async () => {
      type Page = Json<paths['/api/v1/farms/{farm}/packaging'], 'get'>;
      const all: Page['data'] = [];
      let cursor: string | undefined;
      do {
        const page: Page = await unwrap(
          api.GET('/api/v1/farms/{farm}/packaging', {
            params: { path: { farm }, query: { limit: 200, ...(cursor ? { cursor } : {}) } },
          }),
        );
        all.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && all.length < 5_000);
      return all;
    },
  });
}
