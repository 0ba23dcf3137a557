import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';

export interface HiveTable {
  id: Generated<string>;
  farm_id: string;
  name: string;
  apiary_id: string;
  hive_type: string;
  layout: Record<string, unknown>;
  status: 'active' | 'dead_out' | 'sold' | 'united';
  current_queen_id: string | null;
  device_id: string | null;
  scale_tare_kg: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface HiveScaleTable {
  farm_id: string;
  hive_id: string;
  device_id: string;
  from_at: Timestamp;
  to_at: Timestamp | null;
}

export interface QueenTable {
  id: Generated<string>;
  farm_id: string;
  hive_id: string;
  name: string;
  breed: string | null;
  birth_date: string | null;
  marking_colour: string | null;
  clipped: boolean;
  fertilised: boolean;
  mother_id: string | null;
  introduced_at: string;
  retired_at: string | null;
  created_at: Timestamp;
}

export interface BeeEventTable {
  id: string;
  farm_id: string;
  hive_id: string | null;
  apiary_id: string | null;
  type: string;
  date: string;
  description: string | null;
  inspection: unknown;
  treatment: unknown;
  harvest: unknown;
  next_inspection: string | null;
  recorded_by: string | null;
  created_at: Timestamp;
  /** The hash of the request that made a client-made id (platform/idempotency.ts); null otherwise. */
  request_hash: Generated<string | null>;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    hives: HiveTable;
    hive_scales: HiveScaleTable;
    queens: QueenTable;
    bee_events: BeeEventTable;
  }
}
