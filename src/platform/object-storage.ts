import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Connection } from './config.js';

/**
 * Where bytes live that do not belong in the database (photos, models, backups): a folder, or any
 * S3-compatible store (MinIO, Garage, AWS …). Keys are Croft's own.
 */
export interface ObjectStorage {
  readonly kind: 'local' | 's3';
  /** Stores the bytes under `key`, replacing what was there. */
  put(key: string, body: Buffer | Readable, contentType: string, byteSize?: number): Promise<void>;
  /** The bytes as a stream; undefined when no object has this key. */
  get(key: string): Promise<Readable | undefined>;
  /** Removes the object; no error when there is none. */
  delete(key: string): Promise<void>;
}

/** Reads a whole stream into one buffer. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** A key Croft made: path segments of letters, digits, dashes, dots and underscores, never `..`. */
function checkedKey(key: string): string {
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(key) || key.split('/').some((p) => p === '.' || p === '..'))
    throw new Error(`Not a storage key: ${key}`);
  return key;
}

/** Objects as files under a folder; a write lands under a temporary name first, then is renamed. */
export class LocalFolderStorage implements ObjectStorage {
  readonly kind = 'local' as const;
  constructor(readonly root: string) {}

  #path(key: string): string {
    return path.join(this.root, ...checkedKey(key).split('/'));
  }

  async put(key: string, body: Buffer | Readable, _contentType: string): Promise<void> {
    const target = this.#path(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.${Date.now().toString(36)}.part`;
    try {
      if (Buffer.isBuffer(body)) await fs.writeFile(temporary, body);
      else {
        const file = await fs.open(temporary, 'w');
        try {
          await pipeline(body, file.createWriteStream());
        } finally {
          await file.close().catch(() => undefined);
        }
      }
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable | undefined> {
    const target = this.#path(key);
    try {
      await fs.access(target);
    } catch {
      return undefined;
    }
    return createReadStream(target);
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.#path(key), { force: true });
  }
}

export type S3Settings = S3Connection & { bucket: string };

type Sdk = typeof import('@aws-sdk/client-s3');

/**
 * Objects in an S3-compatible bucket through the AWS SDK. The SDK is loaded when the storage is made (only
 * with S3 settings): a farm on the local folder does not pay its ~90 ms and its memory at every start.
 */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3' as const;
  readonly #sdk: Promise<{ sdk: Sdk; client: S3Client }>;
  #client: S3Client | undefined;
  #destroyed = false;
  readonly #bucket: string;

  constructor(settings: S3Settings) {
    this.#bucket = settings.bucket;
    this.#sdk = import('@aws-sdk/client-s3').then((sdk) => {
      this.#client = S3Storage.#connect(sdk, settings);
      if (this.#destroyed) this.#client.destroy();
      return { sdk, client: this.#client };
    });
  }

  static #connect(sdk: Sdk, settings: S3Settings): S3Client {
    return new sdk.S3Client({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      forcePathStyle: settings.forcePathStyle,
      ...(settings.accessKeyId && settings.secretAccessKey
        ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
        : {}),
      // With the SDK's defaults (a CRC32 trailer on every upload, chunked), a streamed upload to a store
      // that does not know flexible checksums (s3rver, older MinIO and Garage) is stored with the chunk
      // framing in its bytes, and no error is raised: checksums only where the operation requires one.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Buffer | Readable, contentType: string, byteSize?: number): Promise<void> {
    // A stream needs its length stated: S3 refuses an upload of unknown length without chunked signing.
    const payload = Buffer.isBuffer(body) ? body : byteSize === undefined ? await readAll(body) : body;
    const { sdk, client } = await this.#sdk;
    await client.send(
      new sdk.PutObjectCommand({
        Bucket: this.#bucket,
        Key: checkedKey(key),
        Body: payload,
        ContentType: contentType,
        ContentLength: Buffer.isBuffer(payload) ? payload.length : byteSize,
      }),
    );
  }

  async get(key: string): Promise<Readable | undefined> {
    const { sdk, client } = await this.#sdk;
    try {
      const answer = await client.send(new sdk.GetObjectCommand({ Bucket: this.#bucket, Key: checkedKey(key) }));
      const body = answer.Body;
      if (!body) return undefined;
      return body instanceof Readable ? body : Readable.fromWeb(body.transformToWebStream() as never);
    } catch (error) {
      if (error instanceof sdk.NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const { sdk, client } = await this.#sdk;
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.#bucket, Key: checkedKey(key) }));
  }

  /** Closes the client's connections (none yet when the SDK is still loading). */
  destroy(): void {
    this.#destroyed = true;
    this.#client?.destroy();
  }
}
