import { Duplex } from 'node:stream';

/**
 * Follows the MQTT packets in a byte stream by their fixed headers alone: one type byte, then the
 * remaining length (1–4 bytes, 7 bits each), then that many bytes. It never buffers a packet, so a
 * header announcing 256 MB costs nothing but the refusal.
 */
export class PacketScanner {
  readonly #max: number;
  /** Bytes of the current packet's body still to pass. */
  #skip = 0;
  /** 0: at a packet's first byte; n > 0: n − 1 length bytes read. */
  #state = 0;
  #length = 0;
  #multiplier = 1;

  constructor(maxPacketBytes: number) {
    this.#max = maxPacketBytes;
  }

  /** Reads a chunk; false when a packet announces more than the maximum (or a malformed length). */
  scan(chunk: Uint8Array): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        this.#skip -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.#state === 0) {
        this.#state = 1;
        this.#length = 0;
        this.#multiplier = 1;
        continue;
      }
      this.#length += (byte & 0x7f) * this.#multiplier;
      if (this.#length > this.#max) return false;
      if (byte & 0x80) {
        if (this.#state === 4) return false; // a fifth length byte: not MQTT
        this.#state += 1;
        this.#multiplier *= 128;
        continue;
      }
      this.#state = 0;
      this.#skip = this.#length;
    }
    return true;
  }
}

/**
 * The connection as the broker sees it: the same bytes both ways, except that a packet announcing
 * more than `maxPacketBytes` closes the connection before the broker's parser holds any of it.
 */
export function guardPackets(inner: Duplex, maxPacketBytes: number, onTooLarge: () => void): Duplex {
  const scanner = new PacketScanner(maxPacketBytes);
  let closed = false;
  const outer = new Duplex({
    read() {
      inner.resume();
    },
    writev(chunks, callback) {
      if (inner.destroyed) return callback();
      for (const { chunk } of chunks.slice(0, -1)) inner.write(chunk);
      inner.write(chunks[chunks.length - 1]!.chunk, () => callback());
    },
    final(callback) {
      inner.end();
      callback();
    },
    destroy(error, callback) {
      closed = true;
      inner.destroy();
      callback(error);
    },
  });
  inner.on('data', (chunk: Buffer) => {
    if (closed) return;
    if (!scanner.scan(chunk)) {
      closed = true;
      onTooLarge();
      inner.destroy();
      outer.destroy();
      return;
    }
    if (!outer.push(chunk)) inner.pause();
  });
  inner.on('end', () => outer.push(null));
  inner.on('error', (error) => outer.destroy(error));
  inner.on('close', () => {
    if (!outer.destroyed) outer.destroy();
  });
  return outer;
}

export type Refusal = 'connections_per_address' | 'connect_rate';

/**
 * How many connections each network address holds, and how often it connects (a fixed one-minute
 * window per address): what one address may take of the broker, whatever listener it comes through.
 */
export class AddressGate {
  readonly #open = new Map<string, number>();
  readonly #attempts = new Map<string, { window: number; n: number }>();

  constructor(
    private readonly limits: { connectionsPerAddress: number; connectsPerMinute: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Admits a connection from `address` (then call the returned release once it closes), or says why not. */
  admit(address: string): { release: () => void } | { refused: Refusal } {
    const window = Math.floor(this.now() / 60_000);
    const attempts = this.#attempts.get(address);
    if (attempts && attempts.window === window) attempts.n += 1;
    else {
      if (this.#attempts.size > 100_000) this.#prune(window);
      this.#attempts.set(address, { window, n: 1 });
    }
    if ((this.#attempts.get(address)?.n ?? 0) > this.limits.connectsPerMinute) return { refused: 'connect_rate' };
    const open = this.#open.get(address) ?? 0;
    if (open >= this.limits.connectionsPerAddress) return { refused: 'connections_per_address' };
    this.#open.set(address, open + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.#open.get(address) ?? 1) - 1;
        if (left <= 0) this.#open.delete(address);
        else this.#open.set(address, left);
      },
    };
  }

  #prune(window: number): void {
    for (const [address, attempts] of this.#attempts) if (attempts.window !== window) this.#attempts.delete(address);
  }
}
