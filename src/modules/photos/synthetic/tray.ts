/**
 * Synthetic tray photos with known counts (issue #25, item 8): no real nursery photos can be downloaded here,
 * so tests and the bench draw their own. A tray of pots in a grid, seen at an angle (a trapezoid, far rows
 * smaller), dark soil between and in the pots, rosette and columnar plants of varying size and green, some
 * empty pots, and a dense band of rows where the plants are big enough to touch and overlap their neighbours.
 * Seeded: the same options give the same JPEG bytes and the same truth.
 */
import sharp from 'sharp';
import { cellGeometry, squareToQuad, type Quad } from '../counting/homography.js';

export interface SyntheticTrayOptions {
  seed: number;
  /** Pixels; defaults 1600 × 1200 (1.9 MP, the size tests use). The bench asks for 4000 × 3000. */
  width?: number;
  height?: number;
  /** Pots down and across (defaults 10 × 12). */
  rows?: number;
  cols?: number;
  /** Share of pots left empty, 0–1 (default 0.1). */
  emptyShare?: number;
  /** Share of the plants that stand apart (detectable); the others stand in a dense band of rows. Default 0.6. */
  detectableShare?: number;
  /** Written into EXIF GPS (IFD3), accuracy as GPSHPositioningError. */
  gps?: { lat: number; lon: number; accuracyM?: number };
  /** EXIF orientation 1, 3, 6 or 8; pixels are stored turned so that the oriented image is the truth's frame. */
  orientation?: 1 | 3 | 6 | 8;
  /** JPEG quality, default 88. */
  quality?: number;
}

export interface TruthItem {
  class: 'plant' | 'empty';
  /** Centre and radius in the displayed (EXIF-oriented) image's pixels. */
  cx: number;
  cy: number;
  r: number;
  row: number;
  col: number;
  /** Plants only. */
  kind?: 'rosette' | 'columnar';
  /** Plants only: false when it stands in the dense band (touches its neighbours). */
  detectable?: boolean;
}

export interface TrayTruth {
  width: number;
  height: number;
  rows: number;
  cols: number;
  plants: number;
  /** Plants outside the dense band. */
  detectable: number;
  empty: number;
  containers: number;
  /** Where the tray lies (displayed image pixels): top-left, top-right, bottom-right, bottom-left. */
  corners: Quad;
  items: TruthItem[];
}

export interface SyntheticTray {
  jpeg: Buffer;
  truth: TrayTruth;
}

/** mulberry32: small, fast, good enough for drawing; the seed fixes every choice. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const f1 = (n: number): string => n.toFixed(1);

function hsl(h: number, s: number, l: number): string {
  return `hsl(${f1(h)},${f1(s)}%,${f1(l)}%)`;
}

/** Draws one tray; see SyntheticTrayOptions for the defaults. */
export async function generateSyntheticTray(options: SyntheticTrayOptions): Promise<SyntheticTray> {
  const width = options.width ?? 1600;
  const height = options.height ?? 1200;
  const rows = options.rows ?? 10;
  const cols = options.cols ?? 12;
  const emptyShare = options.emptyShare ?? 0.1;
  const detectableShare = options.detectableShare ?? 0.6;
  const rnd = seededRandom(options.seed);
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rnd();

  // The tray: a trapezoid, narrower at the top (farther from the camera), a little jitter per seed.
  const mx = width * 0.04;
  const my = height * 0.04;
  const topInset = width * between(0.12, 0.18);
  const corners: Quad = [
    { x: mx + topInset + between(-8, 8), y: my + between(0, 10) },
    { x: width - mx - topInset + between(-8, 8), y: my + between(0, 10) },
    { x: width - mx + between(-6, 0), y: height - my + between(-6, 0) },
    { x: mx + between(0, 6), y: height - my + between(-6, 0) },
  ];
  const homography = squareToQuad(corners);

  // Which rows form the dense band: enough rows to hold (1 - detectableShare) of the containers.
  const denseRows = Math.max(0, Math.min(rows, Math.round((1 - detectableShare) * rows)));
  const denseStart = denseRows === 0 ? rows : Math.floor(rnd() * (rows - denseRows + 1));
  const empties = new Set<number>();
  const emptyCount = Math.round(emptyShare * rows * cols);
  while (empties.size < emptyCount) empties.add(Math.floor(rnd() * rows * cols));

  const parts: string[] = [];
  const scale = Math.sqrt((width * height) / (1600 * 1200));
  parts.push(`<rect width="${width}" height="${height}" fill="rgb(141,136,126)"/>`);
  // Gravel on the bench around the tray.
  for (let i = 0; i < 400; i++) {
    const g = Math.round(between(105, 175));
    parts.push(
      `<circle cx="${f1(between(0, width))}" cy="${f1(between(0, height))}" r="${f1(between(1, 4) * scale)}" fill="rgb(${g},${g - 4},${g - 12})"/>`,
    );
  }
  const poly = corners.map((p) => `${f1(p.x)},${f1(p.y)}`).join(' ');
  parts.push(`<polygon points="${poly}" fill="rgb(30,29,31)"/>`);

  const items: TruthItem[] = [];
  const soilSpecks: string[] = [];
  const pots: string[] = [];
  const plants: string[] = [];
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const { centre, pitchX, pitchY } = cellGeometry(homography, rows, cols, row, col);
      // Dark soil spilt between the pots.
      soilSpecks.push(
        `<ellipse cx="${f1(centre.x)}" cy="${f1(centre.y)}" rx="${f1(pitchX * 0.52)}" ry="${f1(pitchY * 0.52)}" fill="rgb(${Math.round(between(46, 56))},${Math.round(between(36, 42))},30)"/>`,
      );
      const rimX = pitchX * 0.46;
      // Seen at an angle, a round pot is an ellipse no taller than it is wide.
      const rimY = Math.min(pitchY, pitchX * 0.9) * 0.46;
      pots.push(
        `<ellipse cx="${f1(centre.x)}" cy="${f1(centre.y)}" rx="${f1(rimX)}" ry="${f1(rimY)}" fill="rgb(40,40,44)"/>`,
        `<ellipse cx="${f1(centre.x)}" cy="${f1(centre.y)}" rx="${f1(rimX * 0.84)}" ry="${f1(rimY * 0.84)}" fill="rgb(${Math.round(between(64, 78))},${Math.round(between(47, 55))},${Math.round(between(32, 38))})"/>`,
      );
      for (let k = 0; k < 6; k++) {
        const a = between(0, Math.PI * 2);
        const d = Math.sqrt(rnd()) * 0.7;
        const s = Math.round(between(40, 95));
        pots.push(
          `<circle cx="${f1(centre.x + Math.cos(a) * d * rimX)}" cy="${f1(centre.y + Math.sin(a) * d * rimY)}" r="${f1(between(1.5, 4) * scale)}" fill="rgb(${s},${Math.round(s * 0.74)},${Math.round(s * 0.52)})"/>`,
        );
      }
      const pitch = Math.min(pitchX, pitchY);
      if (empties.has(row * cols + col)) {
        items.push({ class: 'empty', cx: centre.x, cy: centre.y, r: Math.min(rimX, rimY), row, col });
        continue;
      }
      const dense = row >= denseStart && row < denseStart + denseRows;
      // Dense: grown past the pot and leaning, so that neighbours overlap (often by a fifth of their width).
      const r = pitch * (dense ? between(0.55, 0.68) : between(0.3, 0.4));
      const lean = dense ? 0.12 : 0.04;
      const cx = centre.x + between(-lean, lean) * pitch;
      const cy = centre.y + between(-lean, lean) * pitch;
      const kind = rnd() < 0.55 ? 'rosette' : 'columnar';
      const hue = between(78, 132);
      const sat = between(35, 62);
      const light = between(26, 40);
      if (kind === 'rosette') {
        const petals = 7 + Math.floor(rnd() * 5);
        const turn = between(0, 360);
        for (let p = 0; p < petals; p++) {
          const angle = turn + (360 * p) / petals + between(-8, 8);
          const len = r * between(0.85, 1);
          plants.push(
            `<ellipse cx="${f1(cx + len * 0.5)}" cy="${f1(cy)}" rx="${f1(len * 0.5)}" ry="${f1(r * between(0.2, 0.26))}" fill="${hsl(hue + between(-4, 4), sat, light + between(-4, 5))}" transform="rotate(${f1(angle)} ${f1(cx)} ${f1(cy)})"/>`,
          );
        }
        plants.push(`<circle cx="${f1(cx)}" cy="${f1(cy)}" r="${f1(r * 0.3)}" fill="${hsl(hue, sat, light + 8)}"/>`);
      } else {
        plants.push(`<circle cx="${f1(cx)}" cy="${f1(cy)}" r="${f1(r * 0.92)}" fill="${hsl(hue, sat, light - 3)}"/>`);
        const tufts = 14 + Math.floor(rnd() * 8);
        for (let t = 0; t < tufts; t++) {
          const a = between(0, Math.PI * 2);
          const d = Math.sqrt(rnd()) * 0.68 * r;
          plants.push(
            `<circle cx="${f1(cx + Math.cos(a) * d)}" cy="${f1(cy + Math.sin(a) * d)}" r="${f1(r * between(0.14, 0.3))}" fill="${hsl(hue + between(-5, 5), sat, light + between(-3, 9))}"/>`,
          );
        }
      }
      items.push({ class: 'plant', cx, cy, r, row, col, kind, detectable: !dense });
    }
  }
  parts.push(...soilSpecks, ...pots, ...plants);
  // Light falls off towards the top of the photo (not a flat studio picture).
  parts.push(
    `<defs><linearGradient id="light" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="black" stop-opacity="0.16"/><stop offset="1" stop-color="white" stop-opacity="0.06"/></linearGradient></defs>`,
    `<rect width="${width}" height="${height}" fill="url(#light)"/>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;

  const orientation = options.orientation ?? 1;
  // Stored pixels turned the other way, so that a viewer applying the EXIF orientation sees the truth's frame.
  const storedTurn = { 1: 0, 3: 180, 6: 270, 8: 90 }[orientation];
  let pipeline = sharp(Buffer.from(svg), { density: 72 });
  if (storedTurn !== 0) pipeline = sharp(await pipeline.png().toBuffer()).rotate(storedTurn);
  pipeline = pipeline.jpeg({ quality: options.quality ?? 88 });
  if (orientation !== 1) pipeline = pipeline.withMetadata({ orientation });
  if (options.gps) pipeline = pipeline.withExifMerge({ IFD3: gpsTags(options.gps) });
  const jpeg = await pipeline.toBuffer();

  const plantCount = items.filter((i) => i.class === 'plant').length;
  return {
    jpeg,
    truth: {
      width,
      height,
      rows,
      cols,
      plants: plantCount,
      detectable: items.filter((i) => i.detectable === true).length,
      empty: items.length - plantCount,
      containers: rows * cols,
      corners,
      items,
    },
  };
}

/** EXIF GPS tags as sharp writes them (rationals as "n/d" strings, degrees minutes seconds). */
function gpsTags(gps: { lat: number; lon: number; accuracyM?: number }): Record<string, string> {
  const dms = (value: number): string => {
    const abs = Math.abs(value);
    const deg = Math.floor(abs);
    const minFloat = (abs - deg) * 60;
    const min = Math.floor(minFloat);
    const sec = Math.round((minFloat - min) * 60 * 10000);
    return `${deg}/1 ${min}/1 ${sec}/10000`;
  };
  const tags: Record<string, string> = {
    GPSLatitudeRef: gps.lat < 0 ? 'S' : 'N',
    GPSLatitude: dms(gps.lat),
    GPSLongitudeRef: gps.lon < 0 ? 'W' : 'E',
    GPSLongitude: dms(gps.lon),
  };
  if (gps.accuracyM !== undefined) tags.GPSHPositioningError = `${Math.round(gps.accuracyM * 100)}/100`;
  return tags;
}
