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

/**
 * Bytes queued for one client beyond which it is dropped as too slow. A phone needs at most a
 * subscription's history at once (500 series × 10 readings of ~130 bytes ≈ 650 KB, the most
 * `history` sends) plus the readings of a few seconds; more than that queued means the client is
 * not reading, and with up to CROFT_LIVE_SOCKETS_PER_USER sockets a person, 1 MiB each bounds what
 * one person's sockets can hold in the server's memory (20 MiB by default, not 80).
 */
export const LIVE_MAX_BUFFERED_BYTES = 1024 * 1024;

/** The largest message a client may send on a live socket. */
export const LIVE_MAX_MESSAGE_BYTES = 64 * 1024;

const byteLength = (data: Buffer | ArrayBuffer | Buffer[]) =>
  Array.isArray(data) ? data.reduce((n, part) => n + part.length, 0) : data.byteLength;

/** What a live socket needs from the rest of Croft. */
export interface LiveSessionDeps {
  bus: LiveBus;
  clock: Clock;
  log: Logger;
  /** How often the token's expiry is checked. */
  checkMs: number;
  /** How often (on the clock) the credential and the farm membership are checked again. */
  recheckMs: number;
  /** How long a socket may stay silent before its first `auth`. */
  authTimeoutMs: number;
  /** Bytes queued for a client beyond which it is dropped as too slow. */
  maxBufferedBytes: number;
  authenticate(token: string): Promise<Authenticated>;
  /** Counts the socket against its person's or key's cap: a release function, or undefined when full. */
  admit(caller: Caller): (() => void) | undefined;
  /** The cap `admit` holds to, for the close message. */
  maxSocketsPerUser: number;
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
  /** The token or key the session signed in with (the latest one), checked again every `recheckMs`. */
  #credential: string | undefined;
  #verifiedAt = 0;
  #rechecking = false;
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
      // The server's sockets take frames as large as an MQTT packet (MQTT over WebSocket shares them);
      // a live session's messages are small.
      if (byteLength(data) > LIVE_MAX_MESSAGE_BYTES) {
        socket.close(1009, 'Message too big');
        return;
      }
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
  start(preauthenticated: (Authenticated & { credential: string }) | undefined): void {
    if (preauthenticated)
      this.#queue = this.#queue
        .then(() => this.#signIn(preauthenticated, preauthenticated.credential))
        .catch((error: unknown) => this.#fail(error));
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
    if (message.type === 'auth') return this.#signIn(await this.deps.authenticate(message.token), message.token);
    if (!this.#auth) {
      this.#close(CLOSE.unauthenticated, 'AUTH_REQUIRED', 'The first message must be {"type":"auth","token":"…"}');
      return;
    }
    if (message.type === 'ping') this.#send({ type: 'pong' });
    else if (message.type === 'unsubscribe') this.#subscription = undefined;
    else await this.#subscribe(message);
  }

  async #signIn(auth: Authenticated, credential: string): Promise<void> {
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
      this.#credential = credential;
      this.#verifiedAt = this.deps.clock.now().getTime();
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
    const release = this.deps.admit(auth.caller);
    if (!release) {
      this.#close(
        CLOSE.tooManySockets,
        'TOO_MANY_SOCKETS',
        `At most ${this.deps.maxSocketsPerUser} live sockets may be open for one person or API key: close one first`,
      );
      return;
    }
    this.#unsubscribe.push(release);
    this.#auth = auth;
    this.#credential = credential;
    this.#verifiedAt = this.deps.clock.now().getTime();
    this.#farm = farm;
    // Subscribed to the channels before anything is sent, so no event between here and there is missed.
    if (farm)
      this.#unsubscribe.push(await this.deps.bus.subscribe(channels.farm(farm.farmId), (m) => this.#onFarmEvent(m)));
    if (userId)
      this.#unsubscribe.push(await this.deps.bus.subscribe(channels.user(userId), (m) => this.#onUserEvent(m)));
    if (this.#closed) return this.#dispose();
    this.#timers.push(setInterval(() => this.#tick(), this.deps.checkMs));
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
    if (message.type === 'api_key_revoked') {
      const caller = this.#auth!.caller;
      if (caller.kind === 'api_key' && caller.apiKeyId === message.api_key_id)
        this.#close(CLOSE.unauthenticated, 'API_KEY_REVOKED', 'The API key was revoked');
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

  #tick(): void {
    const now = this.deps.clock.now();
    const expiresAt = this.#auth?.expiresAt;
    if (expiresAt && now >= expiresAt) {
      this.#close(
        CLOSE.unauthenticated,
        'TOKEN_EXPIRED',
        'The access token expired: send a new {"type":"auth"} before it does',
      );
      return;
    }
    if (!this.#closed && !this.#rechecking && now.getTime() - this.#verifiedAt >= this.deps.recheckMs) {
      this.#rechecking = true;
      this.#queue = this.#queue
        .then(() => this.#recheck())
        .catch((error: unknown) => this.#fail(error))
        .finally(() => (this.#rechecking = false));
    }
  }

  /**
   * The credential again (a revoked key, a disabled account, a password change or a sign-out everywhere
   * ends it) and, on a farm's socket, the membership (a removed member, a deleted farm). A failure to
   * check (the database away) keeps the socket and tries again at the next tick.
   */
  async #recheck(): Promise<void> {
    const credential = this.#credential;
    if (this.#closed || !this.#auth || credential === undefined) return;
    try {
      const auth = await this.deps.authenticate(credential);
      if (this.farmRef) await this.deps.farmContext(auth.caller, this.farmRef);
      this.#verifiedAt = this.deps.clock.now().getTime();
    } catch (error) {
      if (!(error instanceof DomainError)) {
        this.deps.log.warn({ err: error }, 'live socket: the credential could not be checked again');
        return;
      }
      if (error.kind === 'unauthenticated')
        this.#close(CLOSE.unauthenticated, 'CREDENTIAL_REVOKED', 'The credential no longer works: sign in again');
      else if (error.kind === 'not_found' || error.kind === 'forbidden')
        this.#close(CLOSE.forbidden, 'FARM_ACCESS_LOST', 'You no longer have access to this farm');
      else throw error;
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
    // The error message first, unless the client is too far behind to read it (the close reason says it too).
    if (this.socket.bufferedAmount <= this.deps.maxBufferedBytes)
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
