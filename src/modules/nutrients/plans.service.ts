import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { recordAudit } from '../audit/index.js';
import { catalogReads } from '../catalog/index.js';
import { encodeCursor, type Problem } from './fertilizers.engine.js';
import { fertilizersRepository } from './fertilizers.repository.js';
import { afterOf, refuse } from './fertilizers.service.js';
import { dosageProblems, entriesInWeek, entryProblems, validatePlan, type PlanReport } from './plans.engine.js';
import {
  plansRepository as repo,
  type EntryToStore,
  type PlanWithEntries,
  type StoredEntry,
} from './plans.repository.js';
import type { ClonePlan, NewPlan, PlanEntryInput, PlanPatch } from './plans.schemas.js';
import type { PlanRow } from './plans.tables.js';

interface Deps {
  db: Database;
  clock: Clock;
}

/**
 * Nutrient plans: phase entries over inclusive week ranges, per delivery channel with target EC and pH
 * and dosages; validated for gaps and shared weeks, cloned with lineage, read week by week. Managers
 * write them (they configure the farm's feeding); everyone in the farm reads.
 */
export class PlansService {
  constructor(private readonly deps: Deps) {}

  async list(ctx: FarmContext, query: { limit?: number | undefined; cursor?: string | undefined }) {
    const limit = query.limit ?? 50;
    const after = afterOf(query.cursor, ['string', 'string']);
    const rows = await this.deps.db.farm(ctx.farmId, (tx) => repo.list(tx, ctx.farmId, { after, limit }));
    const last = rows.at(-1);
    return {
      rows,
      nextCursor: last && rows.length === limit ? encodeCursor([last.name.toLowerCase(), last.id]) : null,
    };
  }

  one(ctx: FarmContext, id: string): Promise<PlanWithEntries> {
    return this.deps.db.farm(ctx.farmId, (tx) => this.#load(tx, ctx.farmId, id));
  }

  async create(ctx: FarmContext, input: NewPlan, meta: RequestMeta): Promise<PlanWithEntries & { created: boolean }> {
    refuse(entryProblems(input.entries));
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const speciesId = input.species ? await this.#species(tx, ctx.farmId, input.species) : null;
      const entries = await this.#entries(tx, speciesId, input.entries);
      const insert = async (id: string | undefined, hash: string | null) => {
        await this.#nameFree(tx, ctx.farmId, input.name);
        const plan = await repo.insert(tx, {
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          name: input.name.trim(),
          substrate: input.substrate,
          notes: input.notes ?? '',
          species_id: speciesId,
          cloned_from_id: null,
          request_hash: hash,
          created_at: now,
          updated_at: now,
        });
        if (!plan) return undefined;
        await repo.replaceEntries(tx, ctx.farmId, plan.id, entries);
        await this.#audit(tx, ctx, meta, 'nutrient_plan.created', `Nutrient plan ${plan.name} added`, plan.id);
        return plan;
      };
      const clientId = input.id;
      const { row, created } = clientId
        ? await idempotent({
            request: { ...input, id: undefined, species: speciesId },
            find: () => repo.find(tx, ctx.farmId, clientId),
            create: (hash) => insert(clientId, hash),
            storedHash: (r) => r.request_hash,
            details: { id: clientId },
          })
        : { row: (await insert(undefined, null))!, created: true };
      return { plan: row, entries: await repo.entries(tx, ctx.farmId, row.id), created };
    });
  }

  async update(ctx: FarmContext, id: string, patch: PlanPatch, meta: RequestMeta): Promise<PlanWithEntries> {
    if (patch.entries) refuse(entryProblems(patch.entries));
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await this.#plan(tx, ctx.farmId, id);
      const speciesId =
        patch.species === undefined
          ? current.species_id
          : patch.species === null
            ? null
            : await this.#species(tx, ctx.farmId, patch.species);
      if (patch.name !== undefined) await this.#nameFree(tx, ctx.farmId, patch.name, id);
      if (patch.entries) {
        await repo.replaceEntries(tx, ctx.farmId, id, await this.#entries(tx, speciesId, patch.entries));
      } else if (speciesId !== current.species_id && speciesId !== null) {
        // A new species: the entries' phases must be its phases.
        const stored = await repo.entries(tx, ctx.farmId, id);
        refuse(await this.#phaseProblems(tx, speciesId, stored));
      }
      const plan = (await repo.update(tx, ctx.farmId, id, {
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.substrate !== undefined ? { substrate: patch.substrate } : {}),
        ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
        species_id: speciesId,
        updated_at: now,
      }))!;
      await this.#audit(tx, ctx, meta, 'nutrient_plan.updated', `Nutrient plan ${plan.name} changed`, id, {
        changed: Object.keys(patch),
      });
      return { plan, entries: await repo.entries(tx, ctx.farmId, id) };
    });
  }

  /** Deletes a plan; one that runs follow is refused (409 IN_USE, from the runs' foreign key). */
  async remove(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const plan = await this.#plan(tx, ctx.farmId, id);
      await repo.remove(tx, ctx.farmId, id);
      await this.#audit(tx, ctx, meta, 'nutrient_plan.deleted', `Nutrient plan ${plan.name} deleted`, id);
    });
  }

  /** A copy of a plan under a new name, remembering where it came from (`cloned_from_id`). */
  async clone(
    ctx: FarmContext,
    id: string,
    input: ClonePlan,
    meta: RequestMeta,
  ): Promise<PlanWithEntries & { created: boolean }> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const source = await this.#plan(tx, ctx.farmId, id);
      const insert = async (clientId: string | undefined, hash: string | null) => {
        await this.#nameFree(tx, ctx.farmId, input.name);
        const plan = await repo.insert(tx, {
          ...(clientId ? { id: clientId } : {}),
          farm_id: ctx.farmId,
          name: input.name.trim(),
          substrate: source.substrate,
          notes: source.notes,
          species_id: source.species_id,
          cloned_from_id: source.id,
          request_hash: hash,
          created_at: now,
          updated_at: now,
        });
        if (!plan) return undefined;
        const entries = await repo.entries(tx, ctx.farmId, source.id);
        await repo.replaceEntries(tx, ctx.farmId, plan.id, entries.map(toStore));
        await this.#audit(
          tx,
          ctx,
          meta,
          'nutrient_plan.cloned',
          `Nutrient plan ${plan.name} cloned from ${source.name}`,
          plan.id,
          {
            cloned_from_id: source.id,
          },
        );
        return plan;
      };
      const clientId = input.id;
      const { row, created } = clientId
        ? await idempotent({
            request: { name: input.name, cloned_from: source.id },
            find: () => repo.find(tx, ctx.farmId, clientId),
            create: (hash) => insert(clientId, hash),
            storedHash: (r) => r.request_hash,
            details: { id: clientId },
          })
        : { row: (await insert(undefined, null))!, created: true };
      return { plan: row, entries: await repo.entries(tx, ctx.farmId, row.id), created };
    });
  }

  /** The plan's gaps and shared weeks, per channel (see the engine's validatePlan). */
  validate(ctx: FarmContext, id: string): Promise<PlanReport> {
    return this.deps.db.farm(ctx.farmId, async (tx) => validatePlan((await this.#load(tx, ctx.farmId, id)).entries));
  }

  /** What the plan says for one week: the entries whose range holds it. */
  week(ctx: FarmContext, id: string, week: number): Promise<StoredEntry[]> {
    return this.deps.db.farm(ctx.farmId, async (tx) =>
      entriesInWeek((await this.#load(tx, ctx.farmId, id)).entries, week),
    );
  }

  async #load(tx: Tx, farmId: string, id: string): Promise<PlanWithEntries> {
    const plan = await this.#plan(tx, farmId, id);
    return { plan, entries: await repo.entries(tx, farmId, id) };
  }

  async #plan(tx: Tx, farmId: string, id: string): Promise<PlanRow> {
    const plan = await repo.find(tx, farmId, id);
    if (!plan) throw notFound('Nutrient plan', { id });
    return plan;
  }

  async #species(tx: Tx, farmId: string, ref: string): Promise<string> {
    const species = await catalogReads.resolveSpecies(tx, farmId, ref);
    if (!species)
      throw invalid('No such species in the catalogue', {
        fields: [{ field: 'body.species', message: 'no such species' }],
      });
    return species.id;
  }

  async #phaseProblems(tx: Tx, speciesId: string, entries: ReadonlyArray<{ phase: string }>): Promise<Problem[]> {
    const growth = (await catalogReads.speciesForGrowth(tx, [speciesId])).get(speciesId);
    if (!growth) return [];
    const keys = growth.sequence.phases.map((p) => p.key);
    return entries.flatMap((e, i) =>
      keys.includes(e.phase)
        ? []
        : [{ field: `entries[${i}].phase`, message: `is not a phase of the species (${keys.join(', ')})` }],
    );
  }

  /** The entries as stored, after their phases and dosages are checked (400 naming each field). */
  async #entries(tx: Tx, speciesId: string | null, entries: PlanEntryInput[]): Promise<EntryToStore[]> {
    const ids = entries.flatMap((e) => e.channels.flatMap((c) => (c.dosages ?? []).map((d) => d.fertilizer_id)));
    const fertilizers = new Map((await fertilizersRepository.byIds(tx, ids)).map((f) => [f.id, f]));
    const withDosages = entries.map((e) => ({
      ...e,
      channels: e.channels.map((c) => ({ ...c, dosages: c.dosages ?? [] })),
    }));
    refuse([
      ...(speciesId ? await this.#phaseProblems(tx, speciesId, entries) : []),
      ...dosageProblems(withDosages, fertilizers),
    ]);
    return withDosages.map((e) => ({
      phase: e.phase,
      week_start: e.week_start,
      week_end: e.week_end,
      notes: e.notes ?? '',
      channels: e.channels.map((c) => ({
        channel: c.channel,
        target_ec: c.target_ec ?? null,
        target_ph: c.target_ph ?? null,
        dosages: c.dosages.map((d) => ({ fertilizer_id: d.fertilizer_id, dose_per_l: d.dose_per_l })),
      })),
    }));
  }

  async #nameFree(tx: Tx, farmId: string, name: string, exceptId?: string): Promise<void> {
    const other = await repo.sameName(tx, farmId, name, exceptId);
    if (other)
      throw conflict('ALREADY_EXISTS', `The farm already has a nutrient plan named ${name.trim()}`, {
        field: 'body.name',
        id: other.id,
      });
  }

  #audit(
    tx: Tx,
    ctx: FarmContext,
    meta: RequestMeta,
    event: string,
    message: string,
    id: string,
    data: Record<string, unknown> = {},
  ) {
    return recordAudit(tx, this.deps.clock, {
      farmId: ctx.farmId,
      caller: ctx.caller,
      meta,
      eventType: event,
      category: 'nutrients',
      message,
      data: { plan_id: id, ...data },
    });
  }
}

const toStore = (e: StoredEntry): EntryToStore => ({
  phase: e.phase,
  week_start: e.week_start,
  week_end: e.week_end,
  notes: e.notes,
  channels: e.channels.map((c) => ({
    channel: c.channel,
    target_ec: c.target_ec,
    target_ph: c.target_ph,
    dosages: c.dosages.map((d) => ({ fertilizer_id: d.fertilizer_id, dose_per_l: d.dose_per_l })),
  })),
});
