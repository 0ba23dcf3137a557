import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { LiveEvents } from '../../platform/live/events.js';
import { forbidden, notFound } from '../../platform/errors.js';
import { recordAudit } from '../audit/index.js';
import { rank } from '../../platform/tenancy/access.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { apiKeysRepository, type ApiKeyListRow } from './identity.repository.js';
import type { NewApiKey } from './identity.schemas.js';
import { newApiKey } from './tokens.js';

/**
 * Service accounts for scripts, gateways and integrations: a key per farm, with a role. A key answers to
 * the person who made it and works only while they are an admin of the farm (see README, "API keys").
 */
export class ApiKeysService {
  constructor(private readonly deps: { db: Database; clock: Clock; live: LiveEvents }) {}

  /** Creates a key; the key itself is returned this once and stored only as a hash. */
  async create(ctx: FarmContext, input: NewApiKey, meta: RequestMeta): Promise<{ row: ApiKeyListRow; key: string }> {
    if (rank(input.role) > rank(ctx.role))
      throw forbidden(`A ${ctx.role} cannot make a key with the ${input.role} role`);
    const { key, prefix, hash } = newApiKey();
    const row = await this.deps.db.farm(ctx.farmId, async (tx) => {
      // The person who answers for the key: the caller, or the person behind the key that makes it.
      const createdBy =
        ctx.caller.kind === 'user'
          ? ctx.caller.userId
          : ctx.caller.kind === 'api_key'
            ? ((await apiKeysRepository.findById(tx, ctx.farmId, ctx.caller.apiKeyId))?.created_by ?? null)
            : null;
      const created = await apiKeysRepository.insert(tx, {
        farm_id: ctx.farmId,
        name: input.name.trim(),
        role: input.role,
        prefix,
        key_hash: hash,
        created_by: createdBy,
        created_at: this.deps.clock.now(),
        last_used_at: null,
        revoked_at: null,
      });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'api_key.created',
        category: 'api_keys',
        severity: 'warning',
        message: `API key "${created.name}" created with role ${input.role}`,
        data: { api_key_id: created.id, prefix },
      });
      const [listed] = await apiKeysRepository.list(tx, ctx.farmId, created.id);
      return listed!;
    });
    return { row, key };
  }

  list(ctx: FarmContext): Promise<ApiKeyListRow[]> {
    return this.deps.db.farm(ctx.farmId, (tx) => apiKeysRepository.list(tx, ctx.farmId));
  }

  async revoke(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const key = await apiKeysRepository.findById(tx, ctx.farmId, id);
      if (!key || key.revoked_at) throw notFound('API key', { id });
      await apiKeysRepository.revoke(tx, id, this.deps.clock.now());
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'api_key.revoked',
        category: 'api_keys',
        severity: 'warning',
        message: `API key "${key.name}" revoked`,
        data: { api_key_id: id },
      });
    });
    // After the commit: the live sockets opened with the key close now, not at their next re-check.
    this.deps.live.apiKeyRevoked(ctx.farmId, id);
  }
}
