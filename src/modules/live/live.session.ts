import type { WebSocket } from 'ws';
import type { Clock } from '../../platform/clock.js';
import { DomainError } from '../../platform/errors.js';
import { channels, type BusMessage, type LiveBus } from '../../platform/live/bus.js';
import type { Logger } from '../../platform/logger.js';
import type { Caller, FarmContext } from '../../platform/tenancy/caller.js';
import type { BusReading } from '../../platform/live/events.js';
import {
  newerThanHistory,
  parseClientMessage,
  readingMessage,
  subscriptionOf,
  wantsEvent,
  wantsReading,
  type Subscription,
} from './live.engine.js';
import { CLOSE, type ClientMessage, type ServerMessage } from './live.schemas.js';

export interface Authenticated {
  caller: Caller;
  expiresAt: Date | null;
}

/** What a live socket needs from the rest of Croft. */
export interface LiveSessionDeps {
  bus: LiveBus;
  clock: Clock;
  log: Logger;
  /** How often the token's expiry is checked. */
  checkMs: number;
  /** How long a socket may stay silent before its first `auth`. */
  authTimeoutMs: number;
  /** Bytes queued for a client beyond which it is dropped as too slow. */
  maxBufferedBytes: number;
  authenticate(token: string): Promise<Authenticated>;
  farmContext(caller: Caller, farmRef: string): Promise<FarmContext>;
  labelsOf(farmId: string, refs: string[]): Promise<string[]>;
  history(farmId: string, sub: Subscription): Promise<BusReading[]>;
}

const userIdOf = (caller: Caller) => (caller.kind === 'user' ? caller.userId : null);
const sameIdentity = (a: Caller, b: Caller) =>
  (a.kind === 'user' && b.kind === 'user' && a.userId === b.userId) ||
  (a.kind === 'api_key' && b.kind === 'api_key' && a.apiKeyId === b.apiKeyId);

/**
 * One live socket: authenticates (first message, or the upgrade's Authorization header), follows the
 * farm's events and the person's notifications, and sends what the subscription asks for. Client
 * messages are handled one at a time, in order.
 */
export class LiveSession {
  #auth: Authenticated | undefined;
  #farm: FarmContext | undefined;
  #subscription: Subscription | undefined;
  /** Readings that arrived while a subscription's history was loading. */
  #buffer: BusReading[] | undefined;
  #unsubscribe: Array<() => void> = [];
  #queue: Promise<void> = Promise.resolve();
  #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: LiveSessionDeps,
    /** The farm (id or slug) of `/farms/{farm}/live`; null on the person's own `/live`. */
    private readonly farmRef: string | null,
  ) {
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      this.#queue = this.#queue.then(() => this.#handle(text)).catch((error: unknown) => this.#fail(error));
    });
    socket.on('close', () => this.#dispose());
    socket.on('error', () => this.#dispose());
    this.#timers.push(
      setTimeout(() => {
        if (!this.#auth)
          this.#close(
            CLOSE.unauthenticated,
            'AUTH_TIMEOUT',
            'Send {"type":"auth","token":"…"} first, within 5 seconds',
          );
      }, deps.authTimeoutMs),
    );
  }

  /** Starts the session with a credential that came with the upgrade request. */
  start(preauthenticated: Authenticated | undefined): void {
    if (preauthenticated)
      this.#queue = this.#queue.then(() => this.#signIn(preauthenticated)).catch((error: unknown) => this.#fail(error));
  }

  async #handle(text: string): Promise<void> {
    if (this.#closed) return;
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      if (!this.#auth)
        this.#close(CLOSE.unauthenticated, 'AUTH_REQUIRED', 'The first message must be {"type":"auth","token":"…"}');
      else this.#send({ type: 'error', error_code: parsed.code, message: parsed.message });
      return;
    }
    const message = parsed.message;
    if (message.type === 'auth') return this.#signIn(await this.deps.authenticate(message.token));
    if (!this.#auth) {
      this.#close(CLOSE.unauthenticated, 'AUTH_REQUIRED', 'The first message must be {"type":"auth","token":"…"}');
      return;
    }
    if (message.type === 'ping') this.#send({ type: 'pong' });
    else if (message.type === 'unsubscribe') this.#subscription = undefined;
    else await this.#subscribe(message);
  }

  async #signIn(auth: Authenticated): Promise<void> {
    if (this.#auth) {
      // A fresh token for the same identity extends the session; another identity is not a refresh.
      if (!sameIdentity(this.#auth.caller, auth.caller)) {
        this.#close(
          CLOSE.unauthenticated,
          'IDENTITY_CHANGED',
          'A new token must belong to the same person or key: open a new socket',
        );
        return;
      }
      if (this.farmRef) await this.deps.farmContext(auth.caller, this.farmRef);
      this.#auth = auth;
      this.#send({
        type: 'authenticated',
        farm: this.#farm ? { id: this.#farm.farmId, slug: this.#farm.slug } : null,
        expires_at: auth.expiresAt?.toISOString() ?? null,
      });
      return;
    }
    const userId = userIdOf(auth.caller);
    if (!this.farmRef && !userId) {
      this.#close(
        CLOSE.unauthenticated,
        'USER_REQUIRED',
        "The personal live channel is a signed-in person's, not an API key's",
      );
      return;
    }
    const farm = this.farmRef ? await this.deps.farmContext(auth.caller, this.farmRef) : undefined;
    if (this.#closed) return;
    this.#auth = auth;
    this.#farm = farm;
    // Subscribed to the channels before anything is sent, so no event between here and there is missed.
    if (farm)
      this.#unsubscribe.push(await this.deps.bus.subscribe(channels.farm(farm.farmId), (m) => this.#onFarmEvent(m)));
    if (userId)
      this.#unsubscribe.push(await this.deps.bus.subscribe(channels.user(userId), (m) => this.#onUserEvent(m)));
    if (this.#closed) return this.#dispose();
    this.#timers.push(setInterval(() => this.#checkExpiry(), this.deps.checkMs));
    this.#send({
      type: 'authenticated',
      farm: farm ? { id: farm.farmId, slug: farm.slug } : null,
      expires_at: auth.expiresAt?.toISOString() ?? null,
    });
  }

  async #subscribe(message: Extract<ClientMessage, { type: 'subscribe' }>): Promise<void> {
    const farm = this.#farm;
    if (!farm) {
      this.#send({
        type: 'error',
        error_code: 'NO_FARM',
        message: 'Subscribe on a farm’s socket: /api/v1/farms/{farm}/live',
      });
      return;
    }
    const devices = message.devices && (await this.deps.labelsOf(farm.farmId, message.devices));
    const subscription = subscriptionOf({ devices, metrics: message.metrics });
    this.#subscription = subscription;
    this.#buffer = [];
    this.#send({
      type: 'subscribed',
      devices: subscription.devices && [...subscription.devices],
      metrics: subscription.metrics && [...subscription.metrics],
    });
    try {
      const history = await this.deps.history(farm.farmId, subscription);
      for (const reading of history) this.#send(readingMessage(reading, true));
      if (this.#subscription === subscription)
        for (const reading of newerThanHistory(history, this.#buffer)) this.#send(readingMessage(reading));
    } finally {
      this.#buffer = undefined;
    }
  }

  #onFarmEvent(message: BusMessage): void {
    if (this.#closed) return;
    if (message.type === 'member_removed') {
      if (message.user_id === userIdOf(this.#auth!.caller))
        this.#close(CLOSE.forbidden, 'MEMBERSHIP_REMOVED', 'You are no longer a member of this farm');
      return;
    }
    const sub = this.#subscription;
    if (!sub) return;
    if (message.type === 'readings') {
      for (const reading of message.readings as BusReading[]) {
        if (!wantsReading(sub, reading)) continue;
        if (this.#buffer) this.#buffer.push(reading);
        else this.#send(readingMessage(reading));
      }
      return;
    }
    if (wantsEvent(sub, typeof message.device === 'string' ? message.device : undefined))
      this.#send(message as ServerMessage);
  }

  #onUserEvent(message: BusMessage): void {
    if (!this.#closed && message.type === 'notification') this.#send(message as ServerMessage);
  }

  #checkExpiry(): void {
    const expiresAt = this.#auth?.expiresAt;
    if (expiresAt && this.deps.clock.now() >= expiresAt) {
      this.#close(
        CLOSE.unauthenticated,
        'TOKEN_EXPIRED',
        'The access token expired: send a new {"type":"auth"} before it does',
      );
    }
  }

  #send(message: ServerMessage): void {
    if (this.#closed || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.deps.maxBufferedBytes) {
      this.#close(
        CLOSE.slowConsumer,
        'SLOW_CONSUMER',
        'Messages are not being read fast enough: subscribe to fewer devices or metrics',
      );
      return;
    }
    this.socket.send(JSON.stringify(message));
  }

  #fail(error: unknown): void {
    if (error instanceof DomainError) {
      if (error.kind === 'unauthenticated') this.#close(CLOSE.unauthenticated, error.code, error.message);
      else if (error.kind === 'not_found' && !this.#farm) this.#close(CLOSE.notFound, error.code, error.message);
      else this.#send({ type: 'error', error_code: error.code, message: error.message });
      return;
    }
    this.deps.log.error({ err: error }, 'live socket failed');
    this.#close(1011, 'INTERNAL', 'Something went wrong on the server');
  }

  #close(code: number, errorCode: string, message: string): void {
    if (this.#closed) return;
    this.#send({ type: 'error', error_code: errorCode, message });
    this.#closed = true;
    this.socket.close(code, errorCode);
    this.#dispose();
  }

  #dispose(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
  }
}
