import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, ApiError, apiError, getAccessToken, refreshAccessToken, unwrap } from '../../api/client';
import type { paths } from '../../api/generated/openapi';

export type Photo = paths['/api/v1/farms/{farm}/photos/{id}']['get']['responses'][200]['content']['application/json'];
export type Session =
  paths['/api/v1/farms/{farm}/photo-sessions/{id}']['get']['responses'][200]['content']['application/json'];
type DetectionAnswer =
  paths['/api/v1/farms/{farm}/photo-sessions/{id}/detections']['get']['responses'][200]['content']['application/json'];
export type DetectionList = Extract<DetectionAnswer, { data: unknown }>;
export type Detection = DetectionList['data'][number];
export type Validation =
  paths['/api/v1/farms/{farm}/photo-sessions/{id}/validate']['post']['responses'][201]['content']['application/json'];

export const photoKeys = {
  session: (farm: string, id: string) => [farm, 'photo-sessions', id] as const,
  detections: (farm: string, id: string) => [farm, 'photo-sessions', id, 'detections'] as const,
  image: (farm: string, photo: string) => [farm, 'photos', photo, 'image'] as const,
};

/** A session still being worked: asked again every 1.5 s until it is counted or has failed. */
export const isWorking = (status: Session['status'] | undefined) => status === 'pending' || status === 'processing';

export function usePhotoSession(farm: string, id: string) {
  return useQuery({
    queryKey: photoKeys.session(farm, id),
    queryFn: () => unwrap(api.GET('/api/v1/farms/{farm}/photo-sessions/{id}', { params: { path: { farm, id } } })),
    refetchInterval: (query) => (isWorking(query.state.data?.status) ? 1500 : false),
  });
}

/** What the counter found, once the session is counted (the list form: boxes and centres in pixels). */
export function useDetections(farm: string, id: string, enabled: boolean) {
  return useQuery({
    queryKey: photoKeys.detections(farm, id),
    enabled,
    queryFn: async () =>
      (await unwrap(
        api.GET('/api/v1/farms/{farm}/photo-sessions/{id}/detections', { params: { path: { farm, id } } }),
      )) as DetectionList,
  });
}

/**
 * The photo's display copy (upright, long side ≤ 2048 px), fetched with the access token into a blob URL
 * (an <img src> carries no token); the URL is let go when the page closes.
 */
export function usePhotoImage(farm: string, photo: string | undefined) {
  const query = useQuery({
    queryKey: photoKeys.image(farm, photo ?? ''),
    enabled: !!photo,
    staleTime: Infinity,
    gcTime: 0,
    queryFn: async () => {
      const blob = (await unwrap(
        api.GET('/api/v1/farms/{farm}/photos/{id}/image', {
          params: { path: { farm, id: photo! }, query: { size: 'display' } },
          parseAs: 'blob',
        }),
      )) as unknown as Blob;
      return blob;
    },
  });
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (!query.data) return;
    const made = URL.createObjectURL(query.data);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [query.data]);
  return { url, error: query.error, isPending: query.isPending && !!photo };
}

export function usePhotoActions(farm: string, session: string) {
  const client = useQueryClient();
  const refreshStock = () => client.invalidateQueries({ queryKey: [farm, 'stock'] });
  return {
    setLocation: useMutation({
      mutationFn: (location: string) =>
        unwrap(
          api.PATCH('/api/v1/farms/{farm}/photo-sessions/{id}', {
            params: { path: { farm, id: session } },
            body: { location_id: location },
          }),
        ),
      onSuccess: (data) => client.setQueryData(photoKeys.session(farm, session), data),
    }),
    validate: useMutation({
      mutationFn: (count: number | undefined) =>
        unwrap(
          api.POST('/api/v1/farms/{farm}/photo-sessions/{id}/validate', {
            params: { path: { farm, id: session } },
            body: count === undefined ? {} : { count },
          }),
        ),
      onSuccess: (data) => {
        client.setQueryData(photoKeys.session(farm, session), data.session);
        void refreshStock();
      },
      // Refused because it was validated meanwhile (another phone): show what the session holds now.
      onError: () => client.invalidateQueries({ queryKey: photoKeys.session(farm, session) }),
    }),
  };
}

/** Bytes sent of the whole, 0–1. */
export type Progress = (share: number) => void;

/** One PUT of the photo's bytes through XMLHttpRequest (fetch reports no upload progress). */
function sendOnce(url: string, file: Blob, token: string | undefined, progress: Progress) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('x-requested-with', 'croft-web');
    // The server judges the bytes; a phone's file may come without a type.
    xhr.setRequestHeader('content-type', /^image\//.test(file.type) ? file.type : 'application/octet-stream');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) progress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: the status alone speaks
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'network'));
    xhr.onabort = () => reject(new ApiError(0, 'NETWORK', 'network'));
    xhr.send(file);
  });
}

/**
 * Uploads a photo under an id made on the phone (a resend of the same bytes is stored once), with its
 * progress; retried once with a fresh token when the old one had expired, as the API client does.
 */
export async function uploadPhoto(
  farm: string,
  id: string,
  file: Blob,
  location: string | undefined,
  progress: Progress,
): Promise<Photo> {
  const query = location ? `?location_id=${encodeURIComponent(location)}` : '';
  const url = `/api/v1/farms/${encodeURIComponent(farm)}/photos/${id}${query}`;
  let answer = await sendOnce(url, file, getAccessToken(), progress);
  if (answer.status === 401) {
    const token = await refreshAccessToken();
    if (token) {
      progress(0);
      answer = await sendOnce(url, file, token, progress);
    }
  }
  if (answer.status >= 200 && answer.status < 300) return answer.body as Photo;
  throw apiError(answer.status, answer.body);
}
