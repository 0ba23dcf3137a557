import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { MemoryBus, type LiveBus } from './bus.js';

export interface LiveConnections {
  bus: LiveBus;
  redis: Redis | undefined;
  close(): Promise<void>;
}

/** The live bus per the settings: memory, or Redis (with its connection shared by rate limits). */
export async function openLiveConnections(config: Config, log: Logger): Promise<LiveConnections> {
  if (!config.redisUrl) return { bus: new MemoryBus(log), redis: undefined, close: async () => {} };
  // Loaded only with Redis settings: a single instance does not pay for the client at every start.
  const { connectRedis, RedisBus } = await import('./redis-bus.js');
  const redisLog = log.child({ component: 'redis' });
  const redis = await connectRedis(config.redisUrl, redisLog, 'croft');
  try {
    const bus = await RedisBus.open(config.redisUrl, redis, redisLog);
    return {
      bus,
      redis,
      async close() {
        await bus.close();
        redis.disconnect();
      },
    };
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}
