import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { isPrivateAddress } from './alerts.engine.js';

/**
 * Webhook requests that cannot be steered into Croft's own network. A name is resolved once, when the
 * connection is made, and the agent connects only if every address it resolves to is public — so a name
 * that answers a public address to a check and a private one to the connection (DNS rebinding) gets
 * nowhere. An address written in the URL is judged before anything is sent (Node connects to a literal
 * without a lookup). Redirects are not followed.
 */
export class WebhookClient {
  readonly #agent: Agent;

  constructor(private readonly allowPrivate: boolean) {
    this.#agent = new Agent({
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
      keepAliveTimeout: 4_000,
      ...(allowPrivate ? {} : { connect: { lookup: publicOnlyLookup } }),
    });
  }

  /** POSTs `body`; answers the HTTP status, or throws (a refused target, a network error, a timeout). */
  async post(target: string, body: string, headers: Record<string, string>): Promise<number> {
    const url = new URL(target);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused(`${url.protocol} is not http(s)`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host))
      throw refused(`${host} is not a public address`);
    const res = await request(url, {
      method: 'POST',
      body,
      headers,
      dispatcher: this.#agent,
      signal: AbortSignal.timeout(10_000),
    });
    await res.body.dump();
    return res.statusCode;
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

function refused(why: string): Error {
  return Object.assign(new Error(`Webhook target refused: ${why}`), { code: 'WEBHOOK_TARGET_REFUSED' });
}

/** `net.connect`'s lookup, resolving once and refusing a name with any address that is not public. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    const answer = callback as (error: Error | null, address?: string | LookupAddress[], family?: number) => void;
    if (error) return answer(error);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (addresses.length === 0 || bad)
      return answer(refused(`${hostname} resolves to ${bad?.address ?? 'nothing'}, not a public address`));
    if (options.all) return answer(null, addresses);
    return answer(null, addresses[0]!.address, addresses[0]!.family);
  });
};
