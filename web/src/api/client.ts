import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './generated/openapi';

export type Schemas = components['schemas'];
export type ErrorBody = Schemas['ErrorResponse'];

/** An API error in Croft's one shape, with the words the server chose. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The access token lives in memory only; the refresh token is an HttpOnly cookie. */
let accessToken: string | undefined;
let onUnauthenticated: (() => Promise<string | undefined>) | undefined;

export function setAccessToken(token: string | undefined): void {
  accessToken = token;
}
export function getAccessToken(): string | undefined {
  return accessToken;
}
/** Called once when a request is refused for an expired token; returns a fresh one (or none). */
export function setRefresher(refresh: () => Promise<string | undefined>): void {
  onUnauthenticated = refresh;
}
/** A fresh access token after a 401, for requests made outside the client (an upload with progress). */
export async function refreshAccessToken(): Promise<string | undefined> {
  return onUnauthenticated ? onUnauthenticated() : undefined;
}

/**
 * The auth endpoints that need no sign-in never get the access token: Croft ignores it there, and an
 * expired one must never stand between a person and signing out (or in) on a shared phone.
 */
const PUBLIC_AUTH = /\/api\/v1\/auth\/(status|setup|register|login|refresh|logout|password-reset)(\?|$)/;

/** Whether a request to this URL carries the access token. */
export function sendsAccessToken(url: string): boolean {
  return !PUBLIC_AUTH.test(url);
}

const auth: Middleware = {
  onRequest({ request }) {
    if (accessToken && sendsAccessToken(request.url) && !request.headers.has('authorization'))
      request.headers.set('authorization', `Bearer ${accessToken}`);
    // Cookie-based calls (refresh, logout) must say they come from script, not a form.
    request.headers.set('x-requested-with', 'croft-web');
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '/', fetch: retryingFetch });
api.use(auth);

/** Retries a request once with a new access token when the old one has expired. */
async function retryingFetch(request: Request): Promise<Response> {
  const retry = request.clone();
  const response = await fetch(request);
  if (response.status !== 401 || !onUnauthenticated || request.url.includes('/api/v1/auth/')) return response;
  const token = await onUnauthenticated();
  if (!token) return response;
  retry.headers.set('authorization', `Bearer ${token}`);
  return fetch(retry);
}

/** Unwraps an openapi-fetch result: the data, or an ApiError with the server's message. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiError(0, 'NETWORK', 'network');
  }
  const { data, error, response } = result;
  if (error !== undefined || !response.ok) throw apiError(response.status, error, response.statusText);
  return data as T;
}

/** A refusal as an ApiError: the error body's code, words and details, else the status alone. */
export function apiError(status: number, body: unknown, statusText = String(status)): ApiError {
  const error = (body ?? {}) as Partial<ErrorBody>;
  return new ApiError(
    status,
    error.error_code ?? `HTTP_${status}`,
    error.message || statusText || String(status),
    error.details ?? {},
  );
}
