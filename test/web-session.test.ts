import { afterEach, describe, expect, it, vi } from 'vitest';

// The web app's API client, loaded as the browser build would (outside the server's type check).
const CLIENT = '../web/src/api/client.ts';
interface Client {
  api: {
    GET(path: string, init?: object): Promise<unknown>;
    POST(path: string, init?: object): Promise<unknown>;
  };
  setAccessToken(token: string | undefined): void;
}

afterEach(() => vi.unstubAllGlobals());

describe("the web app's session", () => {
  it('never sends the access token to sign-in, refresh or sign-out, and does to the rest', async () => {
    const seen = new Map<string, string | null>();
    vi.stubGlobal('fetch', async (request: Request) => {
      seen.set(new URL(request.url).pathname, request.headers.get('authorization'));
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    });
    // A page's relative URLs, as a browser resolves them.
    const BrowserRequest = class extends Request {
      constructor(input: string | URL | Request, init?: RequestInit) {
        super(typeof input === 'string' ? new URL(input, 'http://croft.test') : input, init);
      }
    };
    vi.stubGlobal('Request', BrowserRequest);
    const client = (await import(/* @vite-ignore */ CLIENT)) as Client;
    client.setAccessToken('stale-token');
    for (const path of ['/api/v1/auth/logout', '/api/v1/auth/refresh', '/api/v1/auth/login'])
      await client.api.POST(path, { body: {} });
    await client.api.GET('/api/v1/auth/status');
    await client.api.GET('/api/v1/auth/me');
    await client.api.POST('/api/v1/auth/logout-all');
    await client.api.GET('/api/v1/farms');
    expect(Object.fromEntries(seen)).toEqual({
      '/api/v1/auth/logout': null,
      '/api/v1/auth/refresh': null,
      '/api/v1/auth/login': null,
      '/api/v1/auth/status': null,
      '/api/v1/auth/me': 'Bearer stale-token',
      '/api/v1/auth/logout-all': 'Bearer stale-token',
      '/api/v1/farms': 'Bearer stale-token',
    });
  });
});
