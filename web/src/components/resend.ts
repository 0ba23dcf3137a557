import { useState } from 'react';
import { ApiError } from '../api/client';

/**
 * Keeps what was sent while its answer is unknown (a lost connection): sending the same again reuses its
 * client-made id, so the server stores it once. Another input, an answer or a refusal starts afresh, so the
 * next save after an answer is a new record, never a silent repeat of the last one.
 *
 * `key` names the input (what the user chose); `make` builds the body with a fresh id when the key is new.
 */
export class Resend<B> {
  private last: { key: string; body: B } | undefined;

  body(key: string, make: () => B): B {
    if (this.last?.key !== key) this.last = { key, body: make() };
    return this.last.body;
  }

  /** The answer came (`error` undefined) or a refusal did: the next send is new. A lost answer keeps it. */
  settled(error: unknown): void {
    if (!(error instanceof ApiError && error.code === 'NETWORK')) this.last = undefined;
  }
}

/** One `Resend` for the life of a form. */
export function useResend<B>(): Resend<B> {
  return useState(() => new Resend<B>())[0];
}
