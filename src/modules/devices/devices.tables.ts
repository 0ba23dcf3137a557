import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';

export const DEVICE_TYPES = ['gpio', 'relay', 'pwm', 'adc', 'servo', 'sensor', 'manual'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export interface DeviceTable {
  id: Generated<string>;
  farm_id: string;
  device_id: string;
  name: string;
  type: DeviceType;
  hardware_id: string | null;
  location_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DeviceCredentialTable {
  device_id: string;
  farm_id: string;
  username: string;
  secret_hash: string;
  created_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    devices: DeviceTable;
    device_credentials: DeviceCredentialTable;
  }
}
