import type { FastifyRequest } from 'fastify';
import { forbidden, unauthenticated } from '../errors.js';
import type { Permission } from '../tenancy/access.js';
import type { Caller, FarmContext, RequestMeta } from '../tenancy/caller.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
    farm: FarmContext | null;
  }
  interface FastifySchema {
    /** The permission a farm-scoped route needs (see platform/tenancy/access.ts); shown in the OpenAPI document. */
    'x-permission'?: Permission;
    /** Devices may call this route with their own credentials (HTTP Basic). */
    'x-devices'?: boolean;
  }
}

/** The signed-in caller of a request (401 when there is none). */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) {
    throw unauthenticated('Sign in first: send "Authorization: Bearer <token>"', { reason: 'no_credentials' });
  }
  return request.caller;
}

/** The farm a farm-scoped route acts in, resolved and permission-checked before the handler runs. */
export function farmOf(request: FastifyRequest): FarmContext {
  if (!request.farm) throw new Error(`Route ${request.routeOptions.url} is not farm-scoped`);
  return request.farm;
}

/** Where a request came from, for the audit log. */
export function metaOf(request: FastifyRequest): RequestMeta {
  const agent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof agent === 'string' ? agent : null };
}

/** A device calling with its own credentials may speak only for itself (`device`: its label or id in the path). */
export function onlyItself(request: FastifyRequest, device: string): void {
  const caller = request.caller;
  if (caller?.kind === 'device' && caller.label !== device && caller.deviceId !== device) {
    throw forbidden('A device may only speak for itself', { reason: 'device' });
  }
}
