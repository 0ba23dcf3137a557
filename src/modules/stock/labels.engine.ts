/**
 * Printable labels for a nursery's stock (a batch, a storage location): a QR code that opens it, a big
 * title and a few short lines, as one SVG label or as A4 sheets of labels in a PDF. Pure: no database, no
 * clock; the same labels give the same bytes.
 *
 * Both outputs are drawn from one layout and one QR matrix, so a label looks and scans the same on screen
 * and on paper. Text is measured with Helvetica's metrics (the PDF's font, and the one Arial and Liberation
 * Sans copy), so the title can be shrunk to fit without a font engine.
 */
import QRCode from 'qrcode';
import { invalid } from '../../platform/errors.js';

export interface LabelData {
  /** What the QR code opens: a URL (e.g. https://croft.example/s/b/<batch id> or …/locations/<id>). */
  url: string;
  /** Big line: the batch code (LOCB1-PRODECHGRU-20261130-001) or the storage location's name. */
  title: string;
  /** Up to 4 short lines under it: product name, pot code, quantity, ready date … (longer lines are cut with …). */
  lines: string[];
}

export interface LabelSvgOptions {
  /** The label's width, 70 mm unless said. */
  widthMm?: number;
  /** The label's height, 37 mm unless said. */
  heightMm?: number;
}

export interface LabelSheetOptions {
  /** Labels across an A4 page, 3 unless said. */
  columns?: number;
  /** Labels down an A4 page, 8 unless said. */
  rows?: number;
  /**
   * The creation date written in the PDF (the caller's clock: the engine reads none). Without one, the
   * Unix epoch, a date that says "not set", so the same labels give the same bytes.
   */
  createdAt?: Date;
}

export const LABEL_WIDTH_MM = 70;
export const LABEL_HEIGHT_MM = 37;
/** Lines under the title beyond this many are left off. */
export const MAX_LABEL_LINES = 4;
/** White modules around the code, as the QR standard asks: scanners find the code by it. */
export const QR_QUIET_ZONE = 4;

const A4_WIDTH_MM = 210;
const A4_HEIGHT_MM = 297;
const PT_PER_MM = 72 / 25.4;
const MAX_TITLE_LINES = 2;
const ELLIPSIS = '…';

/**
 * Helvetica first, then the fonts that share its metrics (so the sizes measured here hold), then Khmer and
 * a generic fallback for scripts they lack.
 */
const FONT_STACK = "Helvetica, Arial, 'Liberation Sans', Arimo, 'Noto Sans Khmer', 'Noto Sans', sans-serif";

/** Advance widths (per 1000 em) of the printable ASCII characters, 32 to 126, from the fonts' AFM files. */
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
  556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
  722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556,
  556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
  260, 334, 584,
];
const HELVETICA_BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
  556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833,
  722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611,
  556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389,
  280, 389, 584,
];

const graphemeSegmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const graphemes = (text: string): string[] => Array.from(graphemeSegmenter.segment(text), (s) => s.segment);

// ---------------------------------------------------------------------------------------------------------------
// The QR code

/** A QR code's modules: `dark(row, col)` for 0 ≤ row, col < size. */
interface QrMatrix {
  size: number;
  dark(row: number, col: number): boolean;
}

/** A horizontal run of dark modules, in module units from the code's top-left corner (quiet zone excluded). */
interface DarkRun {
  row: number;
  col: number;
  length: number;
}

function qrMatrix(url: string): QrMatrix {
  if (url.trim() === '') throw invalid('A label needs a link for its QR code', {}, 'LABEL_URL_MISSING');
  try {
    const { modules } = QRCode.create(url, { errorCorrectionLevel: 'M' });
    return { size: modules.size, dark: (row, col) => modules.get(row, col) !== 0 };
  } catch (error) {
    if (error instanceof Error && /too big/i.test(error.message)) {
      throw invalid('The label link is too long for a QR code', { length: url.length }, 'LABEL_URL_TOO_LONG');
    }
    throw error;
  }
}

/** The dark modules row by row, neighbours joined: a few hundred rectangles instead of a thousand squares. */
function darkRuns(matrix: QrMatrix): DarkRun[] {
  const runs: DarkRun[] = [];
  for (let row = 0; row < matrix.size; row++) {
    let col = 0;
    while (col < matrix.size) {
      if (!matrix.dark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < matrix.size && matrix.dark(row, col)) col++;
      runs.push({ row, col: start, length: col - start });
    }
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------------------------
// Text: cleaning, measuring, cutting

/**
 * One line of plain text: whitespace (tabs, line breaks) collapsed to single spaces; control characters,
 * which XML 1.0 does not allow, dropped; a lone surrogate made U+FFFD.
 */
function cleanText(text: string): string {
  return (
    text
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
      // eslint-disable-next-line no-control-regex -- these are the characters XML cannot carry
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/**
 * Characters Helvetica can draw in a PDF beyond Latin-1: the standard fonts are WinAnsi-encoded, which is
 * Latin-1 (without its C1 controls) plus these 27, curly quotes, dashes and the ellipsis among them.
 */
const WIN_ANSI_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

const winAnsi = (text: string): boolean =>
  Array.from(text).every((c) => {
    const code = c.codePointAt(0)!;
    return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.has(c);
  });

/**
 * The text as the PDF's standard fonts can draw it. Helvetica covers Latin-1 only (strictly WinAnsi, which
 * adds the 27 above): Khmer, Thai, Cyrillic or an emoji would come out as garbage or nothing (pdfkit does
 * not complain), so each character it lacks is drawn as '?', one per grapheme (a Khmer consonant cluster
 * or a flag is one '?'). A letter whose accent alone is missing keeps its base letter (ễ → e). The SVG
 * keeps the text as it is: a browser has the fonts.
 */
function pdfText(text: string): string {
  return graphemes(text.normalize('NFC'))
    .map((g) => {
      if (winAnsi(g)) return g;
      const base = g.normalize('NFD').replace(/\p{M}/gu, '');
      return base !== '' && winAnsi(base) ? base : '?';
    })
    .join('');
}

/**
 * The text's width in em, and whether every character was in the metrics (else it is an estimate). An
 * accented Latin letter measures as its base letter; a combining mark or zero-width character as nothing;
 * Chinese, Japanese and Korean as 1 em; anything else as a wide-ish 0.7 em.
 */
function measure(text: string, bold: boolean): { em: number; exact: boolean } {
  const widths = bold ? HELVETICA_BOLD : HELVETICA;
  let em = 0;
  let exact = true;
  for (const c of text) {
    const code = c.codePointAt(0)!;
    const base = code < 0x7f ? code : c.normalize('NFD').codePointAt(0)!;
    if (base >= 0x20 && base < 0x7f) em += widths[base - 0x20]! / 1000;
    else if (c === ELLIPSIS) em += 1;
    else if (/[\p{M}\u200B-\u200D\u2060\uFEFF]/u.test(c)) continue;
    else {
      exact = false;
      em += /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(c) ? 1 : 0.7;
    }
  }
  return { em, exact };
}

const widthMm = (text: string, sizeMm: number, bold: boolean): number => measure(text, bold).em * sizeMm;

/** The text cut at a grapheme, with an ellipsis, to fit `maxMm`; as it is if it fits. */
function cutToFit(text: string, sizeMm: number, bold: boolean, maxMm: number): string {
  if (widthMm(text, sizeMm, bold) <= maxMm) return text;
  const parts = graphemes(text);
  for (let n = parts.length - 1; n > 0; n--) {
    const cut = parts.slice(0, n).join('').trimEnd() + ELLIPSIS;
    if (widthMm(cut, sizeMm, bold) <= maxMm) return cut;
  }
  return ELLIPSIS;
}

/**
 * Pieces of the text each ending just after a place a line may break: after a space, a hyphen or dash, an
 * underscore, a slash, or a zero-width space (which Khmer writes between words). A batch code breaks at its
 * hyphens: LOCB1-PRODECHGRU- / 20261130-001.
 */
function breakablePieces(text: string): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const g of graphemes(text)) {
    if (g === ' ' && piece === '' && pieces.length > 0) {
      pieces[pieces.length - 1] += g;
      continue;
    }
    piece += g;
    if (/^[\s\-‐–—_/\u200B]$/u.test(g)) {
      pieces.push(piece);
      piece = '';
    }
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

/** The text in at most `maxLines` lines of `maxMm` at `sizeMm`, broken only where it may; null if it cannot be. */
function wrap(text: string, sizeMm: number, bold: boolean, maxMm: number, maxLines: number): string[] | null {
  const lines: string[] = [];
  let line = '';
  for (const piece of breakablePieces(text)) {
    const longer = line + piece;
    if (widthMm(longer.trimEnd(), sizeMm, bold) <= maxMm) {
      line = longer;
      continue;
    }
    if (line === '' || widthMm(piece.trimEnd(), sizeMm, bold) > maxMm) return null;
    lines.push(line.trimEnd());
    line = piece;
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines.length <= maxLines ? lines : null;
}

/**
 * The text in `maxLines` lines for a title too long to fit at the smallest size: broken where it may, a word
 * wider than a line broken between its graphemes, the last line cut with an ellipsis.
 */
function wrapHard(text: string, sizeMm: number, bold: boolean, maxMm: number, maxLines: number): string[] {
  const fits = (candidate: string) => widthMm(candidate.trimEnd(), sizeMm, bold) <= maxMm;
  const lines: string[] = [];
  let line = '';
  for (const piece of breakablePieces(text)) {
    if (fits(line + piece)) {
      line += piece;
      continue;
    }
    if (line !== '') lines.push(line.trimEnd());
    let rest = graphemes(piece);
    while (!fits(rest.join(''))) {
      let n = 1;
      while (n < rest.length && fits(rest.slice(0, n + 1).join(''))) n++;
      lines.push(rest.slice(0, n).join(''));
      rest = rest.slice(n);
    }
    line = rest.join('');
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  if (lines.length <= maxLines) return lines;
  // What follows the last line kept cannot fit after it (that is why it broke), so the cut always comes.
  const last = cutToFit(lines.slice(maxLines - 1).join(' '), sizeMm, bold, maxMm);
  return [...lines.slice(0, maxLines - 1), last];
}

/**
 * The title as large as it fits in two lines of `maxMm`, from `largest` down to `smallest`; a title too long
 * even then is broken anywhere and cut (see `wrapHard`).
 */
function fitTitle(title: string, maxMm: number, largest: number, smallest: number): { lines: string[]; size: number } {
  if (title === '') return { lines: [], size: smallest };
  for (let size = largest; size >= smallest; size *= 0.96) {
    const lines = wrap(title, size, true, maxMm, MAX_TITLE_LINES);
    if (lines) return { lines, size };
  }
  return { lines: wrapHard(title, smallest, true, maxMm, MAX_TITLE_LINES), size: smallest };
}

// ---------------------------------------------------------------------------------------------------------------
// Layout, in millimetres from the label's top-left corner

interface TextRun {
  text: string;
  x: number;
  /** Where the text sits (its alphabetic baseline). */
  baseline: number;
  size: number;
  bold: boolean;
  /** Its measured width; `exact` when every character was in the metrics. */
  width: number;
  exact: boolean;
}

interface LabelLayout {
  /** The QR code's top-left corner (quiet zone included) and one module's size. */
  qr: { x: number; y: number; module: number };
  texts: TextRun[];
}

/**
 * Where everything goes on a label of `width` × `height`. A label wider than high has the QR code on the left,
 * as high as the label (its quiet zone keeps the dark modules off the edge), and the text beside it; a
 * narrower one has the code on top and the text under it. The title is bold, in at most two lines broken at
 * a hyphen or space, as large as fits; each line under it is cut with an ellipsis where it would run over.
 * Lines that do not fit in the height are left off. `shown` makes the text what the output can draw.
 */
function layOut(
  label: LabelData,
  qrSize: number,
  width: number,
  height: number,
  shown: (text: string) => string,
): LabelLayout {
  const base = Math.min(width, height);
  const pad = 0.05 * base;
  const across = width >= height;
  const qrSide = across ? Math.min(height, width / 2) : Math.min(width, height * 0.55);
  const qr = across
    ? { x: 0, y: (height - qrSide) / 2, module: qrSide / (qrSize + 2 * QR_QUIET_ZONE) }
    : { x: (width - qrSide) / 2, y: 0, module: qrSide / (qrSize + 2 * QR_QUIET_ZONE) };
  const box = across
    ? { x: qrSide, y: pad, width: width - qrSide - pad, height: height - 2 * pad }
    : { x: pad, y: qrSide, width: width - 2 * pad, height: height - qrSide - pad };

  const lineSize = 0.07 * base;
  const lineStep = 1.25 * lineSize;
  const titleStep = 1.15;
  const title = fitTitle(shown(cleanText(label.title)), box.width, 0.12 * base, lineSize);
  const titleLines = title.lines;
  const titleSize = title.size;

  const titleHeight = titleLines.length * titleStep * titleSize;
  const gap = titleLines.length > 0 ? 0.5 * lineSize : 0;
  let lines = label.lines
    .map((line) => shown(cleanText(line)))
    .filter((line) => line !== '')
    .slice(0, MAX_LABEL_LINES)
    .map((line) => cutToFit(line, lineSize, false, box.width));
  while (lines.length > 0 && titleHeight + gap + lines.length * lineStep > box.height) lines = lines.slice(0, -1);
  const used = titleHeight + (lines.length > 0 ? gap + lines.length * lineStep : 0);

  // Each line sits in a slot a little taller than the type; its baseline leaves room below for descenders.
  const baselineIn = (slot: number, size: number) => (slot - size) / 2 + 0.78 * size;
  const run = (text: string, top: number, slot: number, size: number, bold: boolean): TextRun => {
    const { em, exact } = measure(text, bold);
    return { text, x: box.x, baseline: top + baselineIn(slot, size), size, bold, width: em * size, exact };
  };
  const top = box.y + Math.max(0, (box.height - used) / 2);
  const texts = [
    ...titleLines.map((text, i) => run(text, top + i * titleStep * titleSize, titleStep * titleSize, titleSize, true)),
    ...lines.map((text, i) => run(text, top + titleHeight + gap + i * lineStep, lineStep, lineSize, false)),
  ];
  return { qr, texts };
}

// ---------------------------------------------------------------------------------------------------------------
// SVG

const escapeXml = (text: string): string =>
  text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** A number for SVG: at most three decimals (a micrometre), no exponent. */
const num = (value: number): string => String(Math.round(value * 1000) / 1000 || 0);

function checkSize(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 10 || value > 1000) {
    throw invalid(`A label's ${what} must be between 10 and 1000 mm`, { [what]: value }, 'LABEL_SIZE_INVALID');
  }
  return value;
}

/**
 * One label as a standalone SVG document, sized in millimetres (70 × 37 mm unless said): the QR code as one
 * path of its dark modules (crisp edges, a 4-module quiet zone), the title in bold shrunk to fit, the lines
 * under it. The text keeps every script (Khmer included) and is XML-escaped. Throws `LABEL_URL_MISSING` or
 * `LABEL_URL_TOO_LONG` for a link a QR code cannot carry, `LABEL_SIZE_INVALID` for a size outside 10–1000 mm.
 */
export function labelSvg(label: LabelData, options: LabelSvgOptions = {}): string {
  const width = checkSize(options.widthMm ?? LABEL_WIDTH_MM, 'widthMm');
  const height = checkSize(options.heightMm ?? LABEL_HEIGHT_MM, 'heightMm');
  const matrix = qrMatrix(label.url);
  const { qr, texts } = layOut(label, matrix.size, width, height, (text) => text);

  // Module units inside the path, scaled once: whole numbers, and each dark run a rectangle.
  const path = darkRuns(matrix)
    .map((r) => `M${r.col + QR_QUIET_ZONE} ${r.row + QR_QUIET_ZONE}h${r.length}v1h-${r.length}z`)
    .join('');
  const textElements = texts.map((t) => {
    // Where the metrics are known, textLength holds the text to its measured width even when the viewer
    // falls back to a wider font; an estimated width (other scripts) is left to the font.
    const fit = t.exact ? ` textLength="${num(t.width)}" lengthAdjust="spacingAndGlyphs"` : '';
    const weight = t.bold ? ' font-weight="bold"' : '';
    return `<text x="${num(t.x)}" y="${num(t.baseline)}" font-size="${num(t.size)}"${weight}${fit}>${escapeXml(t.text)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}mm" height="${num(height)}mm" viewBox="0 0 ${num(width)} ${num(height)}">`,
    `<title>${escapeXml(cleanText(label.title))}</title>`,
    `<rect width="${num(width)}" height="${num(height)}" fill="#fff"/>`,
    `<path d="${path}" transform="translate(${num(qr.x)} ${num(qr.y)}) scale(${num(qr.module)})" fill="#000" shape-rendering="crispEdges"/>`,
    `<g font-family="${FONT_STACK}" fill="#000">${textElements.join('')}</g>`,
    '</svg>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// PDF

function checkCount(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 20) {
    throw invalid(`A sheet's ${what} must be a whole number from 1 to 20`, { [what]: value }, 'LABEL_SHEET_INVALID');
  }
  return value;
}

/**
 * Labels on A4 portrait sheets, as many pages as they need, in reading order: 3 × 8 labels of 70 × 37 mm
 * unless said (the common 24-up sheet). Each label is the page width shared by the columns and the page
 * height shared by the rows rounded down to whole millimetres (297 / 8 → 37 mm), the grid centred on the
 * page. Same layout and QR matrix as `labelSvg`; text in Helvetica, where characters outside Latin-1
 * (WinAnsi) print as '?' (see `pdfText`). The same labels and options give the same bytes. Throws
 * `NO_LABELS` for none, `LABEL_SHEET_INVALID` for columns or rows outside 1–20, and what `labelSvg` throws
 * for a label's link.
 */
export async function labelSheetPdf(labels: LabelData[], options: LabelSheetOptions = {}): Promise<Buffer> {
  const columns = checkCount(options.columns ?? 3, 'columns');
  const rows = checkCount(options.rows ?? 8, 'rows');
  if (labels.length === 0) throw invalid('There are no labels to print', {}, 'NO_LABELS');
  const cellWidth = A4_WIDTH_MM / columns;
  const cellHeight = Math.floor(A4_HEIGHT_MM / rows);
  const left = (A4_WIDTH_MM - columns * cellWidth) / 2;
  const top = (A4_HEIGHT_MM - rows * cellHeight) / 2;
  const perPage = columns * rows;

  // Everything that can fail fails before the document is begun.
  const drawn = labels.map((label) => {
    const matrix = qrMatrix(label.url);
    return { runs: darkRuns(matrix), layout: layOut(label, matrix.size, cellWidth, cellHeight, pdfText) };
  });

  // Loaded here, not with the module: only printing needs it, and the server starts faster without.
  const { default: PDFDocument } = await import('pdfkit');
  // pdfkit derives the file's ID from the info, creation date included, and would take the clock's time: a
  // date given keeps the file the same from run to run.
  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    autoFirstPage: false,
    info: { Title: 'Croft labels', Creator: 'Croft', CreationDate: options.createdAt ?? new Date(0) },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const pt = (mm: number) => mm * PT_PER_MM;
  drawn.forEach(({ runs, layout }, i) => {
    const slot = i % perPage;
    if (slot === 0) doc.addPage({ size: 'A4', margin: 0 });
    const x0 = left + (slot % columns) * cellWidth;
    const y0 = top + Math.floor(slot / columns) * cellHeight;
    const { qr, texts } = layout;
    const m = qr.module;
    for (const r of runs) {
      const x = x0 + qr.x + (r.col + QR_QUIET_ZONE) * m;
      const y = y0 + qr.y + (r.row + QR_QUIET_ZONE) * m;
      doc.rect(pt(x), pt(y), pt(r.length * m), pt(m));
    }
    doc.fillColor('#000').fill();
    for (const t of texts) {
      doc
        .font(t.bold ? 'Helvetica-Bold' : 'Helvetica')
        .fontSize(pt(t.size))
        .text(t.text, pt(x0 + t.x), pt(y0 + t.baseline), { lineBreak: false, baseline: 'alphabetic' });
    }
  });
  doc.end();
  return done;
}
