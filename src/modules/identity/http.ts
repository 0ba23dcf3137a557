import { callerOf } from '../../platform/http/context.js';
import type { FastifyInstance, onRequestAsyncHookHandler, preParsingAsyncHookHandler, RouteOptions } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import { forbidden, unauthenticated } from '../../platform/errors.js';
import type { FarmsService } from '../farms/index.js';
import { can, isPermission } from '../../platform/tenancy/access.js';
import type { AuthService } from './auth.service.js';

/** Routes under this prefix act inside one farm and must declare a permission. */
export const FARM_ROUTE = /^\/api\/v1\/farms\/:farm(\/|$)/;

const isPublic = (route: RouteOptions) => {
  const security = (route.schema as { security?: unknown[] } | undefined)?.security;
  return Array.isArray(security) && security.length === 0;
};

export interface AuthHttpOptions {
  auth: AuthService;
  farms: FarmsService;
  /** Checks a device's own username and password (HTTP Basic). */
  authenticateDevice: (
    username: string,
    password: string,
  ) => Promise<{ id: string; farmId: string; farmSlug: string; farmTimeZone: string; label: string } | undefined>;
  lightMode: boolean;
  /** Rate-limit counters live here when set, so every instance counts together. */
  redis?: Redis | undefined;
}

/**
 * Who is calling, for every request: `Authorization: Bearer <access token | API key>`. Routes are
 * private unless their schema says `security: []`; public routes ignore any credential sent. Farm routes
 * (`/api/v1/farms/:farm/…`) resolve the farm — 404 when the caller is not a member, exactly as when it
 * does not exist — and refuse a role
 * without the route's declared permission. All of it happens before the body is read: no credential or
 * a bad one answers 401 at once (onRequest), the farm and the permission are checked before parsing.
 */
export async function registerAuthHttp(app: FastifyInstance, options: AuthHttpOptions): Promise<void> {
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    ...(options.redis ? { redis: options.redis, nameSpace: 'croft:rate:' } : {}),
  });
  app.decorateRequest('caller', null);
  app.decorateRequest('farm', null);

  const identify: onRequestAsyncHookHandler = async (request) => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
      if (basic?.[1]) {
        const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        const device =
          colon > 0 ? await options.authenticateDevice(decoded.slice(0, colon), decoded.slice(colon + 1)) : undefined;
        if (!device) throw unauthenticated('The device credentials are not valid', { reason: 'invalid' });
        request.caller = {
          kind: 'device',
          deviceId: device.id,
          label: device.label,
          farmId: device.farmId,
          farmSlug: device.farmSlug,
          farmTimeZone: device.farmTimeZone,
        };
        return;
      }
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1])
        throw unauthenticated('The Authorization header must read "Bearer <token>" (or Basic, for devices)', {
          reason: 'malformed',
        });
      request.caller = await options.auth.authenticate(match[1]);
    } else if (options.lightMode) {
      request.caller = await options.auth.localCaller();
    }
  };

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    const schema = route.schema as { hide?: boolean; 'x-permission'?: unknown; 'x-devices'?: boolean } | undefined;
    if (schema?.hide) return;
    // A public route never looks at who is calling: a stale or broken credential must not stand in the way
    // of signing in, refreshing or signing out (an expired access token sent to /auth/logout).
    if (isPublic(route)) return;
    // Everything below runs before the body is read: an anonymous or unauthorised request is refused
    // without its body (a 4 MB CSV, a 20 MB GeoJSON) ever being parsed.
    const devicesAllowed = schema?.['x-devices'] === true;
    const onRequest: onRequestAsyncHookHandler[] = [
      identify,
      async (request) => {
        if (callerOf(request).kind === 'device' && !devicesAllowed)
          throw forbidden('Device credentials open only the device endpoints', { reason: 'device' });
      },
    ];
    const preParsing: preParsingAsyncHookHandler[] = [];
    if (FARM_ROUTE.test(route.url)) {
      const permission = schema?.['x-permission'];
      if (!isPermission(permission))
        throw new Error(`Farm route ${String(route.method)} ${route.url} declares no valid x-permission`);
      preParsing.push(async (request, _reply, payload) => {
        const farm = (request.params as { farm?: string }).farm ?? '';
        const context = await options.farms.context(callerOf(request), farm);
        if (!can(context.role, permission))
          throw forbidden(`A ${context.role} may not do this (needs ${permission})`, {
            permission,
            role: context.role,
          });
        request.farm = context;
        return payload;
      });
    }
    route.onRequest = [...onRequest, ...toArray(route.onRequest)];
    route.preParsing = [...preParsing, ...toArray(route.preParsing)];
  });
}

function toArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
