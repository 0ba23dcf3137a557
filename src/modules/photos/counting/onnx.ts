/**
 * The `onnx` detector (issue #25): a farm's own detection model run with onnxruntime-node on the CPU. The
 * contract a model must follow is in ./ONNX.md: one float32 input [1,3,H,W], RGB scaled 0–1; one float32 output
 * [N,6], rows x1, y1, x2, y2, score, class in the input's pixels.
 *
 * onnxruntime-node is imported on first use, so a farm counting with the classical detector never loads it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { DomainError } from '../../../platform/errors.js';
import type { CountHints, Detection, DetectionClass, Detector, RgbImage } from './types.js';

/** How the image is fitted into the model's H×W. */
export type OnnxFit = 'letterbox' | 'stretch';

export interface OnnxDetectorOptions {
  /** The model's W and H, as stated with the model; must match the model's input when it fixes them. */
  inputWidth: number;
  inputHeight: number;
  /**
   * What each class id of the model means, by index: default ['plant', 'empty_container'] (class 0 is a plant,
   * class 1 an empty container). An id with no entry, or null, is ignored.
   */
  classNames?: readonly (DetectionClass | null)[];
  /** Rows scoring below it are dropped. Default 0.5. */
  scoreThreshold?: number;
  /** Of two boxes of the same class overlapping by more than this IoU, the lower-scored one is dropped. Default 0.5. */
  nmsIou?: number;
  /** Default 'letterbox': aspect ratio kept, the rest padded with grey 114/255 (as YOLO models are trained). */
  fit?: OnnxFit;
  /** onnxruntime's intra-op threads. Default 1: counting must not starve the rest of the server. */
  threads?: number;
}

/** The grey the letterbox pads with (YOLO's convention), 0–1. */
export const LETTERBOX_PAD = 114 / 255;
export const DEFAULT_CLASS_NAMES: readonly (DetectionClass | null)[] = ['plant', 'empty_container'];

/** A model that is not ONNX or cannot be loaded. */
const unreadable = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('rule', 'ONNX_MODEL_UNREADABLE', message, details);
/** An ONNX model that does not follow Croft's detector contract. */
const contractBroken = (problem: string, details: Record<string, unknown> = {}) =>
  new DomainError('rule', 'ONNX_MODEL_CONTRACT', `The model does not follow the detector contract: ${problem}`, {
    problem,
    ...details,
  });

type OnnxRuntime = typeof import('onnxruntime-node');
let runtime: Promise<OnnxRuntime> | undefined;
/** The native binding, loaded once per process on first use (it holds no state between sessions). */
function loadRuntime(): Promise<OnnxRuntime> {
  runtime ??= import('onnxruntime-node');
  return runtime;
}

/**
 * A detector running a farm's ONNX model. Each detector owns its session; detectors share nothing, so several
 * can run at once.
 */
export class OnnxDetector implements Detector {
  readonly name = 'onnx';

  private constructor(
    private readonly ort: OnnxRuntime,
    private readonly session: InferenceSession,
    private readonly inputName: string,
    private readonly outputName: string,
    readonly settings: Readonly<Required<Omit<OnnxDetectorOptions, 'threads'>>>,
  ) {}

  /**
   * Loads the model once and checks it against the contract. Throws a DomainError (kind 'rule', so 422 through
   * the API): ONNX_MODEL_UNREADABLE when onnxruntime cannot load the bytes, ONNX_MODEL_CONTRACT naming what does not
   * fit (input count, type, rank, channels, size; output count, type, shape).
   */
  static async create(model: Uint8Array, options: OnnxDetectorOptions): Promise<OnnxDetector> {
    const settings = resolveOptions(options);
    const ort = await loadRuntime();
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, sessionOptions(options.threads ?? 1));
    } catch (error) {
      throw unreadable(`onnxruntime cannot load the model: ${(error as Error).message}`);
    }
    try {
      const { inputName, outputName } = checkContract(session, settings.inputWidth, settings.inputHeight);
      return new OnnxDetector(ort, session, inputName, outputName, settings);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /**
   * Fits the image into the model's input, runs it, keeps the rows at or above the score threshold whose class
   * maps to a Croft class, drops same-class duplicates (NMS) and returns boxes in the image's pixels, best first.
   * The hints are not used: the model sees only the pixels.
   */
  async detect(image: RgbImage, _hints: CountHints = {}): Promise<Detection[]> {
    const { inputWidth, inputHeight, fit } = this.settings;
    const { data, transform } = toInputTensor(image, inputWidth, inputHeight, fit);
    const input = new this.ort.Tensor('float32', data, [1, 3, inputHeight, inputWidth]);
    const outputs = await this.session.run({ [this.inputName]: input });
    const output = outputs[this.outputName] as Tensor | undefined;
    if (!output || output.type !== 'float32') {
      throw contractBroken(`the output is ${output?.type ?? 'missing'}, expected float32 [N,6]`);
    }
    const dims = output.dims;
    const rows = dims.length === 2 ? dims[0] : dims.length === 3 && dims[0] === 1 ? dims[1] : undefined;
    if (rows === undefined || dims[dims.length - 1] !== 6) {
      throw contractBroken(`the output has shape [${dims.join(',')}], expected [N,6]`);
    }
    return decodeDetections(output.data as Float32Array, rows, transform, image, this.settings);
  }

  /** Frees the session's native memory. The detector cannot be used afterwards. */
  async close(): Promise<void> {
    await this.session.release();
  }
}

function resolveOptions(options: OnnxDetectorOptions): Required<Omit<OnnxDetectorOptions, 'threads'>> {
  const { inputWidth, inputHeight } = options;
  for (const [name, value] of [
    ['inputWidth', inputWidth],
    ['inputHeight', inputHeight],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 8192) {
      throw contractBroken(`${name} must be a whole number of pixels from 1 to 8192, got ${value}`);
    }
  }
  const scoreThreshold = options.scoreThreshold ?? 0.5;
  const nmsIou = options.nmsIou ?? 0.5;
  if (!(scoreThreshold >= 0 && scoreThreshold <= 1)) throw new RangeError('scoreThreshold must be within 0–1');
  if (!(nmsIou > 0 && nmsIou <= 1)) throw new RangeError('nmsIou must be within (0, 1]');
  return {
    inputWidth,
    inputHeight,
    classNames: options.classNames ?? DEFAULT_CLASS_NAMES,
    scoreThreshold,
    nmsIou,
    fit: options.fit ?? 'letterbox',
  };
}

/**
 * An empty folder of our own: where onnxruntime looks for a tensor a model says is stored outside it (ONNX
 * external data). Loaded from bytes, it would otherwise read such a file relative to the server's working
 * directory — the data folder with every farm's database and photos — so a farm's model could read the
 * server's files into its output. Here it finds nothing, and the model does not load.
 */
let noExternalData: string | undefined;
function externalDataFolder(): string {
  if (noExternalData === undefined) {
    const made = mkdtempSync(path.join(os.tmpdir(), 'croft-onnx-no-external-data-'));
    // Gone with the process (or the counting process) that made it, not left in /tmp one per run.
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    noExternalData = made;
  }
  return noExternalData;
}

export function sessionOptions(threads: number): InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Errors only: onnxruntime's warnings (unused initializers and the like) are not the farm's concern.
    logSeverityLevel: 3,
    extra: { session: { model_external_initializers_file_folder_path: externalDataFolder() } },
  };
}

/** Checks the session's inputs and outputs against the contract; returns their names. */
function checkContract(
  session: InferenceSession,
  width: number,
  height: number,
): { inputName: string; outputName: string } {
  const inputs = session.inputMetadata;
  if (inputs.length !== 1) {
    throw contractBroken(`it has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}), expected one`);
  }
  const input = inputs[0]!;
  if (!input.isTensor || input.type !== 'float32') {
    throw contractBroken(`input '${input.name}' is ${input.isTensor ? input.type : 'not a tensor'}, expected float32`);
  }
  const shape = input.shape;
  const shown = `[${shape.join(',')}]`;
  if (shape.length !== 4) {
    throw contractBroken(`input '${input.name}' has shape ${shown}, expected rank 4 [1,3,H,W]`);
  }
  const [batch, channels, h, w] = shape;
  if (typeof batch === 'number' && batch !== 1) {
    throw contractBroken(`input '${input.name}' has batch ${batch} in ${shown}, expected 1 (or symbolic)`);
  }
  if (channels !== 3) {
    throw contractBroken(`input '${input.name}' has ${channels} channels in ${shown}, expected 3 (RGB)`);
  }
  if ((typeof h === 'number' && h !== height) || (typeof w === 'number' && w !== width)) {
    throw contractBroken(`input '${input.name}' is ${shown}, but the model was stated as ${width}×${height} (W×H)`, {
      stated: { width, height },
    });
  }

  const outputs = session.outputMetadata;
  if (outputs.length !== 1) {
    throw contractBroken(`it has ${outputs.length} outputs (${outputs.map((o) => o.name).join(', ')}), expected one`);
  }
  const output = outputs[0]!;
  if (!output.isTensor || output.type !== 'float32') {
    throw contractBroken(
      `output '${output.name}' is ${output.isTensor ? output.type : 'not a tensor'}, expected float32`,
    );
  }
  // An empty shape means the model does not state it; detect() checks the real one.
  const out = output.shape;
  const rankOk =
    out.length === 0 || out.length === 2 || (out.length === 3 && (out[0] === 1 || typeof out[0] === 'string'));
  const last = out[out.length - 1];
  if (!rankOk || (out.length > 0 && typeof last === 'number' && last !== 6)) {
    throw contractBroken(`output '${output.name}' has shape [${out.join(',')}], expected [N,6]`);
  }
  return { inputName: input.name, outputName: output.name };
}

// ---------------------------------------------------------------------------------------------------------------
// Pure parts: fitting the image in, reading the rows out. Exported for their tests.

/** How model pixels map back to image pixels: x_image = (x_model − padX) · scaleX. */
export interface InputTransform {
  padX: number;
  padY: number;
  scaleX: number;
  scaleY: number;
}

/**
 * The image as the model's input: planar RGB floats 0–1, [3,H,W]. Letterbox keeps the aspect ratio and centres
 * the image on grey; stretch fills H×W. Downscaling averages the source pixels each target pixel covers (no
 * aliasing on 12-megapixel photos); upscaling is bilinear.
 */
export function toInputTensor(
  image: RgbImage,
  width: number,
  height: number,
  fit: OnnxFit = 'letterbox',
): { data: Float32Array; transform: InputTransform } {
  const { width: w, height: h, data: src } = image;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1 || src.length !== w * h * 3) {
    throw new DomainError('invalid', 'IMAGE_UNREADABLE', `An RGB image of ${w}×${h} needs ${w * h * 3} bytes`, {
      bytes: src.length,
    });
  }
  let innerW = width;
  let innerH = height;
  if (fit === 'letterbox') {
    const scale = Math.min(width / w, height / h);
    innerW = Math.min(width, Math.max(1, Math.round(w * scale)));
    innerH = Math.min(height, Math.max(1, Math.round(h * scale)));
  }
  const padX = Math.floor((width - innerW) / 2);
  const padY = Math.floor((height - innerH) / 2);

  const plane = width * height;
  const out = new Float32Array(3 * plane);
  if (innerW !== width || innerH !== height) out.fill(LETTERBOX_PAD);

  // Separable resampling: rows first (h × innerW × 3), then columns straight into the planes.
  const xs = axisTaps(w, innerW);
  const ys = axisTaps(h, innerH);
  const rows = new Float32Array(h * innerW * 3);
  for (let y = 0; y < h; y++) {
    const srcRow = y * w * 3;
    const dstRow = y * innerW * 3;
    for (let x = 0; x < innerW; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let t = xs.offset[x]!; t < xs.offset[x + 1]!; t++) {
        const at = srcRow + xs.index[t]! * 3;
        const weight = xs.weight[t]!;
        r += src[at]! * weight;
        g += src[at + 1]! * weight;
        b += src[at + 2]! * weight;
      }
      rows[dstRow + x * 3] = r;
      rows[dstRow + x * 3 + 1] = g;
      rows[dstRow + x * 3 + 2] = b;
    }
  }
  for (let y = 0; y < innerH; y++) {
    const dst = (y + padY) * width + padX;
    for (let x = 0; x < innerW; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let t = ys.offset[y]!; t < ys.offset[y + 1]!; t++) {
        const at = ys.index[t]! * innerW * 3 + x * 3;
        const weight = ys.weight[t]!;
        r += rows[at]! * weight;
        g += rows[at + 1]! * weight;
        b += rows[at + 2]! * weight;
      }
      out[dst + x] = r / 255;
      out[plane + dst + x] = g / 255;
      out[2 * plane + dst + x] = b / 255;
    }
  }
  return { data: out, transform: { padX, padY, scaleX: w / innerW, scaleY: h / innerH } };
}

/** For each target index along one axis, the source indices and weights (summing to 1) that make it. */
function axisTaps(src: number, dst: number): { offset: Int32Array; index: Int32Array; weight: Float32Array } {
  const scale = src / dst;
  const offset = new Int32Array(dst + 1);
  const index: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < dst; i++) {
    offset[i] = index.length;
    if (scale > 1) {
      // Area: the source span [i·scale, (i+1)·scale), each pixel weighted by how much of it lies inside.
      const from = i * scale;
      const to = Math.min(src, (i + 1) * scale);
      for (let s = Math.floor(from); s < Math.ceil(to); s++) {
        const cover = Math.min(to, s + 1) - Math.max(from, s);
        if (cover > 1e-9) {
          index.push(s);
          weight.push(cover / scale);
        }
      }
    } else {
      // Bilinear between pixel centres (identity when the sizes are equal).
      const x = Math.min(src - 1, Math.max(0, (i + 0.5) * scale - 0.5));
      const x0 = Math.floor(x);
      const frac = x - x0;
      index.push(x0);
      weight.push(1 - frac);
      if (frac > 0 && x0 + 1 < src) {
        index.push(x0 + 1);
        weight.push(frac);
      }
    }
  }
  offset[dst] = index.length;
  return { offset, index: Int32Array.from(index), weight: Float32Array.from(weight) };
}

export interface DecodeSettings {
  classNames: readonly (DetectionClass | null)[];
  scoreThreshold: number;
  nmsIou: number;
}

/**
 * The model's rows → detections in the image's pixels: rows below the threshold, of an unmapped class, with a
 * non-finite value, or with no area left once clipped to the image (a box in the letterbox padding) are dropped;
 * then NMS per class. Area is the box's (an ONNX box model gives no mask).
 */
export function decodeDetections(
  data: ArrayLike<number>,
  rows: number,
  transform: InputTransform,
  image: { width: number; height: number },
  settings: DecodeSettings,
): Detection[] {
  const found: Detection[] = [];
  for (let i = 0; i < rows; i++) {
    const at = i * 6;
    const score = data[at + 4]!;
    const classId = Math.round(data[at + 5]!);
    const cls = settings.classNames[classId];
    if (!(score >= settings.scoreThreshold) || !cls) continue;
    const coords = [data[at]!, data[at + 1]!, data[at + 2]!, data[at + 3]!];
    if (!coords.every(Number.isFinite)) continue;
    const [mx1, my1, mx2, my2] = coords as [number, number, number, number];
    const clampX = (v: number) => Math.min(image.width, Math.max(0, (v - transform.padX) * transform.scaleX));
    const clampY = (v: number) => Math.min(image.height, Math.max(0, (v - transform.padY) * transform.scaleY));
    const x1 = clampX(Math.min(mx1, mx2));
    const x2 = clampX(Math.max(mx1, mx2));
    const y1 = clampY(Math.min(my1, my2));
    const y2 = clampY(Math.max(my1, my2));
    if (x2 <= x1 || y2 <= y1) continue;
    found.push({
      class: cls,
      cx: (x1 + x2) / 2,
      cy: (y1 + y2) / 2,
      box: { x1, y1, x2, y2 },
      area: (x2 - x1) * (y2 - y1),
      confidence: Math.min(1, score),
    });
  }
  return nonMaxSuppression(found, settings.nmsIou);
}

/** Intersection over union of two boxes. */
export function iou(a: Detection['box'], b: Detection['box']): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

/**
 * Greedy non-maximum suppression within each class: best first, a detection is dropped when it overlaps one
 * already kept of its class by IoU > maxIou. Ties keep the input order, so the result is deterministic.
 */
export function nonMaxSuppression(detections: Detection[], maxIou: number): Detection[] {
  const order = detections.map((d, i) => ({ d, i })).sort((a, b) => b.d.confidence - a.d.confidence || a.i - b.i);
  const kept: Detection[] = [];
  for (const { d } of order) {
    if (kept.some((k) => k.class === d.class && iou(k.box, d.box) > maxIou)) continue;
    kept.push(d);
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------------------------
// Recognising an ONNX file.

/**
 * A cheap look at the bytes: a protobuf ModelProto starts with field 1 (ir_version, a varint: tag 0x08), and its
 * top-level fields parse to the end with a graph (field 7) among them. Reads no more than the top level.
 */
export function looksLikeOnnxModel(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0x08) return false;
  let at = 0;
  let sawGraph = false;
  let first = true;
  const readVarint = (): number | undefined => {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (at >= bytes.length) return undefined;
      const byte = bytes[at++]!;
      if (shift < 53) value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (at < bytes.length) {
    const tag = readVarint();
    if (tag === undefined) return false;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field < 1) return false;
    if (wire === 0) {
      const value = readVarint();
      if (value === undefined) return false;
      // IR versions run 1–11 today; leave room for a few more.
      if (first && (value < 1 || value > 64)) return false;
    } else if (wire === 1) {
      at += 8;
    } else if (wire === 5) {
      at += 4;
    } else if (wire === 2) {
      const length = readVarint();
      if (length === undefined || at + length > bytes.length) return false;
      at += length;
      if (field === 7) sawGraph = true;
    } else {
      return false;
    }
    first = false;
  }
  return at === bytes.length && sawGraph;
}

/**
 * Whether the bytes are an ONNX model onnxruntime can load (the upload's 415 check): the cheap look first, then a
 * session created and released. Says nothing of the detector contract; OnnxDetector.create checks that.
 */
export async function isOnnxModel(bytes: Uint8Array): Promise<boolean> {
  if (!looksLikeOnnxModel(bytes)) return false;
  const ort = await loadRuntime();
  try {
    const session = await ort.InferenceSession.create(bytes, sessionOptions(1));
    await session.release();
    return true;
  } catch {
    return false;
  }
}
