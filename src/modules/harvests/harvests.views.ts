import type { Static } from 'typebox';
import type { QualityRow } from './harvests.repository.js';
import type { HarvestView, QualityView, RunYieldView } from './harvests.schemas.js';
import type { HarvestDetails, RunYield } from './harvests.service.js';

export function qualityView(q: QualityRow): Static<typeof QualityView> {
  return {
    id: q.id,
    harvest_id: q.harvest_id,
    appearance: q.appearance,
    aroma: q.aroma,
    colour: q.colour,
    defects: q.defects,
    score: q.score,
    grade: q.grade,
    notes: q.notes,
    assessed_at: q.assessed_at.toISOString(),
  };
}

export function harvestView({ harvest: h, quality }: HarvestDetails): Static<typeof HarvestView> {
  return {
    id: h.id,
    plant_id: h.plant_id,
    run_id: h.run_id,
    harvested_on: h.harvested_on,
    weight_g: h.weight_g,
    count: h.count,
    notes: h.notes,
    quality: quality ? qualityView(quality) : null,
    created_at: h.created_at.toISOString(),
  };
}

export function runYieldView(y: RunYield): Static<typeof RunYieldView> {
  return {
    run_id: y.runId,
    batches: y.batches,
    weight_g: y.weightG,
    count: y.count,
    plants: y.plants,
    weight_per_plant_g: y.weightPerPlantG,
    count_per_plant: y.countPerPlant,
    area_m2: y.areaM2,
    weight_per_m2_g: y.weightPerM2G,
    count_per_m2: y.countPerM2,
  };
}
