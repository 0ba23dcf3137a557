import type { MqttEndpoint } from '../../platform/mqtt/link.js';
import type { ConfigRow, DeviceRow } from './devices.repository.js';
import type { DeviceWithChannels } from './devices.service.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const deviceView = (d: DeviceWithChannels) => ({
  id: d.id,
  device_id: d.device_id,
  name: d.name,
  type: d.type,
  hardware_id: d.hardware_id,
  location_id: d.location_id,
  model: d.model,
  firmware_version: d.firmware_version,
  active: d.active,
  online: d.online,
  last_heartbeat_at: iso(d.last_heartbeat_at),
  signal_strength: d.signal_strength,
  heap_free: d.heap_free,
  uptime_seconds: d.uptime_seconds,
  last_command_status: d.last_command_status,
  last_command_at: iso(d.last_command_at),
  channels: d.channels.map((c) => ({
    name: c.name,
    kind: c.kind,
    safe_state: c.safe_state === 'value' ? c.safe_value! : c.safe_state,
  })),
  created_at: d.created_at.toISOString(),
  updated_at: d.updated_at.toISOString(),
});

export const configView = (p: ConfigRow) => ({
  name: p.name,
  value: p.value,
  unit: p.unit,
  min: p.min,
  max: p.max,
  calibrated: p.calibrated,
  updated_at: p.updated_at.toISOString(),
});

/** New credentials of a device, with where it connects over MQTT and the topics it uses. */
export const credentialsView = (
  issued: { username: string; password: string; device: DeviceRow },
  endpoint: MqttEndpoint,
  farmId: string,
) => ({
  username: issued.username,
  password: issued.password,
  mqtt: {
    host: endpoint.host,
    port: endpoint.port,
    tls_port: endpoint.tlsPort ?? null,
    websocket_url: endpoint.websocketUrl ?? null,
    // By the farm's id, which never changes (a slug may): what is flashed into a device keeps working.
    topic_prefix: `croft/${farmId}/${issued.device.device_id}`,
  },
});
