import type { Database } from '../../platform/db/database.js';
import { invalid, notFound } from '../../platform/errors.js';
import type { FarmContext } from '../../platform/tenancy/caller.js';
import { fertilizersRepository } from './fertilizers.repository.js';
import type { FlushRequest, MixRequest, RunoffRequest, WaterMixRequest } from './calculations.schemas.js';
import { isSubstrate, SUBSTRATES, type Substrate } from './ec-budget.engine.js';
import { calculateMix, type MixProduct, type MixResult } from './mixing.engine.js';
import {
  analyseRunoff,
  flushSchedule,
  waterMix,
  type FlushResult,
  type RunoffResult,
  type WaterMixResult,
} from './water.engine.js';

/** A substrate Croft knows, or a 400 naming the field and listing the known ones. */
function substrateOf(name: string, field: string): Substrate {
  if (isSubstrate(name)) return name;
  throw invalid(`Unknown substrate "${name}": one of ${SUBSTRATES.join(', ')}`, {
    fields: [{ field, message: `is not a known substrate (${SUBSTRATES.join(', ')})` }],
    known: [...SUBSTRATES],
  });
}

/**
 * The dosing calculator and its water tools. Any member of the farm may calculate; nothing is stored.
 * The mix reads the named fertilizers (Croft's and the farm's own) in the farm's transaction.
 */
export class NutrientCalculations {
  constructor(private readonly deps: { db: Database }) {}

  /** Doses, EC reached, the budget row, mixing-safety findings, pH advice and the steps for one mix. */
  async mix(ctx: FarmContext, body: MixRequest): Promise<MixResult> {
    const substrate = substrateOf(body.substrate, 'body.substrate');
    const listed = new Set(body.fertilizers);
    const seen = new Set<string>();
    for (const [i, entry] of (body.recipe ?? []).entries()) {
      const field = `body.recipe[${i}].fertilizer_id`;
      if (!listed.has(entry.fertilizer_id))
        throw invalid(`The recipe names ${entry.fertilizer_id}, which is not among the fertilizers to mix`, {
          fields: [{ field, message: 'is not in body.fertilizers' }],
        });
      if (seen.has(entry.fertilizer_id))
        throw invalid(`The recipe names ${entry.fertilizer_id} twice`, {
          fields: [{ field, message: 'is named twice in the recipe' }],
        });
      seen.add(entry.fertilizer_id);
    }
    // Croft's global fertilizers and the farm's own (row-level security shows no other farm's); retired ones are gone.
    const rows = await this.deps.db.farm(ctx.farmId, (tx) => fertilizersRepository.byIds(tx, body.fertilizers));
    const products: MixProduct[] = rows.filter((row) => row.retired_at === null);
    if (products.length < body.fertilizers.length) {
      const found = new Set(products.map((p) => p.id));
      throw notFound('fertilizer', { ids: body.fertilizers.filter((id) => !found.has(id)) });
    }
    return calculateMix({
      volumeL: body.volume_l,
      targetEc: body.target_ec,
      baseWaterEc: body.base_water_ec,
      waterTempC: body.water_temp_c,
      substrate,
      phase: body.phase,
      products,
      recipe: body.recipe?.map((r) => ({ fertilizerId: r.fertilizer_id, ratio: r.ratio })),
      channel: body.channel ?? 'fertigation',
      targetPh: body.target_ph,
      baseWaterPh: body.base_water_ph,
      alkalinity: body.water_alkalinity,
      freshCoco: body.fresh_coco,
    });
  }

  /** The RO share for a target EC (422 when the two waters cannot make it), with the pH as an estimate. */
  waterMix(_ctx: FarmContext, body: WaterMixRequest): WaterMixResult {
    return waterMix({
      tapEc: body.tap_ec,
      roEc: body.ro_ec,
      targetEc: body.target_ec,
      tapPh: body.tap_ph,
      roPh: body.ro_ph,
      volumeL: body.volume_l,
    });
  }

  /** A day-by-day flush before harvest. */
  flush(_ctx: FarmContext, body: FlushRequest): FlushResult {
    return flushSchedule({
      substrate: body.substrate === undefined ? undefined : substrateOf(body.substrate, 'body.substrate'),
      currentEc: body.current_ec,
      daysUntilHarvest: body.days_until_harvest,
    });
  }

  /** What a runoff says about the root zone. */
  runoff(_ctx: FarmContext, body: RunoffRequest): RunoffResult {
    return analyseRunoff({
      inputEc: body.input_ec,
      runoffEc: body.runoff_ec,
      inputPh: body.input_ph,
      runoffPh: body.runoff_ph,
      inputVolumeL: body.input_volume_l,
      runoffVolumeL: body.runoff_volume_l,
    });
  }
}
