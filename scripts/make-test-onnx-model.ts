/**
 * Writes the tiny ONNX detector Croft's tests run (issue #25): nothing can be downloaded and there is no Python
 * `onnx` package here, so the ModelProto is encoded by hand with the minimal protobuf writer below (the field
 * numbers are those of onnx/onnx `onnx/onnx.proto`).
 *
 * The model follows Croft's detector contract (src/modules/photos/counting/ONNX.md): input `images` float32
 * [1,3,H,W], RGB scaled 0–1; output `detections` float32 [N,6], rows x1, y1, x2, y2, score, class in input pixels.
 * It really reads the image: a fixed set of candidate boxes (an initializer) on two grids of `cell`×`cell`
 * squares, the second shifted by one pixel right and down so that it overlaps the first (duplicates for NMS to
 * drop). A 1×1 Conv turns each pixel into two colour scores, greenness G − (R+B)/2 and redness R − (G+B)/2; an
 * AveragePool averages them over each candidate box. Each box gives two rows: class 0 (plant) scored by its mean
 * greenness, class 1 (empty container) by its mean redness. A pure green square filling a cell scores 1.0 there,
 * 49/64 ≈ 0.77 in the shifted box that overlaps it (IoU 49/79 ≈ 0.62), and about 0 or below on grey or brown.
 *
 *   npx tsx scripts/make-test-onnx-model.ts <out.onnx> [--size 64] [--cell 8]
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------------------------
// A minimal protobuf writer: varints, length-delimited fields, fixed32 floats. Enough for ONNX's messages.

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LEN = 2;

function varint(value: number | bigint): number[] {
  // int64 fields: a negative number is sent as its 64-bit two's complement (ten bytes).
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

/** One message under construction: fields appended in order. */
class Message {
  private readonly parts: Uint8Array[] = [];

  private tag(field: number, wire: number): void {
    this.parts.push(Uint8Array.from(varint((field << 3) | wire)));
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.parts.push(Uint8Array.from(varint(value)));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.parts.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.parts.push(Uint8Array.from(varint(value.length)), value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: Message): this {
    return this.bytes(field, value.encode());
  }

  encode(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// ONNX messages (onnx.proto field numbers).

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_UINT8 = 2;
export const ONNX_INT64 = 7;

/** A tensor type for a graph input or output; a string dimension is symbolic (e.g. 'batch'). */
export interface ValueSpec {
  name: string;
  elemType: number;
  shape: (number | string)[];
}

export interface InitializerSpec {
  name: string;
  dims: number[];
  /** FLOAT → Float32Array, INT64 → BigInt64Array. */
  data: Float32Array | BigInt64Array;
  /**
   * Stored outside the model instead (ONNX external data): the bytes of `location` from `offset`, `length`
   * long; `data` then only gives the element type. For the test that a farm's model cannot read the server's
   * files.
   */
  external?: { location: string; offset?: number; length: number };
}

export type AttributeValue = number | number[] | { float: number };

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  /** An integer list (INTS), an integer (INT) or { float } (FLOAT). */
  attributes?: Record<string, AttributeValue>;
}

export interface ModelSpec {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: InitializerSpec[];
  /** Default 13. */
  opset?: number;
  /** Default 8 (ONNX 1.13's IR, read by every onnxruntime since 1.14). */
  irVersion?: number;
  docString?: string;
}

function valueInfo(spec: ValueSpec): Message {
  const shape = new Message();
  for (const dim of spec.shape) {
    shape.message(1, typeof dim === 'number' ? new Message().int(1, dim) : new Message().string(2, dim));
  }
  const tensorType = new Message().int(1, spec.elemType).message(2, shape);
  return new Message().string(1, spec.name).message(2, new Message().message(1, tensorType));
}

function tensor(spec: InitializerSpec): Message {
  const message = new Message();
  for (const dim of spec.dims) message.int(1, dim);
  const elemType = spec.data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64;
  message.int(2, elemType).string(8, spec.name);
  if (spec.external) {
    // external_data (13): key/value entries; data_location (14): EXTERNAL.
    const entry = (key: string, value: string) => new Message().string(1, key).string(2, value);
    message.message(13, entry('location', spec.external.location));
    message.message(13, entry('offset', String(spec.external.offset ?? 0)));
    message.message(13, entry('length', String(spec.external.length)));
    return message.int(14, 1);
  }
  // raw_data is little-endian; the typed arrays are too on every platform Croft runs on (x64, arm64).
  const raw = new Uint8Array(spec.data.buffer, spec.data.byteOffset, spec.data.byteLength);
  return message.bytes(9, raw);
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

function attribute(name: string, value: AttributeValue): Message {
  const message = new Message().string(1, name);
  if (Array.isArray(value)) {
    for (const v of value) message.int(8, v);
    return message.int(20, ATTR_INTS);
  }
  if (typeof value === 'number') return message.int(3, value).int(20, ATTR_INT);
  return message.float(2, value.float).int(20, ATTR_FLOAT);
}

/** Encodes a whole ModelProto (one graph, the default domain's opset). */
export function encodeOnnxModel(spec: ModelSpec): Uint8Array {
  const graph = new Message();
  spec.nodes.forEach((node, i) => {
    const message = new Message();
    for (const input of node.inputs) message.string(1, input);
    for (const output of node.outputs) message.string(2, output);
    message.string(3, `${node.opType.toLowerCase()}_${i}`).string(4, node.opType);
    for (const [name, value] of Object.entries(node.attributes ?? {})) message.message(5, attribute(name, value));
    graph.message(1, message);
  });
  graph.string(2, 'croft_test_detector');
  for (const init of spec.initializers ?? []) graph.message(5, tensor(init));
  for (const input of spec.inputs) graph.message(11, valueInfo(input));
  for (const output of spec.outputs) graph.message(12, valueInfo(output));

  const model = new Message()
    .int(1, spec.irVersion ?? 8)
    .string(2, 'croft scripts/make-test-onnx-model.ts')
    .string(3, '1');
  if (spec.docString) model.string(6, spec.docString);
  return model
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, spec.opset ?? 13))
    .encode();
}

// ---------------------------------------------------------------------------------------------------------------
// The test detector.

export interface TestDetectorOptions {
  /** The model's input side, H = W. Default 64. */
  size?: number;
  /** The side of a candidate box; must divide `size`. Default 8. */
  cell?: number;
  /** The input's batch dimension: 1 (default) or a symbolic name such as 'batch'. */
  batch?: 1 | string;
}

/** A candidate box of the test model, in input pixels. */
export interface TestDetectorBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** 'aligned': on the grid of cells from (0,0); 'shifted': the grid moved one pixel right and down. */
  grid: 'aligned' | 'shifted';
}

/** The candidate boxes, in the order of the model's rows for each class (class 0's rows, then class 1's). */
export function testDetectorBoxes(options: TestDetectorOptions = {}): TestDetectorBox[] {
  const { size, cell } = resolveOptions(options);
  const boxes: TestDetectorBox[] = [];
  const aligned = size / cell;
  for (let i = 0; i < aligned; i++) {
    for (let j = 0; j < aligned; j++) {
      boxes.push({ x1: j * cell, y1: i * cell, x2: (j + 1) * cell, y2: (i + 1) * cell, grid: 'aligned' });
    }
  }
  // AveragePool over the image cropped by one pixel at the top and left: floor((size - 1 - cell) / cell) + 1 boxes.
  const shifted = Math.floor((size - 1 - cell) / cell) + 1;
  for (let i = 0; i < shifted; i++) {
    for (let j = 0; j < shifted; j++) {
      boxes.push({
        x1: j * cell + 1,
        y1: i * cell + 1,
        x2: (j + 1) * cell + 1,
        y2: (i + 1) * cell + 1,
        grid: 'shifted',
      });
    }
  }
  return boxes;
}

function resolveOptions(options: TestDetectorOptions): { size: number; cell: number } {
  const size = options.size ?? 64;
  const cell = options.cell ?? 8;
  if (!Number.isInteger(size) || !Number.isInteger(cell) || cell < 2 || size < 2 * cell || size % cell !== 0) {
    throw new Error(`test detector: size ${size} and cell ${cell} must be integers, cell ≥ 2 dividing size ≥ 2·cell`);
  }
  return { size, cell };
}

/** The bytes of the test detector model (see the file's header). */
export function buildTestDetectorModel(options: TestDetectorOptions = {}): Uint8Array {
  const { size, cell } = resolveOptions(options);
  const boxes = testDetectorBoxes({ size, cell });
  const k = boxes.length;
  const n = 2 * k;

  const boxData = new Float32Array(n * 4);
  const classData = new Float32Array(n);
  for (let cls = 0; cls < 2; cls++) {
    boxes.forEach((b, i) => {
      boxData.set([b.x1, b.y1, b.x2, b.y2], (cls * k + i) * 4);
      classData[cls * k + i] = cls;
    });
  }
  const int64 = (...values: number[]) => BigInt64Array.from(values.map((v) => BigInt(v)));

  return encodeOnnxModel({
    docString: `Croft test detector: ${size}x${size} input, ${k} candidate boxes of ${cell} px, greenness → class 0, redness → class 1`,
    inputs: [{ name: 'images', elemType: ONNX_FLOAT, shape: [options.batch ?? 1, 3, size, size] }],
    outputs: [{ name: 'detections', elemType: ONNX_FLOAT, shape: [n, 6] }],
    initializers: [
      // Output channel 0: G − (R+B)/2; channel 1: R − (G+B)/2.
      { name: 'colour_weights', dims: [2, 3, 1, 1], data: Float32Array.from([-0.5, 1, -0.5, 1, -0.5, -0.5]) },
      { name: 'shift_starts', dims: [2], data: int64(1, 1) },
      { name: 'shift_ends', dims: [2], data: int64(size, size) },
      { name: 'shift_axes', dims: [2], data: int64(2, 3) },
      { name: 'per_class', dims: [2], data: int64(2, -1) },
      { name: 'score_column', dims: [2], data: int64(n, 1) },
      { name: 'boxes', dims: [n, 4], data: boxData },
      { name: 'classes', dims: [n, 1], data: classData },
    ],
    nodes: [
      {
        opType: 'Conv',
        inputs: ['images', 'colour_weights'],
        outputs: ['colour'],
        attributes: { kernel_shape: [1, 1] },
      },
      {
        opType: 'AveragePool',
        inputs: ['colour'],
        outputs: ['aligned_means'],
        attributes: { kernel_shape: [cell, cell], strides: [cell, cell] },
      },
      { opType: 'Slice', inputs: ['colour', 'shift_starts', 'shift_ends', 'shift_axes'], outputs: ['colour_shifted'] },
      {
        opType: 'AveragePool',
        inputs: ['colour_shifted'],
        outputs: ['shifted_means'],
        attributes: { kernel_shape: [cell, cell], strides: [cell, cell] },
      },
      { opType: 'Reshape', inputs: ['aligned_means', 'per_class'], outputs: ['aligned_flat'] },
      { opType: 'Reshape', inputs: ['shifted_means', 'per_class'], outputs: ['shifted_flat'] },
      {
        opType: 'Concat',
        inputs: ['aligned_flat', 'shifted_flat'],
        outputs: ['class_scores'],
        attributes: { axis: 1 },
      },
      { opType: 'Reshape', inputs: ['class_scores', 'score_column'], outputs: ['scores'] },
      { opType: 'Concat', inputs: ['boxes', 'scores', 'classes'], outputs: ['detections'], attributes: { axis: 1 } },
    ],
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const out = args.find((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));
  const flag = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? Number(args[at + 1]) : undefined;
  };
  if (!out) {
    console.error('usage: npx tsx scripts/make-test-onnx-model.ts <out.onnx> [--size 64] [--cell 8]');
    process.exit(2);
  }
  const bytes = buildTestDetectorModel({ size: flag('size'), cell: flag('cell') });
  await writeFile(out, bytes);
  console.log(`wrote ${out} (${bytes.length} bytes)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
