import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { Subscribers, type BusHandler, type BusMessage, type LiveBus } from './bus.js';

const PREFIX = 'croft:live:';

/** Opens a Redis (or Valkey) connection that fails fast when the server is unreachable at start. */
export async function connectRedis(url: string, log: Logger, name: string): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: true,
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    // ioredis reconnects by itself; say so once per distinct error rather than on every retry.
    if (error.message !== lastError)
      log.warn({ err: error.message, connection: name }, 'Redis connection trouble (reconnecting)');
    lastError = error.message;
  });
  client.on('ready', () => {
    if (lastError) log.info({ connection: name }, 'Redis connection back');
    lastError = '';
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`REDIS_URL: cannot reach Redis at ${redactUrl(url)} (${(error as Error).message})`);
  }
  return client;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * The bus across instances, through Redis pub/sub. Every instance subscribes only to the channels
 * its own sockets need, and receives its own messages back from Redis like everyone else's, so the
 * order of one producer's messages is the same everywhere.
 */
export class RedisBus implements LiveBus {
  readonly kind = 'redis';
  readonly #subscribers: Subscribers;
  #pending = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly log: Logger,
  ) {
    this.#subscribers = new Subscribers(log);
    subscriber.on('message', (channel: string, text: string) => {
      if (!channel.startsWith(PREFIX)) return;
      let message: BusMessage;
      try {
        message = JSON.parse(text) as BusMessage;
      } catch {
        log.warn({ channel }, 'unreadable live event from Redis ignored');
        return;
      }
      this.#subscribers.deliver(channel.slice(PREFIX.length), message);
    });
  }

  /** `publisher` is shared (rate limits use it too); the subscriber connection is the bus's own. */
  static async open(url: string, publisher: Redis, log: Logger): Promise<RedisBus> {
    const subscriber = await connectRedis(url, log, 'croft-live-subscriber');
    return new RedisBus(publisher, subscriber, log);
  }

  publish(channel: string, message: BusMessage): void {
    this.publisher.publish(PREFIX + channel, JSON.stringify(message)).catch((error: unknown) => {
      this.log.warn({ err: (error as Error).message, channel }, 'live event not published (Redis)');
    });
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => void> {
    if (this.#subscribers.add(channel, handler)) {
      const subscribing = this.subscriber.subscribe(PREFIX + channel);
      this.#pending.set(channel, subscribing);
      try {
        await subscribing;
      } finally {
        if (this.#pending.get(channel) === subscribing) this.#pending.delete(channel);
      }
    } else {
      // A second subscriber on the same channel waits for the first one's SUBSCRIBE to be confirmed.
      await this.#pending.get(channel);
    }
    return () => {
      if (this.#subscribers.remove(channel, handler)) {
        this.subscriber.unsubscribe(PREFIX + channel).catch(() => {});
      }
    };
  }

  mayHaveListeners(): boolean {
    // Another instance may have sockets on any channel.
    return true;
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }
}
