import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import type { BusHandler, LiveBus } from '../../platform/live/bus.js';
import { createLogger } from '../../platform/logger.js';
import { testConfig } from '../../../test/helpers/app.js';
import { LIVE_MAX_BUFFERED_BYTES, LiveSession, type LiveSessionDeps } from './live.session.js';

/** A socket that never drains: its queued bytes are whatever the test says. */
class StuckSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: Array<Record<string, unknown>> = [];
  closedWith: [number, string] | undefined;
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code: number, reason: string) {
    this.closedWith = [code, reason];
    this.readyState = 3;
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('live session: a client that does not read', () => {
  it('is dropped once more than 1 MiB waits for it — what a phone needs at most, not 4 MiB', async () => {
    expect(LIVE_MAX_BUFFERED_BYTES).toBe(1024 * 1024);
    const handlers: BusHandler[] = [];
    const bus = { subscribe: async (_channel: string, h: BusHandler) => (handlers.push(h), () => {}) };
    const deps: LiveSessionDeps = {
      bus: bus as unknown as LiveBus,
      clock: new ManualClock('2026-06-10T12:00:00Z'),
      log: createLogger(testConfig()),
      checkMs: 60_000,
      recheckMs: 60_000,
      authTimeoutMs: 60_000,
      maxBufferedBytes: LIVE_MAX_BUFFERED_BYTES,
      authenticate: async () => ({
        caller: { kind: 'api_key', apiKeyId: 'k', farmId: 'f', role: 'viewer' },
        expiresAt: null,
      }),
      admit: () => () => {},
      maxSocketsPerUser: 20,
      farmContext: async (caller) => ({ caller, farmId: 'f', slug: 'farm', role: 'viewer', timeZone: 'UTC' }),
      labelsOf: async () => [],
      history: async () => [],
    };
    const socket = new StuckSocket();
    const session = new LiveSession(socket as unknown as WebSocket, deps, 'farm');
    session.start({
      caller: { kind: 'api_key', apiKeyId: 'k', farmId: 'f', role: 'viewer' },
      expiresAt: null,
      credential: 'k',
    });
    await flush();
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe' })), false);
    await flush();
    await flush();
    expect(socket.sent.map((m) => m.type)).toEqual(['authenticated', 'subscribed']);

    socket.bufferedAmount = 1.5 * 1024 * 1024; // a phone that stopped reading a while ago
    for (const handler of handlers) handler({ type: 'alert', device: 'coop-1', state: 'triggered' });
    expect(socket.closedWith).toEqual([4008, 'SLOW_CONSUMER']);
  });
});
