import type { Logger } from '../logger.js';

/** A message on the bus: JSON-safe, with a type. */
export interface BusMessage {
  type: string;
  [key: string]: unknown;
}

export type BusHandler = (message: BusMessage) => void;

/**
 * Publish/subscribe between the parts of Croft that produce events (ingest, commands, alerts) and
 * the ones that deliver them (the WebSocket hub). In one process it is memory; with REDIS_URL it
 * fans out across every instance. Delivery is at most once: a live view, not a queue — whatever
 * must not be lost is in the database first.
 */
export interface LiveBus {
  readonly kind: 'memory' | 'redis';
  /** Fire and forget; never throws. */
  publish(channel: string, message: BusMessage): void;
  /** Resolves once messages on the channel are being received (so nothing published after it is missed). */
  subscribe(channel: string, handler: BusHandler): Promise<() => void>;
  /**
   * Whether anyone anywhere may be listening, so a producer can skip building messages nobody reads.
   * Errs on the side of true.
   */
  mayHaveListeners(channel: string): boolean;
  close(): Promise<void>;
}

/** Local handlers per channel, shared by both buses. */
export class Subscribers {
  readonly #handlers = new Map<string, Set<BusHandler>>();

  constructor(private readonly log: Logger) {}

  /** Adds a handler; returns true when it is the channel's first. */
  add(channel: string, handler: BusHandler): boolean {
    let set = this.#handlers.get(channel);
    const first = !set;
    if (!set) this.#handlers.set(channel, (set = new Set()));
    set.add(handler);
    return first;
  }

  /** Removes a handler; returns true when the channel has none left. */
  remove(channel: string, handler: BusHandler): boolean {
    const set = this.#handlers.get(channel);
    if (!set) return false;
    set.delete(handler);
    if (set.size > 0) return false;
    this.#handlers.delete(channel);
    return true;
  }

  has(channel: string): boolean {
    return this.#handlers.has(channel);
  }

  deliver(channel: string, message: BusMessage): void {
    for (const handler of this.#handlers.get(channel) ?? []) {
      try {
        handler(message);
      } catch (error) {
        this.log.error({ err: error, channel }, 'live event handler failed');
      }
    }
  }
}

/** The single-process bus. */
export class MemoryBus implements LiveBus {
  readonly kind = 'memory';
  readonly #subscribers: Subscribers;

  constructor(log: Logger) {
    this.#subscribers = new Subscribers(log);
  }

  publish(channel: string, message: BusMessage): void {
    this.#subscribers.deliver(channel, message);
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => void> {
    this.#subscribers.add(channel, handler);
    return () => void this.#subscribers.remove(channel, handler);
  }

  mayHaveListeners(channel: string): boolean {
    return this.#subscribers.has(channel);
  }

  async close(): Promise<void> {}
}

/** Channel names, in one place. */
export const channels = {
  farm: (farmId: string) => `farm:${farmId}`,
  user: (userId: string) => `user:${userId}`,
};
