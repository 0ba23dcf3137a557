import { describe, expect, it } from 'vitest';

// The web app's resend rule, loaded as the browser build would (outside the server's type check).
const RESEND = '../web/src/components/resend.ts';
const CLIENT = '../web/src/api/client.ts';
interface Resend<B> {
  body(key: string, make: () => B): B;
  settled(error: unknown): void;
}

describe("the web app's resend rule", () => {
  it('reuses the id after a lost answer, and makes a new one after an answer, a refusal or another input', async () => {
    const { Resend } = (await import(/* @vite-ignore */ RESEND)) as { Resend: new () => Resend<{ id: number }> };
    const { ApiError } = (await import(/* @vite-ignore */ CLIENT)) as {
      ApiError: new (status: number, code: string, message: string) => Error;
    };
    let made = 0;
    const make = () => ({ id: ++made });
    const resend = new Resend();

    const first = resend.body('12 plants', make);
    resend.settled(new ApiError(0, 'NETWORK', 'network'));
    expect(resend.body('12 plants', make)).toBe(first); // the same tap again: the same id

    expect(resend.body('13 plants', make).id).toBe(2); // another input: another record
    resend.settled(undefined); // answered
    expect(resend.body('13 plants', make).id).toBe(3); // "again" after an answer is a new record

    resend.settled(new ApiError(409, 'CONFLICT', 'refused'));
    expect(resend.body('13 plants', make).id).toBe(4); // a refusal starts afresh too
  });
});
