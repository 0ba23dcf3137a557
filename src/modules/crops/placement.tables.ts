import type { Timestamp } from '../../platform/db/schema.js';

/** A farm's rotation window (the pause of a family that names none), 1–8 years; no row: 4. */
export interface CropRotationSettingsTable {
  farm_id: string;
  window_years: number;
  updated_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    crop_rotation_settings: CropRotationSettingsTable;
  }
}
