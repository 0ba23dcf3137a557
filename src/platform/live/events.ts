import { channels, type LiveBus } from './bus.js';

/** A committed reading as it travels on the bus (epoch milliseconds keep it small). */
export interface BusReading {
  device: string;
  metric: string;
  ts: number;
  value: number;
  quality: number;
}

/** Farm events other modules publish for live clients; each names the device it is about, when there is one. */
export interface FarmEvent {
  type: 'command' | 'device' | 'alert' | 'plant' | 'targets' | 'stock' | 'task';
  device?: string | undefined;
  [key: string]: unknown;
}

/**
 * What producers call to put events on the live hub. It knows the channels and the internal message
 * shapes; the sockets (live.session.ts) turn them into the public messages of the AsyncAPI document.
 */
export class LiveEvents {
  constructor(private readonly bus: LiveBus) {}

  /** Whether a reading batch for this farm would reach anyone (so ingest can skip the work). */
  wantsReadings(farmId: string): boolean {
    return this.bus.mayHaveListeners(channels.farm(farmId));
  }

  readings(farmId: string, readings: BusReading[]): void {
    if (readings.length > 0) this.bus.publish(channels.farm(farmId), { type: 'readings', readings });
  }

  farmEvent(farmId: string, event: FarmEvent): void {
    this.bus.publish(channels.farm(farmId), { ...event });
  }

  /** A notification for one person, delivered on every live socket they have open, in any farm. */
  notification(userId: string, notification: Record<string, unknown>): void {
    this.bus.publish(channels.user(userId), { ...notification, type: 'notification' });
  }

  /** Closes that person's live sockets on the farm. */
  memberRemoved(farmId: string, userId: string): void {
    this.bus.publish(channels.farm(farmId), { type: 'member_removed', user_id: userId });
  }

  /** Closes the live sockets opened with that API key of the farm. */
  apiKeyRevoked(farmId: string, apiKeyId: string): void {
    this.bus.publish(channels.farm(farmId), { type: 'api_key_revoked', api_key_id: apiKeyId });
  }
}
