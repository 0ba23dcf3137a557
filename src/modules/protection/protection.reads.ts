import type { Tx } from '../../platform/db/database.js';
import { protectionRepository as repo } from './protection.repository.js';
import {
  resistanceGroupOf,
  type IntervalStatus,
  type MoaScheme,
  type TreatmentMethod,
} from './protection.seed-rules.js';
import { intervalAsSeen } from './protection.views.js';

/** A treatment as one farm uses it: the interval it sees (its confirmation first) and what resistance counts. */
export interface TreatmentForFarm {
  id: string;
  key: string | null;
  name: string;
  method: TreatmentMethod;
  activeIngredient: string | null;
  modeOfAction: { scheme: MoaScheme; code: string } | null;
  /** `IRAC 3A`, `ingredient:azadirachtin`, or null (never counted). */
  resistanceGroup: string | null;
  /** The pre-harvest interval in days as the farm sees it; null when the treatment has none. */
  intervalDays: number | null;
  /** typical: not yet checked against the label by this farm; confirmed: it was. Null without an interval. */
  intervalStatus: IntervalStatus | null;
  retired: boolean;
}

/** What other modules (treatment applications) read of the catalogue, inside their own farm transaction. */
export const protectionReads = {
  /**
   * The treatment with the farm's confirmed interval, or with its typical one while unconfirmed; null
   * when the farm does not see it (another farm's, or no such id).
   */
  async treatmentForFarm(tx: Tx, farmId: string, id: string): Promise<TreatmentForFarm | null> {
    const row = await repo.treatment(tx, id);
    if (!row || (row.farm_id !== null && row.farm_id !== farmId)) return null;
    const interval = intervalAsSeen(row, (await repo.confirmations(tx, farmId, [id])).get(id));
    const modeOfAction = row.moa_scheme && row.moa_code ? { scheme: row.moa_scheme, code: row.moa_code } : null;
    return {
      id: row.id,
      key: row.key,
      name: row.name,
      method: row.method,
      activeIngredient: row.active_ingredient,
      modeOfAction,
      resistanceGroup: resistanceGroupOf({
        method: row.method,
        active_ingredient: row.active_ingredient,
        mode_of_action: modeOfAction,
      }),
      intervalDays: interval.days,
      intervalStatus: interval.status,
      retired: row.retired_at !== null,
    };
  },
};

/**
 * Whether an application may use the treatment's interval: one with an interval must have it confirmed
 * by the farm first (the issue: "a farm confirms (or corrects) one before it is used"); one without an
 * interval (a net, a predator) needs nothing.
 */
export const intervalUsable = (t: Pick<TreatmentForFarm, 'intervalDays' | 'intervalStatus'>): boolean =>
  t.intervalDays === null || t.intervalStatus === 'confirmed';
