import { createReadStream } from 'node:fs';
import { Header, Pax } from 'tar';

/**
 * A tar archive written as it goes, one entry after another, for a response that streams: each entry's
 * header (ustar, with a PAX header before it when a name or size does not fit) then its bytes and the
 * padding to a whole block, and two empty blocks at the end. An entry's size must be known before its
 * bytes: files are spooled to disk first when their size is not (see exports.service.ts).
 */

const BLOCK = 512;

function header(path: string, size: number, mtime: Date): Buffer[] {
  const data = { path, size, mtime, mode: 0o644, uid: 0, gid: 0, type: 'File' as const };
  const head = new Header(data);
  const block = Buffer.alloc(BLOCK);
  const needPax = head.encode(block, 0);
  return needPax ? [new Pax(data).encode(), block] : [block];
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** An entry whose bytes are at hand (the readme, farm.json). */
export function* bufferEntry(path: string, body: Buffer, mtime: Date): Generator<Buffer> {
  yield* header(path, body.length, mtime);
  yield body;
  yield padding(body.length);
}

/**
 * An entry from a file on disk of `size` bytes, streamed. A file that is not that size when read (changed
 * meanwhile) would corrupt every entry after it: the archive stops with an error instead.
 */
export async function* fileEntry(path: string, file: string, size: number, mtime: Date): AsyncGenerator<Buffer> {
  yield* header(path, size, mtime);
  let written = 0;
  for await (const chunk of createReadStream(file)) {
    written += (chunk as Buffer).length;
    if (written > size) throw new Error(`${file} grew while being archived`);
    yield chunk as Buffer;
  }
  if (written !== size) throw new Error(`${file} shrank while being archived`);
  yield padding(size);
}

/** The end of the archive: two empty blocks. */
export const archiveEnd = (): Buffer => Buffer.alloc(2 * BLOCK);
