import { ApiError, getAccessToken, refreshAccessToken, type ErrorBody } from '../api/client';
import { offlineDb, type QueuedWrite } from './db';

/** What a form hands over: the write, with its client-made id, and its words for the list. */
export type NewWrite = Pick<QueuedWrite, 'id' | 'farm' | 'kind' | 'method' | 'path' | 'label'> &
  Partial<Pick<QueuedWrite, 'body' | 'file' | 'subject'>>;

/** An API path under a farm. */
export const farmPath = (farm: string, rest: string) => `/api/v1/farms/${encodeURIComponent(farm)}${rest}`;
/** Sent now (Croft's answer), or kept on the phone to be sent when Croft can be reached. */
export type Submitted<T> = { queued: false; data: T } | { queued: true };

/** The first wait before trying again, doubled after each failure up to the last. */
const RETRY_FIRST_MS = 3_000;
const RETRY_MAX_MS = 20_000;

/** No answer, or one that says to wait (busy, restarting, a proxy without its server): try again later. */
export function isTransient(error: unknown): boolean {
  return error instanceof ApiError && [0, 408, 429, 502, 503, 504].includes(error.status);
}

/** The sign-in is over (or could not be renewed): the write waits for its owner to sign in again. */
const SIGNED_OUT = 'SIGNED_OUT';
const isSignedOut = (error: unknown) => error instanceof ApiError && error.code === SIGNED_OUT;

/** One write, sent with this token; Croft's refusal as an ApiError (status 0: no answer came). */
async function sendWrite(write: QueuedWrite, token: string | undefined): Promise<unknown> {
  const headers: Record<string, string> = { 'x-requested-with': 'croft-web' };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (write.file) {
    body = write.file;
    headers['content-type'] = /^image\//.test(write.file.type) ? write.file.type : 'application/octet-stream';
  } else if (write.body !== undefined) {
    body = JSON.stringify(write.body);
    headers['content-type'] = 'application/json';
  }
  let status: number;
  let text: string;
  try {
    const response = await fetch(write.path, { method: write.method, headers, body });
    status = response.status;
    // An answer cut off mid-way is no answer: the write is sent again under its id.
    text = await response.text();
  } catch {
    throw new ApiError(0, 'NETWORK', 'network');
  }
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the status speaks
  }
  if (status >= 200 && status < 300) return json;
  const error = (json ?? {}) as Partial<ErrorBody>;
  throw new ApiError(
    status,
    error.error_code ?? `HTTP_${status}`,
    error.message ?? String(status),
    error.details ?? {},
  );
}

/** Sent with the signed-in person's token, renewed once when it has expired (as the API client does). */
async function sendSigned(write: QueuedWrite): Promise<unknown> {
  try {
    return await sendWrite(write, getAccessToken());
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
    const token = await refreshAccessToken();
    if (!token) throw new ApiError(401, SIGNED_OUT, 'signed out');
    return sendWrite(write, token);
  }
}

type Listener = () => void;
type SentListener = (write: QueuedWrite, answer: unknown) => void;

/**
 * The writes made on this phone that Croft has not stored yet, kept in IndexedDB per person and sent in the
 * order they were made, each under its own id: a resend after a lost answer is stored once. A refusal (a 4xx)
 * is kept with Croft's words until the person tries it again or discards it; nothing is dropped silently.
 * Only the signed-in person's writes are shown and sent, with their own sign-in.
 */
class Outbox {
  private owner: string | undefined;
  private canSend = false;
  private items: readonly QueuedWrite[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly sentListeners = new Set<SentListener>();
  private draining: Promise<void> | undefined;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delay = RETRY_FIRST_MS;
  private lastSeq = 0;
  /** Other tabs of the app on this phone share the store: each tells the others when it changed it. */
  private readonly channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('croft-outbox') : undefined;

  constructor() {
    if (this.channel) this.channel.onmessage = () => void this.reload();
  }

  readonly subscribe = (listener: Listener) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  readonly snapshot = () => this.items;

  /** Called when a write Croft stored has left the queue (the caller refreshes what shows it). */
  onSent(listener: SentListener): () => void {
    this.sentListeners.add(listener);
    return () => this.sentListeners.delete(listener);
  }

  /**
   * Whose writes these are: the signed-in person (`canSend` once Croft has renewed their sign-in), or
   * nobody after signing out — their writes stay on the phone until they sign in again.
   */
  async use(owner: string | undefined, canSend: boolean): Promise<void> {
    const changed = owner !== this.owner;
    this.owner = owner;
    this.canSend = canSend && owner !== undefined;
    if (changed) {
      clearTimeout(this.timer);
      this.items = [];
      this.notify();
      await this.reload();
    }
    if (this.canSend) this.sendNow();
  }

  /** Whether any write of this person waits (a new one then queues behind it, keeping the order). */
  get waiting(): boolean {
    return this.items.some((item) => item.state !== 'refused');
  }

  /**
   * Sends a write now through `direct` (the form's own call), or keeps it on the phone when Croft cannot be
   * reached or other writes wait before it. A refusal is thrown to the form, where the person can fix it.
   */
  async submit<T>(write: NewWrite, direct: () => Promise<T>): Promise<Submitted<T>> {
    if (this.owner && this.waiting) {
      await this.enqueue(write);
      return { queued: true };
    }
    try {
      return { queued: false, data: await direct() };
    } catch (error) {
      if (!this.owner || !(isTransient(error) || isSignedOut(error))) throw error;
      await this.enqueue(write);
      return { queued: true };
    }
  }

  /** Try the waiting writes now (the connection is back, or the person asked). */
  sendNow(): void {
    this.delay = RETRY_FIRST_MS;
    clearTimeout(this.timer);
    void this.drain();
  }

  /** A refused write, fixed on the server's side or worth one more try: back in the queue. */
  async retry(id: string): Promise<void> {
    await this.change(id, { state: 'waiting', refused: undefined });
    this.sendNow();
  }

  /** The person gave up on a write: it leaves the phone unsent. */
  async discard(id: string): Promise<void> {
    await (await offlineDb()).delete('writes', id);
    this.items = this.items.filter((item) => item.id !== id);
    this.changed();
  }

  private async enqueue(write: NewWrite): Promise<void> {
    const owner = this.owner!;
    // Ordered by the time made; a second write in the same millisecond comes after the first.
    const seq = Math.max(Date.now(), this.lastSeq + 1, ...this.items.map((item) => item.seq + 1));
    this.lastSeq = seq;
    const item: QueuedWrite = {
      ...write,
      owner,
      seq,
      made_at: new Date().toISOString(),
      state: 'waiting',
      attempts: 0,
    };
    await (await offlineDb()).put('writes', item);
    if (this.owner !== owner) return;
    this.items = [...this.items.filter((i) => i.id !== item.id), item];
    this.changed();
    // Tried at once: behind other waiting writes Croft may well answer; if not, the waits begin.
    if (this.canSend) void this.drain();
  }

  /** This person's writes as the store holds them; one left `sending` (the page closed mid-send) waits again. */
  private async reload(): Promise<void> {
    const owner = this.owner;
    if (!owner) return;
    const stored = await (await offlineDb()).getAllFromIndex('writes', 'owner', owner);
    if (this.owner !== owner) return;
    this.items = stored
      .map((item): QueuedWrite => (item.state === 'sending' && !this.draining ? { ...item, state: 'waiting' } : item))
      .sort((a, b) => a.seq - b.seq);
    this.notify();
  }

  private drain(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      try {
        do {
          this.again = false;
          await this.sendAll();
        } while (this.again);
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  private async sendAll(): Promise<void> {
    const owner = this.owner;
    for (const queued of this.items) {
      if (!this.canSend || this.owner !== owner) return;
      const item = this.items.find((i) => i.id === queued.id);
      if (!item || item.state === 'refused') continue;
      await this.change(item.id, { state: 'sending', attempts: item.attempts + 1 });
      try {
        const answer = await sendSigned(item);
        await (await offlineDb()).delete('writes', item.id);
        this.items = this.items.filter((i) => i.id !== item.id);
        this.changed();
        this.delay = RETRY_FIRST_MS;
        for (const listener of this.sentListeners) listener(item, answer);
      } catch (error) {
        if (isTransient(error) || isSignedOut(error)) {
          // Croft cannot be reached (or the sign-in renewed): this and every later write wait, in order.
          await this.change(item.id, { state: 'waiting' });
          if (!isSignedOut(error)) this.later();
          return;
        }
        const refusal =
          error instanceof ApiError
            ? error
            : new ApiError(0, 'UNEXPECTED', error instanceof Error ? error.message : '');
        await this.change(item.id, {
          state: 'refused',
          refused: { status: refusal.status, code: refusal.code, message: refusal.message },
        });
      }
    }
  }

  /** Tries again after a wait that doubles while Croft stays unreachable. */
  private later(): void {
    if (!this.canSend) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.drain(), this.delay);
    this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
  }

  private async change(id: string, patch: Partial<QueuedWrite>): Promise<void> {
    const item = this.items.find((i) => i.id === id);
    if (!item) return;
    const next = { ...item, ...patch };
    await (await offlineDb()).put('writes', next);
    this.items = this.items.map((i) => (i.id === id ? next : i));
    this.changed();
  }

  private changed(): void {
    this.notify();
    this.channel?.postMessage('changed');
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

export const outbox = new Outbox();

if (typeof window !== 'undefined') window.addEventListener('online', () => outbox.sendNow());
