import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, forbidden, invalid, notFound } from '../../platform/errors.js';
import { isTimeZone } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import type { LiveEvents } from '../../platform/live/events.js';
import { can, rank, type Role } from '../../platform/tenancy/access.js';
import { DEVICE_ROLE, type Caller, type FarmContext, type RequestMeta } from '../../platform/tenancy/caller.js';
import { hashToken, randomToken } from '../../platform/secrets.js';
import {
  farmsRepository,
  invitationsRepository,
  membershipsRepository,
  type FarmRow,
  type InvitationRow,
} from './farms.repository.js';
import { looksLikeUuid, slugCandidate, slugFrom } from './slug.engine.js';

export interface NewFarm {
  name: string;
  slug?: string | undefined;
  timezone: string;
  latitude?: number | null | undefined;
  longitude?: number | null | undefined;
  description?: string | undefined;
}

export interface FarmPatch {
  name?: string | undefined;
  timezone?: string | undefined;
  latitude?: number | null | undefined;
  longitude?: number | null | undefined;
  description?: string | undefined;
}

interface Deps {
  db: Database;
  clock: Clock;
  config: Config;
  live: LiveEvents;
}

function checkTimeZone(zone: string, field = 'timezone'): void {
  if (!isTimeZone(zone)) {
    throw invalid(`"${zone}" is not an IANA time zone such as Asia/Phnom_Penh`, {
      fields: [{ field: `body.${field}`, message: 'is not a known time zone' }],
    });
  }
}

function userOf(caller: Caller): string {
  if (caller.kind !== 'user') throw forbidden('Only a signed-in person can do this, not an API key');
  return caller.userId;
}

/** Farms (the tenants), their members and invitations. */
export class FarmsService {
  constructor(private readonly deps: Deps) {}

  /**
   * The caller's context in a farm named by id or slug. A farm the caller does not belong to answers
   * 404, exactly like one that does not exist.
   */
  async context(caller: Caller, idOrSlug: string): Promise<FarmContext> {
    const { db } = this.deps;
    if (caller.kind === 'device') {
      // Its credentials were looked up with its (live) farm a moment ago, in this request: no second look-up.
      if (idOrSlug !== caller.farmSlug && idOrSlug.toLowerCase() !== caller.farmId)
        throw notFound('Farm', { farm: idOrSlug });
      return { farmId: caller.farmId, slug: caller.farmSlug, timeZone: caller.farmTimeZone, role: DEVICE_ROLE, caller };
    }
    const found =
      caller.kind === 'user'
        ? await db.user(caller.userId, async (tx) => {
            const farm = await farmsRepository.findLive(tx, idOrSlug);
            const membership = farm && (await membershipsRepository.find(tx, farm.id, caller.userId));
            return farm && membership ? { farm, role: membership.role } : undefined;
          })
        : await db.farm(caller.farmId, async (tx) => {
            const farm = await farmsRepository.findLive(tx, idOrSlug);
            return farm && farm.id === caller.farmId ? { farm, role: caller.role } : undefined;
          });
    if (!found) throw notFound('Farm', { farm: idOrSlug });
    return { farmId: found.farm.id, slug: found.farm.slug, timeZone: found.farm.time_zone, role: found.role, caller };
  }

  /** A free slug for `wanted` (given) or for the farm's name (made up). */
  async #chooseSlug(name: string, wanted: string | undefined): Promise<string> {
    return this.deps.db.system(async (tx) => {
      if (wanted !== undefined) {
        if (looksLikeUuid(wanted))
          throw invalid('A slug must not look like a UUID', {
            fields: [{ field: 'body.slug', message: 'must not look like a UUID' }],
          });
        if (await farmsRepository.slugTaken(tx, wanted))
          throw conflict('SLUG_TAKEN', `The slug "${wanted}" is taken`, { slug: wanted });
        return wanted;
      }
      const base = slugFrom(name);
      for (let n = 1; n < 1000; n++) {
        const candidate = slugCandidate(base, n);
        if (!(await farmsRepository.slugTaken(tx, candidate))) return candidate;
      }
      return `${base.slice(0, 50)}-${randomUUID().slice(0, 8)}`;
    });
  }

  /** Inserts a farm with `userId` as its admin, inside the caller's transaction (setup uses this). */
  async insertFarm(
    tx: Tx,
    farmId: string,
    slug: string,
    input: NewFarm,
    userId: string,
    meta: RequestMeta | undefined,
    caller?: Caller,
  ): Promise<FarmRow> {
    const now = this.deps.clock.now();
    const farm = await farmsRepository.insert(tx, {
      id: farmId,
      name: input.name.trim(),
      slug,
      time_zone: input.timezone,
      latitude: input.latitude ?? null,
      longitude: input.longitude ?? null,
      description: input.description ?? '',
      created_at: now,
      updated_at: now,
      deleted_at: null,
    });
    await membershipsRepository.insert(tx, farm.id, userId, 'admin', now);
    await recordAudit(tx, this.deps.clock, {
      farmId: farm.id,
      caller,
      userId,
      meta,
      eventType: 'farm.created',
      category: 'farm',
      message: `Farm "${farm.name}" created`,
      data: { slug: farm.slug },
    });
    return farm;
  }

  /** Validates a new farm and picks its slug; the insert happens in {@link insertFarm}. */
  async prepareFarm(input: NewFarm): Promise<{ id: string; slug: string }> {
    checkTimeZone(input.timezone);
    return { id: randomUUID(), slug: await this.#chooseSlug(input.name, input.slug) };
  }

  async create(caller: Caller, input: NewFarm, meta: RequestMeta): Promise<FarmRow & { role: Role }> {
    const userId = userOf(caller);
    const { id, slug } = await this.prepareFarm(input);
    const farm = await this.deps.db.farm(
      id,
      (tx) => this.insertFarm(tx, id, slug, input, userId, meta, caller),
      userId,
    );
    return { ...farm, role: 'admin' };
  }

  listMine(caller: Caller) {
    const userId = userOf(caller);
    return this.deps.db.user(userId, (tx) => farmsRepository.listForUser(tx, userId));
  }

  async get(ctx: FarmContext): Promise<FarmRow & { role: Role }> {
    const farm = await this.deps.db.farm(ctx.farmId, (tx) => farmsRepository.findLive(tx, ctx.farmId));
    if (!farm) throw notFound('Farm');
    return { ...farm, role: ctx.role };
  }

  async update(ctx: FarmContext, patch: FarmPatch, meta: RequestMeta): Promise<FarmRow & { role: Role }> {
    if (patch.timezone !== undefined) checkTimeZone(patch.timezone);
    const farm = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const updated = await farmsRepository.update(tx, ctx.farmId, {
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.timezone !== undefined ? { time_zone: patch.timezone } : {}),
        ...(patch.latitude !== undefined ? { latitude: patch.latitude } : {}),
        ...(patch.longitude !== undefined ? { longitude: patch.longitude } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        updated_at: this.deps.clock.now(),
      });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'farm.updated',
        category: 'farm',
        message: 'Farm settings changed',
        data: { changed: Object.keys(patch) },
      });
      return updated;
    });
    return { ...farm, role: ctx.role };
  }

  /** Soft delete: the farm disappears at once and is purged after CROFT_FARM_PURGE_DAYS. */
  async remove(ctx: FarmContext, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      await farmsRepository.update(tx, ctx.farmId, { deleted_at: this.deps.clock.now() });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'farm.deleted',
        category: 'farm',
        severity: 'warning',
        message: 'Farm deleted',
      });
    });
  }

  /** Purges farms deleted longer ago than the setting allows; returns how many. Idempotent. */
  async purgeDeleted(): Promise<number> {
    const cutoff = new Date(this.deps.clock.now().getTime() - this.deps.config.farmPurgeDays * 86_400_000);
    return this.deps.db.system(async (tx) => {
      const due = await farmsRepository.listDeletedBefore(tx, cutoff, 100);
      for (const farm of due) await farmsRepository.purge(tx, farm.id);
      return due.length;
    });
  }

  // Members

  listMembers(ctx: FarmContext) {
    return this.deps.db.farm(ctx.farmId, (tx) => membershipsRepository.list(tx, ctx.farmId));
  }

  async changeRole(ctx: FarmContext, userId: string, role: Role, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const member = await membershipsRepository.find(tx, ctx.farmId, userId);
      if (!member) throw notFound('Member', { user_id: userId });
      if (member.role === role) return;
      if (member.role === 'admin') await this.#keepAnAdmin(tx, ctx.farmId, userId);
      await membershipsRepository.setRole(tx, ctx.farmId, userId, role);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'member.role_changed',
        category: 'members',
        severity: 'warning',
        message: `Role changed from ${member.role} to ${role}`,
        data: { user_id: userId, from: member.role, to: role },
      });
    });
  }

  async removeMember(ctx: FarmContext, userId: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const member = await membershipsRepository.find(tx, ctx.farmId, userId);
      if (!member) throw notFound('Member', { user_id: userId });
      if (rank(member.role) >= rank('admin') && !can(ctx.role, 'members.change_role')) {
        throw forbidden('Only an admin can remove an admin');
      }
      if (member.role === 'admin') await this.#keepAnAdmin(tx, ctx.farmId, userId);
      await membershipsRepository.remove(tx, ctx.farmId, userId);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'member.removed',
        category: 'members',
        severity: 'warning',
        message: `Member removed (was ${member.role})`,
        data: { user_id: userId, role: member.role },
      });
    });
    this.deps.live.memberRemoved(ctx.farmId, userId);
  }

  async leave(ctx: FarmContext, meta: RequestMeta): Promise<void> {
    const userId = userOf(ctx.caller);
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      if (ctx.role === 'admin') await this.#keepAnAdmin(tx, ctx.farmId, userId);
      await membershipsRepository.remove(tx, ctx.farmId, userId);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'member.left',
        category: 'members',
        message: 'Left the farm',
      });
    });
    this.deps.live.memberRemoved(ctx.farmId, userId);
  }

  async #keepAnAdmin(tx: Tx, farmId: string, leaving: string): Promise<void> {
    const admins = await membershipsRepository.adminsForUpdate(tx, farmId);
    if (admins.filter((id) => id !== leaving).length === 0) {
      throw conflict('LAST_ADMIN', 'A farm needs at least one admin: make someone else admin first');
    }
  }

  // Invitations

  async invite(
    ctx: FarmContext,
    input: { email?: string | undefined; role: Role },
    meta: RequestMeta,
  ): Promise<{ invitation: InvitationRow; token: string }> {
    if (rank(input.role) > rank(ctx.role) || (input.role === 'admin' && ctx.role !== 'admin')) {
      throw forbidden(`A ${ctx.role} cannot invite someone as ${input.role}`);
    }
    const token = randomToken(24);
    const now = this.deps.clock.now();
    const invitation = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const row = await invitationsRepository.insert(tx, {
        farm_id: ctx.farmId,
        email: input.email?.trim().toLowerCase() ?? null,
        role: input.role,
        token_hash: hashToken(token),
        invited_by: ctx.caller.kind === 'user' ? ctx.caller.userId : null,
        created_at: now,
        expires_at: new Date(now.getTime() + this.deps.config.invitationTtlHours * 3600_000),
        accepted_at: null,
        accepted_by: null,
        revoked_at: null,
      });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'invitation.created',
        category: 'members',
        message: `Invitation as ${input.role}${row.email ? ` for ${row.email}` : ' (link)'}`,
        data: { invitation_id: row.id, role: input.role },
      });
      return row;
    });
    return { invitation, token };
  }

  listInvitations(ctx: FarmContext) {
    return this.deps.db.farm(ctx.farmId, (tx) =>
      invitationsRepository.listPending(tx, ctx.farmId, this.deps.clock.now()),
    );
  }

  async revokeInvitation(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const invitation = await invitationsRepository.findById(tx, ctx.farmId, id);
      if (!invitation || invitation.revoked_at || invitation.accepted_at) throw notFound('Invitation', { id });
      await invitationsRepository.revoke(tx, id, this.deps.clock.now());
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'invitation.revoked',
        category: 'members',
        message: 'Invitation revoked',
        data: { invitation_id: id },
      });
    });
  }

  /**
   * Makes `userId` a member by an invitation token, inside the caller's (system-scope) transaction:
   * the token is the lookup. Expired, revoked, used or someone else's invitations answer 404.
   */
  async acceptInTx(
    tx: Tx,
    token: string,
    user: { id: string; email: string },
    meta: RequestMeta | undefined,
  ): Promise<{ farmId: string; role: Role }> {
    const now = this.deps.clock.now();
    const invitation = await invitationsRepository.findByTokenHash(tx, hashToken(token));
    const usable = invitation && !invitation.revoked_at && !invitation.accepted_at && invitation.expires_at > now;
    if (!invitation || !usable) throw notFound('Invitation', { reason: 'unknown, expired, revoked or already used' });
    if (invitation.email && invitation.email !== user.email.toLowerCase()) {
      throw notFound('Invitation', { reason: 'this invitation is for another email address' });
    }
    const farm = await farmsRepository.findLive(tx, invitation.farm_id);
    if (!farm) throw notFound('Invitation', { reason: 'the farm no longer exists' });
    const existing = await membershipsRepository.find(tx, invitation.farm_id, user.id);
    if (!existing) await membershipsRepository.insert(tx, invitation.farm_id, user.id, invitation.role, now);
    await invitationsRepository.markAccepted(tx, invitation.id, user.id, now);
    await recordAudit(tx, this.deps.clock, {
      farmId: invitation.farm_id,
      userId: user.id,
      meta,
      eventType: 'invitation.accepted',
      category: 'members',
      message: `Joined as ${existing?.role ?? invitation.role}`,
      data: { invitation_id: invitation.id, role: existing?.role ?? invitation.role },
    });
    return { farmId: invitation.farm_id, role: existing?.role ?? invitation.role };
  }
}
