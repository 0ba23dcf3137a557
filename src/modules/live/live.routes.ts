import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { forbidden, unauthenticated } from '../../platform/errors.js';
import { isUuid } from '../../platform/ids.js';
import { LIVE_MAX_BUFFERED_BYTES, LiveSession, type Authenticated, type LiveSessionDeps } from './live.session.js';
import { asyncApiDocument } from './asyncapi.js';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { LiveBus } from '../../platform/live/bus.js';
import type { Logger } from '../../platform/logger.js';
import type { Caller } from '../../platform/tenancy/caller.js';
import { VERSION } from '../../platform/version.js';
import { sameOrigin } from '../../platform/http/light-mode.js';
import type { AuthService } from '../identity/index.js';
import type { FarmsService } from '../farms/index.js';
import type { DevicesService } from '../devices/index.js';
import type { TelemetryService } from '../telemetry/index.js';

/** What the live hub's sockets are made of. */
export interface LiveRoutesDeps {
  config: Config;
  clock: Clock;
  log: Logger;
  bus: LiveBus;
  auth: AuthService;
  farms: FarmsService;
  devices: DevicesService;
  telemetry: TelemetryService;
}

declare module 'fastify' {
  interface FastifyRequest {
    liveAuth?: Authenticated & { credential: string };
  }
}

/** What a light-mode socket signed in with: checked again as the local admin, never as a token. */
const LIGHT_MODE_CREDENTIAL = 'light-mode';

/** Browsers send Origin on a WebSocket upgrade: only Croft's own pages (and configured ones) may open one. */
export function originAllowed(
  request: FastifyRequest,
  deps: { config: Pick<Config, 'publicUrl' | 'allowedOrigins'> },
): boolean {
  const origin = request.headers.origin;
  // Not a browser when absent; else Croft's own pages (the Host the socket was opened on) or configured ones.
  return origin === undefined || sameOrigin(origin, request.headers.host, deps.config);
}

/**
 * The live hub's sockets: `/api/v1/farms/{farm}/live` (the farm's events and the person's
 * notifications) and `/api/v1/live` (notifications only). Messages are described by the AsyncAPI
 * document at /api/v1/asyncapi.json.
 */
export const liveRoutes: FastifyPluginAsyncTypebox<LiveRoutesDeps> = async (app, deps) => {
  const { auth, farms, telemetry, devices } = deps;

  /** Open sockets per person or API key, in this process. */
  const openSockets = new Map<string, number>();
  const admit = (caller: Caller): (() => void) | undefined => {
    const key =
      caller.kind === 'user'
        ? `user:${caller.userId}`
        : caller.kind === 'api_key'
          ? `key:${caller.apiKeyId}`
          : `device:${caller.deviceId}`;
    const count = openSockets.get(key) ?? 0;
    if (count >= deps.config.liveSocketsPerUser) return undefined;
    openSockets.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (openSockets.get(key) ?? 1) - 1;
      if (left > 0) openSockets.set(key, left);
      else openSockets.delete(key);
    };
  };

  const light = deps.config.auth === 'none';
  const sessionDeps: LiveSessionDeps = {
    bus: deps.bus,
    clock: deps.clock,
    log: deps.log.child({ component: 'live' }),
    checkMs: deps.config.liveCheckMs,
    recheckMs: deps.config.liveRecheckMs,
    authTimeoutMs: deps.config.liveAuthTimeoutMs,
    maxBufferedBytes: LIVE_MAX_BUFFERED_BYTES,
    authenticate: (token) =>
      light && token === LIGHT_MODE_CREDENTIAL
        ? auth.localCaller().then((caller) => ({ caller, expiresAt: null }))
        : auth.authenticateUntil(token),
    admit,
    maxSocketsPerUser: deps.config.liveSocketsPerUser,
    farmContext: (caller, farm) => farms.context(caller, farm),
    labelsOf: (farmId, refs) => devices.labelsOf(farmId, refs),
    history: async (farmId, sub) =>
      (
        await telemetry.recent(farmId, {
          devices: sub.devices ? [...sub.devices] : undefined,
          metrics: sub.metrics ? [...sub.metrics] : undefined,
        })
      ).map((r) => ({ device: r.device, metric: r.metric, ts: r.ts.getTime(), value: r.value, quality: r.quality })),
  };

  /** Before the upgrade: the Origin, and a credential sent as a header (refused with a normal JSON error). */
  const beforeUpgrade = async (request: FastifyRequest) => {
    if (!originAllowed(request, deps))
      throw forbidden('This page’s origin may not open a live socket', { origin: request.headers.origin });
    const credential = credentialOf(request.headers.authorization);
    if (credential === undefined) return;
    const authenticated = await sessionDeps.authenticate(credential);
    const farm = (request.params as { farm?: string }).farm;
    if (farm !== undefined) await farms.context(authenticated.caller, farm);
    request.liveAuth = { ...authenticated, credential };
  };

  /** The token of an Authorization header; without one, light mode's credential (every request is the local admin's). */
  const credentialOf = (header: string | undefined): string | undefined => {
    if (header === undefined) return light ? LIGHT_MODE_CREDENTIAL : undefined;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1])
      throw unauthenticated('The Authorization header must read "Bearer <token>"', { reason: 'malformed' });
    return match[1];
  };

  const describe = (summary: string) => ({ hide: true, summary, response: { 101: Type.Null() } });

  app.get(
    '/api/v1/farms/:farm/live',
    { websocket: true, schema: describe('Live farm events (WebSocket)'), preValidation: beforeUpgrade },
    (socket, request) => {
      const farm = (request.params as { farm: string }).farm;
      new LiveSession(socket, sessionDeps, isUuid(farm) ? farm.toLowerCase() : farm).start(request.liveAuth);
    },
  );

  app.get(
    '/api/v1/live',
    {
      websocket: true,
      schema: describe("The signed-in person's notifications (WebSocket)"),
      preValidation: beforeUpgrade,
    },
    (socket, request) => new LiveSession(socket, sessionDeps, null).start(request.liveAuth),
  );

  app.get(
    '/api/v1/asyncapi.json',
    {
      schema: { hide: true, response: { 200: Type.Object({}, { additionalProperties: true }) } },
    },
    async () => asyncApiDocument(VERSION),
  );
};
