import type { Tx } from '../../platform/db/database.js';
import { fertilizersRepository } from './fertilizers.repository.js';
import { entriesInWeek, runWeek } from './plans.engine.js';
import { plansRepository, type StoredEntry } from './plans.repository.js';

/** A plan's entry as other modules read it: its weeks and, per channel, targets and dosages. */
export type NutrientPlanEntry = StoredEntry;

/** Where a run stands in the plan it follows. */
export interface RunPlanWeek {
  plan_id: string;
  /** Whole weeks since the run started, plus one. */
  week: number;
  /** The plan's entries for that week (none: the plan says nothing for it). */
  entries: NutrientPlanEntry[];
}

/** What other modules read of nutrient plans, inside their own farm transaction. */
export const nutrientReads = {
  /** Of these fertilizer ids, those the farm may use (Croft's and its own, not retired): another farm's are not. */
  async usableFertilizers(tx: Tx, ids: string[]): Promise<Set<string>> {
    const rows = await fertilizersRepository.byIds(tx, ids);
    return new Set(rows.filter((row) => row.retired_at === null).map((row) => row.id));
  },

  /** Whether the farm has this plan (another farm's id: false). */
  async planExists(tx: Tx, farmId: string, id: string): Promise<boolean> {
    return (await plansRepository.find(tx, farmId, id)) !== undefined;
  },

  /**
   * A run's current plan week and what the plan says for it: week = whole weeks since the run started
   * + 1. Undefined when the plan is not the farm's, or the run has not started (or starts later).
   */
  async runPlanWeek(
    tx: Tx,
    farmId: string,
    planId: string,
    startedAt: Date | null,
    now: Date,
  ): Promise<RunPlanWeek | undefined> {
    const week = runWeek(startedAt, now);
    if (week === null || !(await plansRepository.find(tx, farmId, planId))) return undefined;
    return { plan_id: planId, week, entries: entriesInWeek(await plansRepository.entries(tx, farmId, planId), week) };
  },
};
