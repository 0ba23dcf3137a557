import { WebSocket } from 'ws';
import { jsonValidator } from '../../src/platform/http/validation.js';
import { ServerMessage } from '../../src/modules/live/index.js';

export interface LiveMessage {
  type: string;
  [key: string]: unknown;
}

const isServerMessage = jsonValidator<LiveMessage>(ServerMessage);

/**
 * A live-socket client for tests: collects every message, checks each against the published
 * schema (so the AsyncAPI document stays true), and waits for the ones a test expects.
 */
export class LiveClient {
  readonly messages: LiveMessage[] = [];
  readonly invalid: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;
  #waiters: Array<() => void> = [];

  constructor(url: string, headers: Record<string, string> = {}) {
    const ws = new WebSocket(url, { headers });
    this.ws = ws;
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_request, response) =>
        reject(Object.assign(new Error(`HTTP ${response.statusCode}`), { status: response.statusCode })),
      );
      ws.once('error', reject);
    });
    this.opened.catch(() => {});
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as LiveMessage;
      const checked = isServerMessage(message);
      if (!checked.ok) this.invalid.push(`${JSON.stringify(message)}: ${checked.errors.join('; ')}`);
      this.messages.push(message);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const wake of this.#waiters.splice(0)) wake();
      }),
    );
  }

  readonly ws: WebSocket;

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits until `count` messages match, and returns them. */
  async waitFor(match: (m: LiveMessage) => boolean, count = 1, timeoutMs = 5_000): Promise<LiveMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.filter(match);
      if (found.length >= count) return found;
      if (Date.now() > deadline || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(
          `waited for ${count} matching live messages, got ${found.length}: ${JSON.stringify(this.messages).slice(0, 2000)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}

export const ofType = (type: string) => (m: LiveMessage) => m.type === type;
