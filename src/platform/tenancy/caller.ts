import type { Role } from './access.js';

/** Who is asking: a signed-in person or a farm's API key. */
export type Caller =
  | { kind: 'user'; userId: string; sessionId: string; isInstanceAdmin: boolean }
  | { kind: 'api_key'; apiKeyId: string; farmId: string; role: Role }
  /** A device with its own credentials: only on routes that say `x-devices: true`, and only as itself. */
  | { kind: 'device'; deviceId: string; label: string; farmId: string; farmSlug: string; farmTimeZone: string };

/** A caller inside one farm, with the role they hold there (already checked against the route). */
export interface FarmContext {
  farmId: string;
  slug: string;
  timeZone: string;
  role: Role;
  caller: Caller;
}

/** Where a request came from, for the audit log. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export const actorIds = (caller: Caller | undefined) => ({
  user_id: caller?.kind === 'user' ? caller.userId : null,
  api_key_id: caller?.kind === 'api_key' ? caller.apiKeyId : null,
});

/** The role a caller holds in its own farm when it is not a person (API keys carry one; devices record). */
export const DEVICE_ROLE: Role = 'worker';
