import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestDetectorModel,
  encodeOnnxModel,
  ONNX_FLOAT,
  ONNX_UINT8,
  type ModelSpec,
} from '../../../../scripts/make-test-onnx-model.js';
import { DomainError } from '../../../platform/errors.js';
import {
  decodeDetections,
  iou,
  isOnnxModel,
  LETTERBOX_PAD,
  looksLikeOnnxModel,
  nonMaxSuppression,
  OnnxDetector,
  sessionOptions,
  toInputTensor,
} from './onnx.js';
import type { Detection, RgbImage } from './types.js';

const SCRIPT = fileURLToPath(new URL('../../../../scripts/make-test-onnx-model.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../../node_modules/tsx/dist/cli.mjs', import.meta.url));

const SOIL: Rgb = [110, 80, 55];
const GREEN: Rgb = [0, 255, 0];
const RED: Rgb = [255, 0, 0];
type Rgb = [number, number, number];

/** An image of soil with coloured squares painted on it: [x, y, side, colour]. */
function paint(width: number, height: number, squares: [number, number, number, Rgb][]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(SOIL, i * 3);
  for (const [x0, y0, side, colour] of squares) {
    for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) data.set(colour, (y * width + x) * 3);
  }
  return { width, height, data };
}

const boxes = (detections: Detection[]) =>
  detections
    .map((d) => [d.class, d.box.x1, d.box.y1, d.box.x2, d.box.y2])
    .sort((a, b) => String(a).localeCompare(String(b)));

let model: Uint8Array;
let workDir: string;
const opened: OnnxDetector[] = [];
async function detector(bytes: Uint8Array, options: Partial<Parameters<typeof OnnxDetector.create>[1]> = {}) {
  const created = await OnnxDetector.create(bytes, { inputWidth: 64, inputHeight: 64, ...options });
  opened.push(created);
  return created;
}

beforeAll(async () => {
  // The model as the script writes it: run its command line into a temp dir and read the file back.
  workDir = await mkdtemp(join(tmpdir(), 'croft-onnx-'));
  const out = join(workDir, 'test-detector.onnx');
  await promisify(execFile)(process.execPath, [TSX, SCRIPT, out]);
  model = new Uint8Array(await readFile(out));
});

afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
  await rm(workDir, { recursive: true, force: true });
});

describe('the test model (scripts/make-test-onnx-model.ts)', () => {
  it('is what the builder makes, small, and recognised as ONNX', async () => {
    expect(Buffer.from(model).equals(Buffer.from(buildTestDetectorModel()))).toBe(true);
    expect(model.length).toBeLessThan(50_000);
    expect(looksLikeOnnxModel(model)).toBe(true);
    expect(await isOnnxModel(model)).toBe(true);
  });
});

describe('OnnxDetector', () => {
  it('finds exactly the green squares (plants) and red squares (empty containers) of a 64×64 image', async () => {
    const d = await detector(model);
    const image = paint(64, 64, [
      [16, 8, 8, GREEN], // cell row 1, col 2
      [40, 40, 8, GREEN], // row 5, col 5
      [0, 48, 8, GREEN], // row 6, col 0
      [24, 24, 8, RED], // row 3, col 3
    ]);
    const found = await d.detect(image, {});
    expect(boxes(found)).toEqual(
      boxes([
        det('plant', 16, 8, 24, 16),
        det('plant', 40, 40, 48, 48),
        det('plant', 0, 48, 8, 56),
        det('empty_container', 24, 24, 32, 32),
      ]),
    );
    for (const f of found) {
      expect(f.confidence).toBeCloseTo(1, 5);
      expect(f.area).toBe(64);
      expect([f.cx, f.cy]).toEqual([(f.box.x1 + f.box.x2) / 2, (f.box.y1 + f.box.y2) / 2]);
    }
  });

  it('finds nothing on bare soil', async () => {
    const d = await detector(model);
    expect(await d.detect(paint(64, 64, []), {})).toEqual([]);
  });

  it('maps boxes back to a larger, non-square image (letterbox)', async () => {
    const d = await detector(model);
    // 128×96 → scale 0.5 → 64×48, centred with 8 rows of padding above. A model cell (col j, row i) is the
    // image square at (16j, 16(i − 1)), 16 px wide.
    const image = paint(128, 96, [
      [32, 0, 16, GREEN], // model cell row 1, col 2
      [96, 64, 16, GREEN], // row 5, col 6
      [0, 80, 16, RED], // row 6, col 0
    ]);
    const found = await d.detect(image, {});
    expect(boxes(found)).toEqual(
      boxes([det('plant', 32, 0, 48, 16), det('plant', 96, 64, 112, 80), det('empty_container', 0, 80, 16, 96)]),
    );
    expect(found.every((f) => f.area === 256)).toBe(true);
  });

  it('maps boxes back when stretching, each axis by its own scale', async () => {
    const d = await detector(model, { fit: 'stretch' });
    // 256×128 stretched to 64×64: x / 4, y / 2. Model cell (row 2, col 3) is the image box (96, 32)–(128, 48).
    const image = paint(256, 128, []);
    for (let y = 32; y < 48; y++) for (let x = 96; x < 128; x++) image.data.set(GREEN, (y * 256 + x) * 3);
    expect(boxes(await d.detect(image, {}))).toEqual(boxes([det('plant', 96, 32, 128, 48)]));
  });

  it('drops the overlapping duplicate of each square by NMS, and keeps it when NMS is off', async () => {
    const image = paint(64, 64, [
      [16, 8, 8, GREEN],
      [40, 40, 8, GREEN],
    ]);
    // The shifted grid's box over each square scores 49/64 with IoU 49/79 ≈ 0.62 against the square's box.
    const withoutNms = await (await detector(model, { nmsIou: 1 })).detect(image, {});
    expect(boxes(withoutNms)).toEqual(
      boxes([
        det('plant', 16, 8, 24, 16),
        det('plant', 17, 9, 25, 17),
        det('plant', 40, 40, 48, 48),
        det('plant', 41, 41, 49, 49),
      ]),
    );
    // Soil scores a little below 0, so the shifted boxes score a little under 49/64.
    expect(withoutNms.map((f) => f.confidence).sort((x, y) => x - y)).toEqual([
      expect.closeTo(49 / 64, 2),
      expect.closeTo(49 / 64, 2),
      expect.closeTo(1, 5),
      expect.closeTo(1, 5),
    ]);

    const withNms = await (await detector(model)).detect(image, {});
    expect(boxes(withNms)).toEqual(boxes([det('plant', 16, 8, 24, 16), det('plant', 40, 40, 48, 48)]));
    // NMS with a looser IoU (0.7 > 0.62) keeps both again.
    expect(await (await detector(model, { nmsIou: 0.7 })).detect(image, {})).toHaveLength(4);
  });

  it('applies the score threshold', async () => {
    const image = paint(64, 64, [[16, 8, 8, GREEN]]);
    const strict = await detector(model, { nmsIou: 1, scoreThreshold: 0.8 });
    expect(boxes(await strict.detect(image, {}))).toEqual(boxes([det('plant', 16, 8, 24, 16)]));
  });

  it('maps class ids by classNames, ignoring ids with no Croft class', async () => {
    const image = paint(64, 64, [
      [16, 8, 8, GREEN],
      [24, 24, 8, RED],
    ]);
    const swapped = await detector(model, { classNames: ['empty_container', 'plant'] });
    expect(boxes(await swapped.detect(image, {}))).toEqual(
      boxes([det('empty_container', 16, 8, 24, 16), det('plant', 24, 24, 32, 32)]),
    );
    const plantsOnly = await detector(model, { classNames: ['plant'] });
    expect(boxes(await plantsOnly.detect(image, {}))).toEqual(boxes([det('plant', 16, 8, 24, 16)]));
  });

  it('runs off nothing global: two detectors on two models at once', async () => {
    const small = buildTestDetectorModel({ size: 32, cell: 4 });
    const [a, b] = await Promise.all([
      detector(model),
      // Cells of 4 px: the shifted box overlaps by IoU 9/23 and scores 9/16, so a stricter threshold drops it.
      detector(small, {
        inputWidth: 32,
        inputHeight: 32,
        classNames: ['empty_container', 'plant'],
        scoreThreshold: 0.6,
      }),
    ]);
    const imageA = paint(64, 64, [[16, 8, 8, GREEN]]);
    // 64×64 → 32×32 halves it: model b's cell (row 3, col 5) of 4 px is the image square (40, 24), 8 px.
    const imageB = paint(64, 64, [[40, 24, 8, GREEN]]);
    const aloneA = boxes(await a.detect(imageA, {}));
    const aloneB = boxes(await b.detect(imageB, {}));
    expect(aloneA).toEqual(boxes([det('plant', 16, 8, 24, 16)]));
    expect(aloneB).toEqual(boxes([det('empty_container', 40, 24, 48, 32)]));

    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a.detect(imageA, {}) : b.detect(imageB, {}))),
    );
    runs.forEach((found, i) => expect(boxes(found)).toEqual(i % 2 === 0 ? aloneA : aloneB));
  });

  it('accepts a symbolic batch dimension', async () => {
    const d = await detector(buildTestDetectorModel({ batch: 'batch' }));
    expect(await d.detect(paint(64, 64, [[0, 0, 8, GREEN]]), {})).toHaveLength(1);
  });

  it('refuses an image whose bytes do not match its size', async () => {
    const d = await detector(model);
    await expect(d.detect({ width: 10, height: 10, data: new Uint8Array(299) }, {})).rejects.toThrow(/needs 300 bytes/);
  });
});

describe('models that are not ONNX, or break the contract', () => {
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

  it.each([
    ['a PNG', png],
    ['text', new TextEncoder().encode('this is not a model')],
    ['empty bytes', new Uint8Array(0)],
    ['a truncated model', () => model.subarray(0, 200)],
    ['a model with garbage after it', () => Uint8Array.from([...model, 0xff, 0xff])],
    ['a protobuf without a graph', Uint8Array.from([0x08, 0x08, 0x12, 0x01, 0x41])],
  ])('%s is not an ONNX model', async (_name, bytesOrFn) => {
    const bytes = typeof bytesOrFn === 'function' ? bytesOrFn() : bytesOrFn;
    expect(looksLikeOnnxModel(bytes)).toBe(false);
    expect(await isOnnxModel(bytes)).toBe(false);
    await expect(OnnxDetector.create(bytes, { inputWidth: 64, inputHeight: 64 })).rejects.toMatchObject({
      code: 'ONNX_MODEL_UNREADABLE',
    });
  });

  it('a protobuf that looks like a model but onnxruntime cannot load is not an ONNX model', async () => {
    // ir_version 8 and a "graph" holding a node whose op does not exist.
    const bad = encodeOnnxModel({
      inputs: [{ name: 'images', elemType: ONNX_FLOAT, shape: [1, 3, 64, 64] }],
      outputs: [{ name: 'detections', elemType: ONNX_FLOAT, shape: [1, 3, 64, 64] }],
      nodes: [{ opType: 'NoSuchOperator', inputs: ['images'], outputs: ['detections'] }],
    });
    expect(looksLikeOnnxModel(bad)).toBe(true);
    expect(await isOnnxModel(bad)).toBe(false);
    const error = await OnnxDetector.create(bad, { inputWidth: 64, inputHeight: 64 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'rule', code: 'ONNX_MODEL_UNREADABLE' });
    expect((error as Error).message).toMatch(/onnxruntime cannot load the model/);
  });

  it('a model whose tensor is stored "outside" it cannot read the server’s files (it does not load)', async () => {
    // Six floats the model says are in a file beside the server (package.json, in the working directory the
    // tests run in); the input takes part (secret + 0 × max(images)), so nothing is folded away.
    const leaky = (external: boolean) =>
      encodeOnnxModel({
        inputs: [{ name: 'images', elemType: ONNX_FLOAT, shape: [1, 3, 64, 64] }],
        outputs: [{ name: 'detections', elemType: ONNX_FLOAT, shape: [1, 6] }],
        initializers: [
          {
            name: 'secret',
            dims: [6],
            data: new Float32Array(6),
            ...(external ? { external: { location: 'package.json', length: 24 } } : {}),
          },
          { name: 'shape', dims: [2], data: BigInt64Array.from([1n, 6n]) },
          { name: 'zero', dims: [], data: Float32Array.from([0]) },
        ],
        nodes: [
          { opType: 'ReduceMax', inputs: ['images'], outputs: ['max'], attributes: { keepdims: 0 } },
          { opType: 'Mul', inputs: ['max', 'zero'], outputs: ['nothing'] },
          { opType: 'Add', inputs: ['secret', 'nothing'], outputs: ['flat'] },
          { opType: 'Reshape', inputs: ['flat', 'shape'], outputs: ['detections'] },
        ],
      });
    // The same graph with its data inside loads: what fails below is the external data alone.
    expect(await isOnnxModel(leaky(false))).toBe(true);
    expect(await isOnnxModel(leaky(true))).toBe(false);
    await expect(OnnxDetector.create(leaky(true), { inputWidth: 64, inputHeight: 64 })).rejects.toMatchObject({
      code: 'ONNX_MODEL_UNREADABLE',
    });
    // The guard itself, without the optimiser (which happens to trip over external data today): plain
    // onnxruntime reads the file and runs; with Croft's session options it finds only an empty folder.
    const ort = await import('onnxruntime-node');
    const plain = await ort.InferenceSession.create(leaky(true), { graphOptimizationLevel: 'disabled' });
    await plain.release();
    await expect(
      ort.InferenceSession.create(leaky(true), { ...sessionOptions(1), graphOptimizationLevel: 'disabled' }),
    ).rejects.toThrow(/External data path/);
  });

  /** A graph passing its input through (Identity), with the given input and output types. */
  const passThrough = (input: ModelSpec['inputs'][number], output = input): ModelSpec => ({
    inputs: [input],
    outputs: [{ ...output, name: 'detections' }],
    nodes: [{ opType: 'Identity', inputs: [input.name], outputs: ['detections'] }],
  });
  const twoInputs: ModelSpec = {
    inputs: [
      { name: 'images', elemType: ONNX_FLOAT, shape: [1, 3, 64, 64] },
      { name: 'depth', elemType: ONNX_FLOAT, shape: [1, 3, 64, 64] },
    ],
    outputs: [{ name: 'detections', elemType: ONNX_FLOAT, shape: [1, 3, 64, 64] }],
    nodes: [{ opType: 'Add', inputs: ['images', 'depth'], outputs: ['detections'] }],
  };
  const twoOutputs: ModelSpec = {
    inputs: [{ name: 'images', elemType: ONNX_FLOAT, shape: [1, 3, 64, 64] }],
    outputs: [
      { name: 'boxes', elemType: ONNX_FLOAT, shape: [1, 3, 64, 64] },
      { name: 'scores', elemType: ONNX_FLOAT, shape: [1, 3, 64, 64] },
    ],
    nodes: [
      { opType: 'Identity', inputs: ['images'], outputs: ['boxes'] },
      { opType: 'Identity', inputs: ['images'], outputs: ['scores'] },
    ],
  };
  const rows = (shape: (number | string)[]) => ({ name: 'images', elemType: ONNX_FLOAT, shape });

  it.each([
    ['one channel', passThrough(rows([1, 1, 64, 64])), /input 'images' has 1 channels in \[1,1,64,64\], expected 3/],
    ['rank 3', passThrough(rows([3, 64, 64])), /input 'images' has shape \[3,64,64\], expected rank 4/],
    ['channels last', passThrough(rows([1, 64, 64, 3])), /input 'images' has 64 channels/],
    ['batch of 4', passThrough(rows([4, 3, 64, 64])), /batch 4 in \[4,3,64,64\], expected 1/],
    [
      'uint8 pixels',
      passThrough({ name: 'images', elemType: ONNX_UINT8, shape: [1, 3, 64, 64] }),
      /input 'images' is uint8, expected float32/,
    ],
    [
      'another size than stated',
      passThrough(rows([1, 3, 32, 32])),
      /is \[1,3,32,32\], but the model was stated as 64×64/,
    ],
    ['two inputs', twoInputs, /it has 2 inputs \(images, depth\), expected one/],
    ['two outputs', twoOutputs, /it has 2 outputs \(boxes, scores\), expected one/],
    [
      'output not [N,6]',
      passThrough(rows([1, 3, 64, 64])),
      /output 'detections' has shape \[1,3,64,64\], expected \[N,6\]/,
    ],
  ])('%s is refused, naming what is wrong', async (_name, spec, message) => {
    const bytes = encodeOnnxModel(spec);
    expect(await isOnnxModel(bytes)).toBe(true);
    const error = await OnnxDetector.create(bytes, { inputWidth: 64, inputHeight: 64 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'rule', code: 'ONNX_MODEL_CONTRACT' });
    expect((error as Error).message).toMatch(/^The model does not follow the detector contract: /);
    expect((error as Error).message).toMatch(message);
  });

  it('an output of rows of 5 is refused', async () => {
    // The image's 12288 values cut to 12285 and laid out as [2457,5].
    const int64 = (...v: bigint[]) => BigInt64Array.from(v);
    const spec: ModelSpec = {
      inputs: [rows([1, 3, 64, 64])],
      outputs: [{ name: 'detections', elemType: ONNX_FLOAT, shape: [2457, 5] }],
      initializers: [
        { name: 'flat', dims: [1], data: int64(-1n) },
        { name: 'starts', dims: [1], data: int64(0n) },
        { name: 'ends', dims: [1], data: int64(12285n) },
        { name: 'axes', dims: [1], data: int64(0n) },
        { name: 'rows_of_5', dims: [2], data: int64(-1n, 5n) },
      ],
      nodes: [
        { opType: 'Reshape', inputs: ['images', 'flat'], outputs: ['flat_images'] },
        { opType: 'Slice', inputs: ['flat_images', 'starts', 'ends', 'axes'], outputs: ['cut'] },
        { opType: 'Reshape', inputs: ['cut', 'rows_of_5'], outputs: ['detections'] },
      ],
    };
    await expect(OnnxDetector.create(encodeOnnxModel(spec), { inputWidth: 64, inputHeight: 64 })).rejects.toThrow(
      /output 'detections' has shape \[2457,5\], expected \[N,6\]/,
    );
  });

  it('refuses a stated size the model does not have', async () => {
    await expect(OnnxDetector.create(model, { inputWidth: 128, inputHeight: 128 })).rejects.toThrow(
      /input 'images' is \[1,3,64,64\], but the model was stated as 128×128/,
    );
    await expect(OnnxDetector.create(model, { inputWidth: 0, inputHeight: 64 })).rejects.toThrow(
      /inputWidth must be a whole number of pixels/,
    );
  });
});

describe('toInputTensor', () => {
  const plane = (data: Float32Array, c: number, w: number, h: number): number[] =>
    Array.from(data.subarray(c * w * h, (c + 1) * w * h));

  it('is the identity (scaled 0–1, planar) at the model size', () => {
    const image: RgbImage = {
      width: 2,
      height: 2,
      data: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 51, 102, 153]),
    };
    const { data, transform } = toInputTensor(image, 2, 2);
    expect(plane(data, 0, 2, 2)).toEqual([1, 0, 0, Math.fround(0.2)]);
    expect(plane(data, 1, 2, 2)).toEqual([0, 1, 0, Math.fround(0.4)]);
    expect(plane(data, 2, 2, 2)).toEqual([0, 0, 1, Math.fround(0.6)]);
    expect(transform).toEqual({ padX: 0, padY: 0, scaleX: 1, scaleY: 1 });
  });

  it('averages the pixels each target pixel covers when shrinking', () => {
    // 4×2 of greys 0, 100, 200, 50 / 20, 40, 60, 80 → 2×1: (0+100+20+40)/4, (200+50+60+80)/4.
    const greys = [0, 100, 200, 50, 20, 40, 60, 80];
    const image: RgbImage = { width: 4, height: 2, data: Uint8Array.from(greys.flatMap((g) => [g, g, g])) };
    const { data } = toInputTensor(image, 2, 1, 'stretch');
    expect(plane(data, 0, 2, 1).map((v) => v * 255)).toEqual([expect.closeTo(40, 4), expect.closeTo(97.5, 4)]);
  });

  it('letterboxes: keeps the aspect ratio, centres, pads with grey and says how to map back', () => {
    const image = paint(40, 20, []);
    const { data, transform } = toInputTensor(image, 8, 8);
    // 40×20 → 8×4, 2 rows of padding above and below.
    expect(transform).toEqual({ padX: 0, padY: 2, scaleX: 5, scaleY: 5 });
    const red = plane(data, 0, 8, 8);
    expect(red.slice(0, 16).every((v) => v === Math.fround(LETTERBOX_PAD))).toBe(true);
    expect(red.slice(16, 48).every((v) => Math.abs(v - 110 / 255) < 1e-5)).toBe(true);
    expect(red.slice(48).every((v) => v === Math.fround(LETTERBOX_PAD))).toBe(true);
  });

  it('keeps a flat colour flat when enlarging (bilinear)', () => {
    const { data } = toInputTensor(paint(3, 5, []), 64, 64, 'stretch');
    expect(plane(data, 1, 64, 64).every((v) => Math.abs(v - 80 / 255) < 1e-5)).toBe(true);
  });
});

describe('decodeDetections and NMS', () => {
  const settings = { classNames: ['plant', 'empty_container'] as const, scoreThreshold: 0.5, nmsIou: 0.5 };
  const identity = { padX: 0, padY: 0, scaleX: 1, scaleY: 1 };

  it('keeps rows at or above the threshold of a mapped class, clipped to the image', () => {
    const data = [
      [1, 1, 5, 5, 0.9, 0], // kept
      [10, 10, 20, 20, 0.5, 1], // kept: at the threshold
      [30, 30, 40, 40, 0.49, 0], // below
      [50, 50, 60, 60, 0.99, 2], // class 2: no Croft class
      [-5, 90, 8, 120, 0.8, 0], // clipped to (0, 90)–(8, 100)
      [120, 0, 130, 10, 0.9, 0], // entirely outside: no area left
      [Number.NaN, 0, 5, 5, 0.9, 0], // not finite
      [70, 70, 60, 60, 0.7, 1], // corners swapped: normalised
    ].flat();
    const found = decodeDetections(Float32Array.from(data), 8, identity, { width: 100, height: 100 }, settings);
    expect(found.map((f) => [f.class, f.box.x1, f.box.y1, f.box.x2, f.box.y2, f.area])).toEqual([
      ['plant', 1, 1, 5, 5, 16],
      ['plant', 0, 90, 8, 100, 80],
      ['empty_container', 60, 60, 70, 70, 100],
      ['empty_container', 10, 10, 20, 20, 100],
    ]);
    expect(found[0]!.confidence).toBeCloseTo(0.9, 6);
  });

  it('maps model pixels back through the letterbox transform', () => {
    // The 40×20 image is model rows 2–6 of an 8×8 input (see the letterbox test above).
    const data = Float32Array.from([2, 3, 6, 5, 0.9, 0]);
    const [found] = decodeDetections(
      data,
      1,
      { padX: 0, padY: 2, scaleX: 5, scaleY: 5 },
      { width: 40, height: 20 },
      settings,
    );
    expect(found!.box).toEqual({ x1: 10, y1: 5, x2: 30, y2: 15 });
  });

  it.each([
    ['disjoint', [0, 0, 10, 10], [20, 20, 30, 30], 0],
    ['same', [0, 0, 10, 10], [0, 0, 10, 10], 1],
    ['half', [0, 0, 10, 10], [5, 0, 15, 10], 50 / 150],
    ['touching edges', [0, 0, 10, 10], [10, 0, 20, 10], 0],
  ])('iou: %s', (_name, a, b, expected) => {
    const box = ([x1, y1, x2, y2]: number[]) => ({ x1: x1!, y1: y1!, x2: x2!, y2: y2! });
    expect(iou(box(a), box(b))).toBeCloseTo(expected, 10);
  });

  it('suppresses per class, best first, keeping overlaps up to the IoU limit', () => {
    const found = nonMaxSuppression(
      [
        det('plant', 0, 0, 10, 10, 0.6),
        det('plant', 1, 1, 11, 11, 0.9), // best; IoU with the first 81/119 ≈ 0.68 → the first goes
        det('empty_container', 0, 0, 10, 10, 0.7), // another class: kept
        det('plant', 5, 0, 15, 10, 0.8), // IoU with the best 54/146 ≈ 0.37: kept
        det('plant', 30, 30, 40, 40, 0.8), // ties keep the input order
      ],
      0.5,
    );
    expect(found.map((f) => [f.class, f.box.x1, f.confidence])).toEqual([
      ['plant', 1, 0.9],
      ['plant', 5, 0.8],
      ['plant', 30, 0.8],
      ['empty_container', 0, 0.7],
    ]);
    expect(nonMaxSuppression([det('plant', 0, 0, 10, 10, 0.9), det('plant', 5, 0, 15, 10, 0.8)], 0.34)).toHaveLength(2);
    expect(nonMaxSuppression([det('plant', 0, 0, 10, 10, 0.9), det('plant', 5, 0, 15, 10, 0.8)], 0.33)).toHaveLength(1);
  });
});

function det(cls: Detection['class'], x1: number, y1: number, x2: number, y2: number, confidence = 1): Detection {
  return {
    class: cls,
    cx: (x1 + x2) / 2,
    cy: (y1 + y2) / 2,
    box: { x1, y1, x2, y2 },
    area: (x2 - x1) * (y2 - y1),
    confidence,
  };
}
