import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/helpers/app.js';
import { login, setupAdmin } from '../../../test/helpers/factories.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { startS3, type S3Server } from '../../../test/helpers/s3.js';
import { loadConfig } from '../../platform/config.js';
import { LocalFolderStorage, readAll, S3Storage, type ObjectStorage } from '../../platform/object-storage.js';
import { createPhotoStorage } from './photos.storage.js';

/** Both stores through the same interface; the S3 one against s3rver on loopback, bytes read back and compared. */

let tmp: string;
let jpeg: Buffer;
let s3rver: S3Server;
let s3: S3Storage;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A JPEG of a few hundred KB: noise does not compress. */
async function noisyJpeg(): Promise<Buffer> {
  return sharp({
    create: {
      width: 900,
      height: 700,
      channels: 3,
      background: '#000000',
      noise: { type: 'gaussian', mean: 120, sigma: 60 },
    },
  })
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** A stream that hands the bytes over in uneven pieces, as a network would. */
function chunked(bytes: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0, n = 1; at < bytes.length; n++) {
    const size = 1000 + ((n * 7919) % 60_000);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return Readable.from(pieces);
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'croft-photos-storage-'));
  jpeg = await noisyJpeg();
  s3rver = await startS3(tmp, ['croft-photos']);
  s3 = new S3Storage({
    endpoint: s3rver.endpoint,
    bucket: 'croft-photos',
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
  });
});

afterAll(async () => {
  s3?.destroy();
  await s3rver?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe.each([
  ['local folder', () => new LocalFolderStorage(path.join(tmp, 'local')) as ObjectStorage],
  ['S3 (s3rver)', () => s3 as ObjectStorage],
])('%s', (_name, storage) => {
  it('keeps a JPEG of a few hundred KB byte for byte, put whole or streamed', async () => {
    expect(jpeg.length).toBeGreaterThan(200_000);
    const store = storage();
    await store.put('farms/f1/photos/p1/whole', jpeg, 'image/jpeg');
    await store.put('farms/f1/photos/p1/streamed', chunked(jpeg), 'image/jpeg', jpeg.length);
    await store.put('farms/f1/photos/p1/streamed-unsized', chunked(jpeg), 'image/jpeg');
    for (const key of ['whole', 'streamed', 'streamed-unsized']) {
      const back = await readAll((await store.get(`farms/f1/photos/p1/${key}`))!);
      expect(back.length, key).toBe(jpeg.length);
      expect(sha(back), key).toBe(sha(jpeg));
    }
  });

  it('answers undefined for a missing key, and deletes (twice without error)', async () => {
    const store = storage();
    expect(await store.get('farms/f1/photos/none/original')).toBeUndefined();
    await store.put('farms/f1/photos/p2/x', Buffer.from('abc'), 'application/octet-stream');
    await store.delete('farms/f1/photos/p2/x');
    await store.delete('farms/f1/photos/p2/x');
    expect(await store.get('farms/f1/photos/p2/x')).toBeUndefined();
  });

  it('refuses a key that could leave its folder', async () => {
    await expect(storage().put('../escape', Buffer.from('x'), 'text/plain')).rejects.toThrow(/storage key/);
    await expect(storage().get('a//b')).rejects.toThrow(/storage key/);
  });
});

describe('settings', () => {
  it('choose the local folder under the data directory by default, S3 when a bucket is named', () => {
    const local = createPhotoStorage(loadConfig({ CROFT_DATA_DIR: tmp }, false));
    expect(local).toBeInstanceOf(LocalFolderStorage);
    expect((local as LocalFolderStorage).root).toBe(path.join(tmp, 'photos'));
    const remote = createPhotoStorage(
      loadConfig(
        {
          CROFT_S3_BUCKET: 'croft-photos',
          CROFT_S3_ENDPOINT: 'http://127.0.0.1:9000',
          CROFT_S3_FORCE_PATH_STYLE: 'on',
          CROFT_S3_ACCESS_KEY_ID: 'a',
          CROFT_S3_SECRET_ACCESS_KEY: 'b',
        },
        false,
      ),
    );
    expect(remote.kind).toBe('s3');
    (remote as S3Storage).destroy();
  });

  it('refuse half an S3 setting', () => {
    expect(() => loadConfig({ CROFT_S3_ENDPOINT: 'http://127.0.0.1:9000' }, false)).toThrow(/CROFT_S3_ENDPOINT/);
    expect(() => loadConfig({ CROFT_S3_BUCKET: 'b1x', CROFT_S3_ACCESS_KEY_ID: 'a' }, false)).toThrow(
      /CROFT_S3_SECRET_ACCESS_KEY/,
    );
    expect(() => loadConfig({ CROFT_S3_BUCKET: 'Not_A_Bucket' }, false)).toThrow(/CROFT_S3_BUCKET/);
    expect(() => loadConfig({ CROFT_S3_BUCKET: 'b1x', CROFT_S3_ENDPOINT: 'ftp://x' }, false)).toThrow(
      /CROFT_S3_ENDPOINT/,
    );
  });
});

describe('uploads through the API with CROFT_S3_* set', () => {
  it('store the photo in the bucket, serve the same bytes back, and queue the count', async () => {
    const t = await createTestApp({
      workJobs: true,
      env: {
        CROFT_DATA_DIR: path.join(tmp, 'app'),
        CROFT_S3_BUCKET: 'croft-photos',
        CROFT_S3_ENDPOINT: s3rver.endpoint,
        CROFT_S3_FORCE_PATH_STYLE: 'on',
        CROFT_S3_ACCESS_KEY_ID: 'S3RVER',
        CROFT_S3_SECRET_ACCESS_KEY: 'S3RVER',
      },
    });
    try {
      expect(t.deps.services.photoStorage.kind).toBe('s3');
      const setup = await setupAdmin(t.app);
      const admin = await login(t.app, setup.admin.email);
      const id = randomUUID();
      const url = `/api/v1/farms/${setup.farm.slug}/photos/${id}`;
      const put = await t.app.inject({
        method: 'PUT',
        url,
        headers: { ...admin.headers, 'content-type': 'image/jpeg' },
        payload: jpeg,
      });
      expect(put.statusCode, put.body).toBe(201);
      const back = await t.app.inject({ method: 'GET', url: `${url}/image`, headers: admin.headers });
      expect(back.statusCode).toBe(200);
      expect(back.rawPayload.length).toBe(jpeg.length);
      expect(sha(back.rawPayload)).toBe(sha(jpeg));
      // Nothing went to the local folder.
      await expect(fs.access(path.join(tmp, 'app', 'photos'))).rejects.toThrow();
      // The job queued with the upload runs: it reads the bytes back from S3 and counts them.
      const sessionUrl = `/api/v1/farms/${setup.farm.slug}/photo-sessions/${(put.json() as { session_id: string }).session_id}`;
      const session = async () =>
        (await t.app.inject({ method: 'GET', url: sessionUrl, headers: admin.headers })).json() as {
          status: string;
          error_code: string | null;
        };
      await waitFor(async () => ['completed', 'failed'].includes((await session()).status), 60_000, 100);
      expect(await session()).toMatchObject({ status: 'completed', error_code: null });
    } finally {
      await t.close();
      (t.deps.services.photoStorage as S3Storage).destroy();
    }
  });
});
