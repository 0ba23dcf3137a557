import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { answerClientError, answerFrameworkError, registerErrorHandling } from './platform/http/error-handler.js';
import { healthRoutes } from './platform/http/health.routes.js';
import { webConfigRoutes } from './platform/http/web-config.routes.js';
import { registerLightModeGuard } from './platform/http/light-mode.js';
import { registerMetrics } from './platform/http/metrics.js';
import { registerOpenApi, requireResponseSchemas } from './platform/http/openapi.js';
import { registerSecurityHeaders, requestIdFrom, securityHeaders } from './platform/http/security.js';
import { lazySerializers } from './platform/http/serialization.js';
import { registerValidation } from './platform/http/validation.js';
import { registerWebApp } from './platform/http/web-app.js';
import type { AppDeps } from './deps.js';
import type { Config } from './platform/config.js';
import { unavailable } from './platform/errors.js';
import { registerAuthHttp } from './modules/identity/index.js';
import { LIVE_MAX_MESSAGE_BYTES } from './modules/live/index.js';
import { modules } from './modules/index.js';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * While closing, a request that arrives on an open connection is refused with 503 SHUTTING_DOWN, and
 * responses to requests that were already in flight say `Connection: close`, so
 * keep-alive clients (browsers, load balancers) let go and the server can finish closing; otherwise
 * it waits for their idle sockets to time out.
 */
function drainOnClose(app: App): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw unavailable('SHUTTING_DOWN', 'Croft is shutting down: try again in a moment');
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}

/** Fastify's types take a hop count as the function proxy-addr makes of it: trust the first `hops` hops. */
function trusted(trust: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/** Builds the HTTP app. It never listens by itself: `serve` (or a test's `inject`) decides. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const root: { app?: FastifyInstance } = {};
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps Fastify's default logger type parameter.
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.config.bodyLimitBytes,
    // Behind a reverse proxy, each client's own address (rate limits, the audit log) comes from it.
    trustProxy: trusted(deps.config.trustProxy),
    genReqId: requestIdFrom,
    forceCloseConnections: 'idle',
    // Requests arriving while closing get Croft's own 503 (drainOnClose), in the one error shape.
    return503OnClosing: false,
    // What Fastify and Node refuse before any route runs answers in the one error shape too.
    frameworkErrors: answerFrameworkError(securityHeaders(deps.config.env === 'production')),
    clientErrorHandler: answerClientError,
    // Response serializers are compiled at each route's first answer, not at start (see serialization.ts).
    schemaController: { compilersFactory: { buildSerializer: lazySerializers(() => root.app!) } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  root.app = app as unknown as FastifyInstance;

  registerValidation(app);
  // Before any route's own hooks: light mode's checks of Host and Origin come before the caller is made.
  if (deps.config.auth === 'none') registerLightModeGuard(app, deps.config);
  app.addHook('onRoute', requireResponseSchemas);
  drainOnClose(app);
  registerErrorHandling(app, await registerWebApp(app, undefined, { tilesUrl: deps.config.mapTilesUrl }));
  registerSecurityHeaders(app, { production: deps.config.env === 'production' });
  registerMetrics(app, deps.metrics, deps.config.metricsToken);
  await registerOpenApi(app, deps.version);
  await registerAuthHttp(app, {
    auth: deps.services.auth,
    farms: deps.services.farms,
    lightMode: deps.config.auth === 'none',
    redis: deps.redis,
    authenticateDevice: (username, password) => deps.services.devices.authenticate(username, password),
  });

  // One WebSocket server for every upgrade (live sockets, MQTT over WebSocket): its largest frame is an
  // MQTT packet's; live sessions refuse anything above their own smaller limit.
  await app.register(websocket, {
    options: { maxPayload: Math.max(LIVE_MAX_MESSAGE_BYTES, deps.config.mqttMaxPacketBytes + 8) },
  });
  await app.register(healthRoutes, deps);
  await app.register(webConfigRoutes, { config: deps.config });
  // Each module's routes get what its plugin's type names: the platform's parts and the services.
  const everything = { ...deps, ...deps.services };
  for (const module of modules)
    if (module.routes) await app.register(module.routes as FastifyPluginAsyncTypebox<typeof everything>, everything);

  return app;
}
