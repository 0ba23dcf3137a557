import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Json, type TestApp } from '../../../test/helpers/app.js';
import { sendHeadOnly } from '../../../test/helpers/raw-http.js';
import { createFarm, login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';
import { buildTestDetectorModel, encodeOnnxModel, ONNX_FLOAT } from '../../../scripts/make-test-onnx-model.js';
import type { JobContext } from '../../platform/jobs/registry.js';
import { DomainError } from '../../platform/errors.js';
import { countPhotoBytes } from './counting/count.js';
import { CountingProcess } from './counting/process.js';
import { MAX_LOADED_MODELS } from './counting/protocol.js';
import { OnnxDetector } from './counting/onnx.js';
import { PhotosService } from './photos.service.js';
import type { CountResult } from './counting/types.js';
import { generateSyntheticTray } from './synthetic/tray.js';

/**
 * A farm's own detection model through the API (issue #25 item 5): upload and its refusals, who may, the farm's
 * choice, and photos counted with it on the counting process.
 */

let t: TestApp;
let admin: Actor;
let manager: Actor;
let farm: FarmRef;
let other: FarmRef;
let dataDir: string;

/** The test detector (scripts/make-test-onnx-model.ts): 64×64 input, green squares → plants, red → empty pots. */
const MODEL = Buffer.from(buildTestDetectorModel());
const SETTINGS = 'name=Greens&input_width=64&input_height=64';

async function upload(
  bytes: Buffer,
  opts: { id?: string; query?: string; who?: Actor; on?: FarmRef; type?: string } = {},
): Promise<{ status: number; body: Json; id: string }> {
  const id = opts.id ?? randomUUID();
  const res = await t.app.inject({
    method: 'PUT',
    url: `/api/v1/farms/${(opts.on ?? farm).slug}/detector-models/${id}?${opts.query ?? SETTINGS}`,
    headers: { ...(opts.who ?? admin).headers, 'content-type': opts.type ?? 'application/octet-stream' },
    payload: bytes,
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json, id };
}

async function api(method: string, url: string, opts: { who?: Actor; on?: FarmRef; payload?: unknown } = {}) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${(opts.on ?? farm).slug}${url}`,
    headers: (opts.who ?? admin).headers,
    ...(opts.payload === undefined ? {} : { payload: opts.payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

const listed = async () => ((await api('GET', '/detector-models')).body.data as Json[]).map((m) => m.id as string);

const SOIL = [110, 80, 55];
const GREEN = [0, 255, 0];
const RED = [255, 0, 0];
/** A PNG of soil with coloured squares [x, y, side, colour]: what the test model reads exactly. */
async function painted(width: number, height: number, squares: [number, number, number, number[]][]) {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(SOIL, i * 3);
  for (const [x0, y0, side, colour] of squares)
    for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) data.set(colour, (y * width + x) * 3);
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** What counting these bytes with the test model answers, done here directly (no thread, no database). */
async function expectedWithModel(bytes: Buffer): Promise<CountResult> {
  const detector = await OnnxDetector.create(MODEL, { inputWidth: 64, inputHeight: 64 });
  try {
    return await countPhotoBytes(bytes, {}, detector);
  } finally {
    await detector.close();
  }
}

const jobContext = (retryCount: number): JobContext => ({
  id: randomUUID(),
  retryCount,
  clock: t.clock,
  log: t.deps.log,
});

/** Uploads a photo and runs its `photos.count` job (first try); answers the session. */
async function countedPhoto(bytes: Buffer, type = 'image/png'): Promise<Json> {
  const res = await t.app.inject({
    method: 'PUT',
    url: `/api/v1/farms/${farm.slug}/photos/${randomUUID()}`,
    headers: { ...admin.headers, 'content-type': type },
    payload: bytes,
  });
  expect(res.statusCode, res.body).toBe(201);
  const sessionId = res.json().session_id as string;
  await t.registry.get('photos.count')!.handle({ farmId: farm.id, sessionId }, jobContext(0));
  return (await api('GET', `/photo-sessions/${sessionId}`)).body;
}

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'croft-detector-models-'));
  t = await createTestApp({
    now: '2026-11-30T09:00:00Z',
    env: { CROFT_DATA_DIR: dataDir, CROFT_DETECTOR_MODEL_MAX_MB: '1' },
  });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  other = await createFarm(t.app, admin, 'Other Acres');
  manager = await member(t.app, admin, farm, 'manager', 'manager');
});

afterAll(async () => {
  await t.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('uploading a model', () => {
  it('stores the test model (201), lists it, reads it back; not active', async () => {
    const { status, body, id } = await upload(MODEL, {
      query: `${SETTINGS}&score_threshold=0.6&nms_iou=0.4&fit=stretch&class_names=plant,empty_container`,
    });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({
      id,
      name: 'Greens',
      input_width: 64,
      input_height: 64,
      score_threshold: 0.6,
      nms_iou: 0.4,
      fit: 'stretch',
      class_names: ['plant', 'empty_container'],
      size_bytes: MODEL.length,
      active: false,
      created_by: admin.userId,
    });
    expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body).not.toHaveProperty('storage_key');
    expect(await listed()).toContain(id);
    expect((await api('GET', `/detector-models/${id}`)).body).toEqual(body);
    // Members read it.
    expect((await api('GET', `/detector-models/${id}`, { who: manager })).status).toBe(200);
  });

  it('answers a resend of the same bytes and settings with the first model (200), once; other settings 409', async () => {
    const first = await upload(MODEL);
    expect(first.status).toBe(201);
    const again = await upload(MODEL, { id: first.id });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await listed()).filter((m) => m === first.id)).toHaveLength(1);
    const clash = await upload(MODEL, {
      id: first.id,
      query: 'name=Greens&input_width=64&input_height=64&fit=stretch',
    });
    expect(clash.status).toBe(409);
    expect(clash.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
    // The clash touched nothing: the first model still counts (its file is still there, read below).
    expect((await api('GET', `/detector-models/${first.id}`)).body).toEqual(first.body);
  });

  it('refuses a JPEG, or a file onnxruntime cannot load, as a model (415), whatever the Content-Type says', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#363' } })
      .jpeg()
      .toBuffer();
    for (const type of ['application/octet-stream', 'image/jpeg']) {
      const res = await upload(jpeg, { type });
      expect(res.status, JSON.stringify(res.body)).toBe(415);
      expect(res.body.error_code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(await listed()).not.toContain(res.id);
    }
    // Shaped like a model, but onnxruntime cannot load it (an operator it does not know): not ONNX it can run.
    const unknownOp = Buffer.from(
      encodeOnnxModel({
        inputs: [{ name: 'images', elemType: ONNX_FLOAT, shape: [1, 3, 64, 64] }],
        outputs: [{ name: 'detections', elemType: ONNX_FLOAT, shape: [1, 6] }],
        nodes: [{ opType: 'NoSuchOperator', inputs: ['images'], outputs: ['detections'] }],
      }),
    );
    const res = await upload(unknownOp);
    expect(res.status, JSON.stringify(res.body)).toBe(415);
    expect(await listed()).not.toContain(res.id);
  });

  it('refuses a model breaking the contract (422 with the contract’s code and message), storing nothing', async () => {
    // One channel in, passed through: loads, but is not [1,3,H,W] RGB.
    const oneChannel = Buffer.from(
      encodeOnnxModel({
        inputs: [{ name: 'images', elemType: ONNX_FLOAT, shape: [1, 1, 64, 64] }],
        outputs: [{ name: 'detections', elemType: ONNX_FLOAT, shape: [1, 1, 64, 64] }],
        nodes: [{ opType: 'Identity', inputs: ['images'], outputs: ['detections'] }],
      }),
    );
    const res = await upload(oneChannel);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error_code).toBe('ONNX_MODEL_CONTRACT');
    expect(res.body.message).toMatch(/input 'images' has 1 channels in \[1,1,64,64\], expected 3/);
    expect(await listed()).not.toContain(res.id);
    // The test model stated at another size than its input is refused the same way.
    const wrongSize = await upload(MODEL, { query: 'name=Greens&input_width=32&input_height=32' });
    expect(wrongSize.status).toBe(422);
    expect(wrongSize.body.message).toMatch(/stated as 32×32/);
    const files = await fs.readdir(path.join(dataDir, 'photos', 'farms', farm.id, 'detector-models'));
    expect(files).not.toContain(res.id);
    expect(files).not.toContain(wrongSize.id);
  });

  it('refuses a body over the cap (413), and by Content-Length before reading it', async () => {
    const big = Buffer.concat([MODEL, Buffer.alloc(1024 * 1024)]);
    const res = await upload(big);
    expect(res.status).toBe(413);
    expect(res.body.error_code).toBe('PAYLOAD_TOO_LARGE');

    const answer = await sendHeadOnly(
      t.app,
      `PUT /api/v1/farms/${farm.slug}/detector-models/${randomUUID()}?${SETTINGS} HTTP/1.1\r\n` +
        `Host: 127.0.0.1\r\nAuthorization: ${admin.headers.authorization}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${200 * 1024 * 1024}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('PAYLOAD_TOO_LARGE');
  });

  it('lets only farm admins upload, choose and delete (403 for a manager); another farm answers 404', async () => {
    const denied = await upload(MODEL, { who: manager });
    expect(denied.status).toBe(403);
    expect(await listed()).not.toContain(denied.id);
    const { id } = await upload(MODEL);
    expect((await api('PUT', `/detector-models/${id}/active`, { who: manager })).status).toBe(403);
    expect((await api('DELETE', `/detector-models/${id}`, { who: manager })).status).toBe(403);
    // The admin of the other farm asks for this farm's model through it: no such model there.
    for (const [method, url] of [
      ['GET', `/detector-models/${id}`],
      ['PUT', `/detector-models/${id}/active`],
      ['DELETE', `/detector-models/${id}/active`],
      ['DELETE', `/detector-models/${id}`],
    ] as const) {
      expect((await api(method, url, { on: other })).status, `${method} ${url}`).toBe(404);
    }
    expect(((await api('GET', '/detector-models', { on: other })).body.data as Json[]).map((m) => m.id)).not.toContain(
      id,
    );
    // The same id in the other farm is that farm's own first upload.
    expect((await upload(MODEL, { id, on: other })).status).toBe(201);
  });
});

describe('counting with the farm’s model', () => {
  it('counts with the active model, records it on the session, and with the classical detector again after', async () => {
    const { id } = await upload(MODEL, { query: 'name=Chosen&input_width=64&input_height=64' });
    const before = await countedPhoto(await painted(96, 64, [[0, 0, 12, GREEN]]));
    expect(before).toMatchObject({ status: 'completed', detector: 'classical', detector_model_id: null });

    const chosen = await api('PUT', `/detector-models/${id}/active`);
    expect(chosen.status).toBe(200);
    expect(chosen.body.active).toBe(true);
    expect((await api('PUT', `/detector-models/${id}/active`)).body.active).toBe(true);

    // 128×128 → the model's 64×64 at scale ½: a model cell (col j, row i) is the square at (16j, 16i), 16 px wide.
    const squares = await painted(128, 128, [
      [32, 16, 16, GREEN],
      [80, 80, 16, GREEN],
      [0, 96, 16, GREEN],
      [112, 0, 16, GREEN],
      [48, 48, 16, RED],
    ]);
    const expected = await expectedWithModel(squares);
    expect(expected).toMatchObject({ detected: 4, empty: 1 });
    const counted = await countedPhoto(squares);
    expect(counted).toMatchObject({
      status: 'completed',
      error_code: null,
      detector: 'onnx',
      detector_model_id: id,
      detected: expected.detected,
      estimated: expected.estimated,
      empty: expected.empty,
      total: expected.total,
      method: expected.method,
    });
    const detections = (await api('GET', `/photo-sessions/${counted.id}/detections`)).body.data as Json[];
    expect(detections.map((d) => d.class).sort()).toEqual(['empty_container', 'plant', 'plant', 'plant', 'plant']);

    // A synthetic tray: whatever the test model makes of it, the session says the same as counting it here.
    const tray = await generateSyntheticTray({ seed: 91, width: 480, height: 360, detectableShare: 0.9 });
    const trayExpected = await expectedWithModel(tray.jpeg);
    const trayCounted = await countedPhoto(tray.jpeg, 'image/jpeg');
    expect(trayCounted).toMatchObject({
      status: 'completed',
      detector: 'onnx',
      detector_model_id: id,
      detected: trayExpected.detected,
      empty: trayExpected.empty,
      total: trayExpected.total,
    });

    // Stop counting with it: the classical detector again.
    const stopped = await api('DELETE', `/detector-models/${id}/active`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.active).toBe(false);
    const after = await countedPhoto(squares);
    expect(after).toMatchObject({ status: 'completed', detector: 'classical', detector_model_id: null });
  });

  it('keeps one active model per farm: choosing another replaces it; deleting the active one returns to classical', async () => {
    const a = await upload(MODEL, { query: 'name=A&input_width=64&input_height=64' });
    const b = await upload(MODEL, { query: 'name=B&input_width=64&input_height=64' });
    await api('PUT', `/detector-models/${a.id}/active`);
    await api('PUT', `/detector-models/${b.id}/active`);
    const models = (await api('GET', '/detector-models')).body.data as Json[];
    expect(models.filter((m) => m.active).map((m) => m.id)).toEqual([b.id]);

    const counted = await countedPhoto(await painted(64, 64, [[8, 8, 8, GREEN]]));
    expect(counted).toMatchObject({ detector: 'onnx', detector_model_id: b.id });
    expect((await api('DELETE', `/detector-models/${b.id}`)).status).toBe(204);
    expect((await api('GET', `/detector-models/${b.id}`)).status).toBe(404);
    expect(await listed()).not.toContain(b.id);
    // The session it counted keeps its count; the model is gone.
    expect((await api('GET', `/photo-sessions/${counted.id}`)).body).toMatchObject({
      status: 'completed',
      detector: 'onnx',
      detector_model_id: null,
    });
    expect(await countedPhoto(await painted(64, 64, [[8, 8, 8, GREEN]]))).toMatchObject({
      detector: 'classical',
      detector_model_id: null,
    });
  });

  it('fails the session with the model’s code when it no longer loads at count time, without a retry', async () => {
    // A model of its own (a new key for the counting process), its file then spoiled in storage.
    const small = Buffer.from(buildTestDetectorModel({ size: 32, cell: 4 }));
    const { id } = await upload(small, { query: 'name=Spoiled&input_width=32&input_height=32' });
    const dir = path.join(dataDir, 'photos', 'farms', farm.id, 'detector-models', id);
    const [file] = await fs.readdir(dir);
    await fs.writeFile(path.join(dir, file!), Buffer.from([0x08, 0x07, 0x3a, 0x02, 0x0a, 0x00]));
    await api('PUT', `/detector-models/${id}/active`);
    const session = await countedPhoto(await painted(64, 64, [[8, 8, 8, GREEN]]));
    expect(session).toMatchObject({
      status: 'failed',
      error_code: 'ONNX_MODEL_UNREADABLE',
      detector: 'onnx',
      detector_model_id: id,
      attempts: 1,
      total: null,
    });
    await api('DELETE', `/detector-models/${id}/active`);
  });
});

describe('a model deleted while its photo is counted', () => {
  it('the session still completes (its model id then null), its warnings as they are at the end', async () => {
    const { id } = await upload(MODEL, { query: 'name=Brief&input_width=64&input_height=64' });
    expect((await api('PUT', `/detector-models/${id}/active`)).status).toBe(200);
    const photo = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/farms/${farm.slug}/photos/${randomUUID()}`,
      headers: { ...admin.headers, 'content-type': 'image/png' },
      payload: await painted(64, 64, [[8, 8, 8, GREEN]]),
    });
    const sessionId = photo.json().session_id as string;
    // A counter that, while it counts, sees the admin delete the model it counts with.
    const photos = new PhotosService({
      ...t.deps,
      photoStorage: t.deps.services.photoStorage,
      countPhoto: async () => {
        expect((await api('DELETE', `/detector-models/${id}`)).status).toBe(204);
        return { detections: [], detected: 0, estimated: 0, empty: 0, total: 0, method: 'detection', confidence: 0 };
      },
    });
    await photos.process(farm.id, sessionId, { retryCount: 0, retryLimit: 2 });
    const session = (await api('GET', `/photo-sessions/${sessionId}`)).body;
    expect(session).toMatchObject({ status: 'completed', detector: 'onnx', detector_model_id: null, total: 0 });
    // Nothing singled out and no density to fall back on: the review is told, beside the missing place.
    expect([...(session.warnings as string[])].sort()).toEqual(['needs_calibration', 'needs_location']);
  });
});

describe('the counting process and a model', () => {
  it('is sent a model’s bytes once, and again only when it let the model go or was restarted', async () => {
    const counting = new CountingProcess();
    const loads = new Map<string, number>();
    const model = (scoreThreshold: number) => ({
      key: `test:${scoreThreshold}`,
      options: { inputWidth: 64, inputHeight: 64, scoreThreshold },
      bytes: () => {
        loads.set(`test:${scoreThreshold}`, (loads.get(`test:${scoreThreshold}`) ?? 0) + 1);
        return Promise.resolve(new Uint8Array(MODEL));
      },
    });
    const photo = await painted(64, 64, [[8, 8, 8, GREEN]]);
    try {
      expect((await counting.count(photo, {}, model(0.5))).detected).toBe(1);
      expect((await counting.count(photo, {}, model(0.5))).detected).toBe(1);
      expect(loads.get('test:0.5')).toBe(1);
      // More models than the process keeps: the first is let go, and asked for again when next used.
      for (let i = 1; i <= MAX_LOADED_MODELS; i++) await counting.count(photo, {}, model(0.5 + i / 100));
      expect((await counting.count(photo, {}, model(0.5))).detected).toBe(1);
      expect(loads.get('test:0.5')).toBe(2);
      // A new process holds nothing.
      await counting.close();
      expect((await counting.count(photo, {}, model(0.5))).detected).toBe(1);
      expect(loads.get('test:0.5')).toBe(3);
    } finally {
      await counting.close();
    }
  });

  it('is a process of its own: one killed mid-count fails that count, and the next count starts a new one', async () => {
    const counting = new CountingProcess();
    const photo = await painted(64, 64, [[8, 8, 8, GREEN]]);
    try {
      expect((await counting.count(photo, {})).detected).toBe(1);
      const first = counting.pid;
      expect(first).toBeGreaterThan(0);
      expect(first).not.toBe(process.pid);
      // A crash in native code (a crafted model, a decoder bug) kills the counting process, not the server.
      const large = await painted(2000, 1500, [[200, 200, 40, GREEN]]);
      const inFlight = counting.count(large, {});
      process.kill(first!, 'SIGKILL');
      await expect(inFlight).rejects.toThrow(/the counting process exited \(SIGKILL\)/);
      expect((await counting.count(photo, {})).detected).toBe(1);
      expect(counting.pid).not.toBe(first);
    } finally {
      await counting.close();
    }
  });

  it('does an upload’s image work too: the copies come back as Buffers, a refusal keeps its code and details', async () => {
    const counting = new CountingProcess();
    try {
      const image = await counting.inspect(await painted(640, 480, [[8, 8, 8, GREEN]]), 'UTC');
      expect(counting.pid).toBeGreaterThan(0);
      expect([image.width, image.height]).toEqual([640, 480]);
      expect(Buffer.isBuffer(image.display) && Buffer.isBuffer(image.thumb)).toBe(true);
      expect((await sharp(image.thumb).metadata()).format).toBe('jpeg');
      const refused = await counting.inspect(Buffer.from('not an image at all'), 'UTC').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DomainError);
      expect(refused).toMatchObject({ code: 'IMAGE_UNREADABLE', details: { reason: expect.any(String) } });
    } finally {
      await counting.close();
    }
  });
});
