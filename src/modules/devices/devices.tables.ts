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
  model: string | null;
  firmware_version: string | null;
  active: Generated<boolean>;
  online: Generated<boolean>;
  last_heartbeat_at: Timestamp | null;
  signal_strength: number | null;
  heap_free: number | null;
  uptime_seconds: number | null;
  last_command_status: string | null;
  last_command_at: Timestamp | null;
}

export const CHANNEL_KINDS = [
  'fan',
  'heater',
  'cooler',
  'light',
  'pump',
  'valve',
  'feeder',
  'belt',
  'humidifier',
  'vent',
  'door',
  'motor',
  'other',
] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export type SafeState = 'on' | 'off' | 'value' | 'unchanged';

export interface DeviceChannelTable {
  farm_id: string;
  device_id: string;
  name: string;
  kind: ChannelKind;
  safe_state: SafeState;
  safe_value: number | null;
  position: number;
}

export interface DeviceConfigTable {
  farm_id: string;
  device_id: string;
  name: string;
  value: unknown;
  unit: string | null;
  min: number | null;
  max: number | null;
  calibrated: boolean;
  updated_at: Timestamp;
}

export const COMMAND_ACTIONS = ['on', 'off', 'toggle', 'set_value', 'set_angle', 'set_speed'] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];
export const COMMAND_STATUSES = [
  'queued',
  'sent',
  'executing',
  'completed',
  'failed',
  'timeout',
  'expired',
  'cancelled',
] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];
export type CommandSource = 'api' | 'batch' | 'schedule' | 'emergency';

export interface CommandTable {
  id: Generated<string>;
  farm_id: string;
  device_id: string;
  channel: string | null;
  action: CommandAction;
  value: number | null;
  duration_ms: number | null;
  priority: number;
  status: CommandStatus;
  source: CommandSource;
  idempotency_key: string | null;
  batch_id: string | null;
  requested_by_user: string | null;
  requested_by_api_key: string | null;
  error: string | null;
  new_state: unknown;
  deliveries: Generated<number>;
  delivered_at: Timestamp | null;
  queued_at: Timestamp;
  sent_at: Timestamp | null;
  executing_at: Timestamp | null;
  finished_at: Timestamp | null;
  expires_at: Timestamp;
  /** The hash of the request that used the idempotency key (platform/idempotency.ts); null without one. */
  request_hash: Generated<string | null>;
}

export interface EmergencyStopTable {
  id: Generated<string>;
  farm_id: string;
  reason: string | null;
  started_at: Timestamp;
  started_by_user: string | null;
  started_by_api_key: string | null;
  released_at: Timestamp | null;
  released_by_user: string | null;
  released_by_api_key: string | null;
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
    device_channels: DeviceChannelTable;
    device_config: DeviceConfigTable;
    commands: CommandTable;
    emergency_stops: EmergencyStopTable;
  }
}
