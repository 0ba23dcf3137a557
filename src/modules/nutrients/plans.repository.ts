import { sql, type Insertable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { Channel, FertilizerRow } from './fertilizers.tables.js';
import type { NutrientPlanTable, PlanRow } from './plans.tables.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An entry as stored, with its channels and their dosages (each dosage with its fertilizer). */
export interface StoredEntry {
  id: string;
  position: number;
  phase: string;
  week_start: number;
  week_end: number;
  notes: string;
  channels: Array<{
    channel: Channel;
    target_ec: number | null;
    target_ph: number | null;
    dosages: Array<{ fertilizer_id: string; dose_per_l: number; product: string; form: FertilizerRow['form'] }>;
  }>;
}

export interface PlanWithEntries {
  plan: PlanRow;
  entries: StoredEntry[];
}

/** What a write stores of an entry. */
export interface EntryToStore {
  phase: string;
  week_start: number;
  week_end: number;
  notes: string;
  channels: Array<{
    channel: Channel;
    target_ec: number | null;
    target_ph: number | null;
    dosages: Array<{ fertilizer_id: string; dose_per_l: number }>;
  }>;
}

const CHANNEL_ORDER: Record<Channel, number> = { fertigation: 0, drench: 1, foliar: 2, top_dress: 3 };

/** Every query of nutrient plans; each takes the caller's farm transaction first. */
export const plansRepository = {
  find(tx: Tx, farmId: string, id: string): Promise<PlanRow | undefined> {
    if (!UUID.test(id)) return Promise.resolve(undefined);
    return tx
      .selectFrom('nutrient_plans')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  sameName(tx: Tx, farmId: string, name: string, exceptId?: string) {
    let query = tx
      .selectFrom('nutrient_plans')
      .select('id')
      .where('farm_id', '=', farmId)
      .where(sql<boolean>`lower(btrim(name)) = lower(btrim(${name}))`);
    if (exceptId) query = query.where('id', '<>', exceptId);
    return query.executeTakeFirst();
  },

  /** A page of the farm's plans by name, with how many entries each has and the weeks they span. */
  list(tx: Tx, farmId: string, page: { after?: Array<string | number> | undefined; limit: number }) {
    let query = tx
      .selectFrom('nutrient_plans as p')
      .leftJoin('nutrient_plan_entries as e', (join) =>
        join.onRef('e.farm_id', '=', 'p.farm_id').onRef('e.plan_id', '=', 'p.id'),
      )
      .selectAll('p')
      .select([
        (eb) => eb.fn.count<string>('e.id').as('entry_count'),
        (eb) => eb.fn.min('e.week_start').as('first_week'),
        (eb) => eb.fn.max('e.week_end').as('last_week'),
      ])
      .where('p.farm_id', '=', farmId)
      .groupBy(['p.farm_id', 'p.id']);
    if (page.after) {
      const [name, id] = page.after as [string, string];
      query = query.where(sql<boolean>`(lower(p.name), p.id::text) > (${name}, ${id})`);
    }
    return query
      .orderBy(sql`lower(p.name)`)
      .orderBy(sql`p.id::text`)
      .limit(page.limit)
      .execute();
  },

  insert(tx: Tx, row: Insertable<NutrientPlanTable>): Promise<PlanRow | undefined> {
    return tx
      .insertInto('nutrient_plans')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  update(tx: Tx, farmId: string, id: string, patch: Updateable<NutrientPlanTable>) {
    return tx
      .updateTable('nutrient_plans')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  async remove(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx.deleteFrom('nutrient_plans').where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  /** Replaces a plan's entries (with their channels and dosages) by these, in this order. */
  async replaceEntries(tx: Tx, farmId: string, planId: string, entries: EntryToStore[]): Promise<void> {
    await tx.deleteFrom('nutrient_plan_entries').where('farm_id', '=', farmId).where('plan_id', '=', planId).execute();
    if (entries.length === 0) return;
    const made = await tx
      .insertInto('nutrient_plan_entries')
      .values(
        entries.map((e, position) => ({
          farm_id: farmId,
          plan_id: planId,
          position,
          phase: e.phase,
          week_start: e.week_start,
          week_end: e.week_end,
          notes: e.notes,
        })),
      )
      .returning(['id', 'position'])
      .execute();
    const idAt = new Map(made.map((m) => [m.position, m.id]));
    const channels = entries.flatMap((e, position) =>
      e.channels.map((c) => ({ farm_id: farmId, entry_id: idAt.get(position)!, ...c })),
    );
    if (channels.length === 0) return;
    await tx
      .insertInto('nutrient_plan_channels')
      .values(channels.map(({ dosages: _d, ...c }) => c))
      .execute();
    const dosages = channels.flatMap((c) =>
      c.dosages.map((d, position) => ({
        farm_id: farmId,
        entry_id: c.entry_id,
        channel: c.channel,
        position,
        fertilizer_id: d.fertilizer_id,
        dose_per_l: d.dose_per_l,
      })),
    );
    if (dosages.length > 0) await tx.insertInto('nutrient_plan_dosages').values(dosages).execute();
  },

  /** A plan's entries in order, each with its channels (in the channels' order) and dosages. */
  async entries(tx: Tx, farmId: string, planId: string): Promise<StoredEntry[]> {
    const rows = await tx
      .selectFrom('nutrient_plan_entries')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('plan_id', '=', planId)
      .orderBy('position')
      .execute();
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const channels = await tx
      .selectFrom('nutrient_plan_channels')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('entry_id', 'in', ids)
      .execute();
    const dosages = await tx
      .selectFrom('nutrient_plan_dosages as d')
      .innerJoin('fertilizers as f', 'f.id', 'd.fertilizer_id')
      .select(['d.entry_id', 'd.channel', 'd.position', 'd.fertilizer_id', 'd.dose_per_l', 'f.product', 'f.form'])
      .where('d.farm_id', '=', farmId)
      .where('d.entry_id', 'in', ids)
      .orderBy('d.position')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      position: r.position,
      phase: r.phase,
      week_start: r.week_start,
      week_end: r.week_end,
      notes: r.notes,
      channels: channels
        .filter((c) => c.entry_id === r.id)
        .sort((a, b) => CHANNEL_ORDER[a.channel] - CHANNEL_ORDER[b.channel])
        .map((c) => ({
          channel: c.channel,
          target_ec: c.target_ec,
          target_ph: c.target_ph,
          dosages: dosages
            .filter((d) => d.entry_id === r.id && d.channel === c.channel)
            .map((d) => ({
              fertilizer_id: d.fertilizer_id,
              dose_per_l: d.dose_per_l,
              product: d.product,
              form: d.form,
            })),
        })),
    }));
  },
};
