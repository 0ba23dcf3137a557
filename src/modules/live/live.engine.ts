import { jsonValidator } from '../../platform/http/validation.js';
import type { BusReading } from '../../platform/live/events.js';
import { AuthMessage, PingMessage, SubscribeMessage, UnsubscribeMessage, type ClientMessage } from './live.schemas.js';

/** What a socket asked to see: null means every device (or metric). */
export interface Subscription {
  devices: ReadonlySet<string> | null;
  metrics: ReadonlySet<string> | null;
}

export const WHOLE_FARM: Subscription = { devices: null, metrics: null };

export function subscriptionOf(message: {
  devices?: string[] | undefined;
  metrics?: string[] | undefined;
}): Subscription {
  const set = (list: string[] | undefined) => (list && list.length > 0 ? new Set(list) : null);
  return { devices: set(message.devices), metrics: set(message.metrics) };
}

/** Whether a reading falls in a subscription (devices by label). */
export function wantsReading(sub: Subscription, reading: { device: string; metric: string }): boolean {
  if (sub.metrics && !sub.metrics.has(reading.metric)) return false;
  return !sub.devices || sub.devices.has(reading.device);
}

/** Whether a farm event (command, device, alert) falls in a subscription: metrics do not narrow these. */
export function wantsEvent(sub: Subscription, device: string | undefined): boolean {
  return !sub.devices || device === undefined || sub.devices.has(device);
}

/** A live `reading` message from a bus reading. */
export function readingMessage(r: BusReading, history = false) {
  return {
    type: 'reading' as const,
    device: r.device,
    metric: r.metric,
    ts: new Date(r.ts).toISOString(),
    value: r.value,
    quality: r.quality,
    ...(history ? { history: true } : {}),
  };
}

const byType = {
  auth: jsonValidator<ClientMessage>(AuthMessage),
  subscribe: jsonValidator<ClientMessage>(SubscribeMessage),
  unsubscribe: jsonValidator<ClientMessage>(UnsubscribeMessage),
  ping: jsonValidator<ClientMessage>(PingMessage),
};

export type Parsed = { ok: true; message: ClientMessage } | { ok: false; code: 'BAD_MESSAGE'; message: string };

/** Reads one client frame: JSON, a known type, and that type's fields. */
export function parseClientMessage(text: string): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, code: 'BAD_MESSAGE', message: 'Messages are JSON objects with a "type"' };
  }
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !(type in byType)) {
    return {
      ok: false,
      code: 'BAD_MESSAGE',
      message: `Unknown message type ${JSON.stringify(type ?? null)}: use auth, subscribe, unsubscribe or ping`,
    };
  }
  const checked = byType[type as keyof typeof byType](body);
  return checked.ok
    ? { ok: true, message: checked.value }
    : { ok: false, code: 'BAD_MESSAGE', message: `${type}: ${checked.errors.join('; ')}` };
}

/**
 * The history a subscription starts with, merged with live readings that arrived meanwhile: every
 * buffered reading newer than the newest history reading of its series is kept, in arrival order.
 */
export function newerThanHistory(history: BusReading[], buffered: BusReading[]): BusReading[] {
  const newest = new Map<string, number>();
  for (const r of history) {
    const key = `${r.device}|${r.metric}`;
    newest.set(key, Math.max(newest.get(key) ?? -Infinity, r.ts));
  }
  return buffered.filter((r) => r.ts > (newest.get(`${r.device}|${r.metric}`) ?? -Infinity));
}
