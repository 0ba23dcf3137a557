import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { inflateSync } from 'node:zlib';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { labelSheetPdf, labelSvg, type LabelData } from './labels.engine.js';

const batch: LabelData = {
  url: 'https://croft.example/s/b/0192f3a4-5b6c-7d8e-9f00-112233445566',
  title: 'LOCB1-PRODECHGRU-20261130-001',
  lines: ['Echinacea ‘Green Jewel’', 'P9 · 9 cm pot', '120 plants', 'Ready 2027-04-15'],
};
const khmer: LabelData = {
  url: 'https://croft.example/farms/kampot/locations/7c1e9a52-2f0b-4d7e-9a4a-0d6f0e3b8c11',
  title: 'ផ្ទះកញ្ចក់ ២ — Greenhouse 2',
  lines: ['ស្វាយ Mango', 'Bench 3'],
};

// ---------------------------------------------------------------------------------------------------------------
// Reading the outputs back

/**
 * A small well-formedness check, enough for what labelSvg writes (no comments, CDATA or processing
 * instructions): every tag well-formed with quoted attributes, tags balanced under one root, and no bare
 * `<` or `&` in text or attribute values. Returns the problems found.
 */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const roots: string[] = [];
  const bareAmpersand = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const tag = /^<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*="[^"<]*")*)\s*(\/?)>$/;
  for (const part of xml.split(/(<[^>]*>)/)) {
    if (!part.startsWith('<')) {
      if (part.includes('<') || part.includes('>') || bareAmpersand.test(part)) problems.push(`text: ${part}`);
      continue;
    }
    const m = tag.exec(part);
    if (!m) {
      problems.push(`tag: ${part}`);
      continue;
    }
    const [, closing, name, attributes, selfClosing] = m;
    if (bareAmpersand.test(attributes!)) problems.push(`attribute: ${part}`);
    if (closing) {
      if (stack.pop() !== name) problems.push(`unbalanced: ${part}`);
    } else {
      if (stack.length === 0) roots.push(name!);
      if (!selfClosing) stack.push(name!);
    }
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(', ')}`);
  if (roots.length !== 1) problems.push(`roots: ${roots.join(', ')}`);
  return problems;
}

const unescapeXml = (text: string) =>
  text.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!,
  );

/** The text of each `<text>` element, unescaped. */
const svgTexts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => unescapeXml(m[1]!));

/** A QR code's modules as rows of booleans, quiet zone included, from QRCode.create. */
function expectedGrid(url: string, quiet = 4): boolean[][] {
  const { modules } = QRCode.create(url, { errorCorrectionLevel: 'M' });
  const n = modules.size + 2 * quiet;
  return Array.from({ length: n }, (_, y) =>
    Array.from({ length: n }, (_, x) => {
      const row = y - quiet;
      const col = x - quiet;
      return row >= 0 && col >= 0 && row < modules.size && col < modules.size && modules.get(row, col) === 1;
    }),
  );
}

/** The QR path's modules back as a grid of `size` (quiet zone included), and how many dark modules it drew. */
function svgQrGrid(svg: string, size: number): { grid: boolean[][]; dark: number } {
  const paths = [...svg.matchAll(/<path d="([^"]*)"/g)];
  expect(paths).toHaveLength(1);
  const d = paths[0]![1]!;
  const grid = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  let dark = 0;
  let consumed = 0;
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)) {
    const [x, y, w, back] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
    expect(back).toBe(w);
    for (let i = 0; i < w; i++) {
      expect(grid[y]![x + i]).toBe(false); // no module drawn twice
      grid[y]![x + i] = true;
    }
    dark += w;
    consumed += m[0].length;
  }
  expect(consumed).toBe(d.length); // nothing in the path but module runs
  return { grid, dark };
}

/** The streams of a PDF, inflated where they are compressed. */
function pdfStreams(pdf: Buffer): string[] {
  const text = pdf.toString('latin1');
  return [...text.matchAll(/<<([^]*?)>>\s*stream\r?\n([^]*?)\r?\nendstream/g)].map(([, dict, body]) =>
    /\/FlateDecode/.test(dict!)
      ? inflateSync(Buffer.from(body!, 'latin1')).toString('latin1')
      : Buffer.from(body!, 'latin1').toString('latin1'),
  );
}

/** The strings a page's content stream shows (each TJ's pieces joined), as Latin-1. */
const pdfShownTexts = (content: string) =>
  [...content.matchAll(/\[([^\]]*)\]\s*TJ/g)].map((m) =>
    [...m[1]!.matchAll(/<([0-9a-f]*)>/g)].map((h) => Buffer.from(h[1]!, 'hex').toString('latin1')).join(''),
  );

/**
 * The QR code a page's content stream draws first, back as a grid with its quiet zone: the first label's
 * rectangles (before its text), placed by the top-left finder pattern's corner and the module size.
 */
function pdfFirstQrGrid(content: string, quiet = 4): boolean[][] {
  const upToText = content.slice(0, content.indexOf('BT'));
  const rects = [...upToText.matchAll(/(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re/g)].map((m) =>
    m.slice(1, 5).map(Number),
  ) as [number, number, number, number][];
  const moduleSize = Math.min(...rects.map((r) => r[3]));
  const left = Math.min(...rects.map((r) => r[0]));
  const top = Math.min(...rects.map((r) => r[1]));
  const cells = rects.map(([x, y, w, h]) => {
    expect(h).toBeCloseTo(moduleSize, 4);
    return { col: Math.round((x - left) / moduleSize), row: Math.round((y - top) / moduleSize), n: w / moduleSize };
  });
  const size = Math.max(...cells.map((c) => c.row)) + 1;
  const grid = Array.from({ length: size + 2 * quiet }, () => Array<boolean>(size + 2 * quiet).fill(false));
  for (const { col, row, n } of cells) {
    expect(n).toBeCloseTo(Math.round(n), 4);
    for (let i = 0; i < Math.round(n); i++) grid[row + quiet]![col + i + quiet] = true;
  }
  return grid;
}

/**
 * A real QR decoder from node_modules: the jsQR-derived one qr-scanner (the web app's scanner) runs in a web
 * worker. Its module builds the worker from a source string; that string is taken here and run in a vm
 * context whose `self` answers like a worker would. No new dependency, and no browser needed.
 */
function loadQrDecoder(): (rgba: Uint8ClampedArray, width: number, height: number) => string | null {
  const file = createRequire(import.meta.url).resolve('qr-scanner/qr-scanner-worker.min.js');
  const module = readFileSync(file, 'utf8').replace(/^export const createWorker=/, 'createWorker=');
  let workerSource = '';
  const outer = vm.createContext({
    Blob: class {
      constructor(readonly parts: string[]) {}
    },
    URL: { createObjectURL: (blob: { parts: string[] }) => blob.parts.join('') },
    Worker: class {
      constructor(source: string) {
        workerSource = source;
      }
    },
  });
  vm.runInContext(module, outer);
  vm.runInContext('createWorker()', outer);
  expect(workerSource).toContain('self.onmessage');

  let answer: { data: string | null } | undefined;
  const self: { onmessage?: (event: unknown) => void; postMessage: (m: { data: string | null }) => void } = {
    postMessage: (message) => (answer = message),
  };
  vm.runInContext(workerSource, vm.createContext({ self }));
  return (rgba, width, height) => {
    answer = undefined;
    self.onmessage!({ data: { id: 1, type: 'decode', data: { data: rgba, width, height } } });
    return answer!.data;
  };
}

/** A grid of modules as an RGBA image, `scale` pixels a module, black on white. */
function rasterise(grid: boolean[][], scale = 4): { rgba: Uint8ClampedArray; width: number; height: number } {
  const width = grid.length * scale;
  const rgba = new Uint8ClampedArray(width * width * 4).fill(255);
  grid.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) {
          const i = ((y * scale + dy) * width + x * scale + dx) * 4;
          rgba[i] = rgba[i + 1] = rgba[i + 2] = 0;
        }
    }),
  );
  return { rgba, width, height: width };
}

// ---------------------------------------------------------------------------------------------------------------

describe('labelSvg', () => {
  it('is a standalone SVG in millimetres, 70 × 37 mm unless said, with the title and the lines', () => {
    const svg = labelSvg(batch);
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="70mm" height="37mm" viewBox="0 0 70 37">/,
    );
    expect(svg).toContain(`<title>${batch.title}</title>`);
    expect(svg).toMatch(/font-family="Helvetica, Arial, [^"]*sans-serif"/);
    const texts = svgTexts(svg);
    // The batch code breaks after a hyphen rather than shrinking to a size nobody can read.
    expect(texts.slice(0, 2)).toEqual(['LOCB1-PRODECHGRU-', '20261130-001']);
    expect(svg).toMatch(/<text [^>]*font-weight="bold"[^>]*>LOCB1-PRODECHGRU-</);
    expect(texts.slice(2)).toEqual(batch.lines);

    const small = labelSvg(batch, { widthMm: 50, heightMm: 25 });
    expect(xmlProblems(small)).toEqual([]);
    expect(small).toContain('width="50mm" height="25mm" viewBox="0 0 50 25"');
  });

  it('escapes markup in the text and drops what XML cannot carry', () => {
    const svg = labelSvg({
      url: 'https://croft.example/s/b/1?a=1&b=<2>',
      title: `Tom & Jerry's <b>"best"</b>\u0001`,
      lines: ['a < b > c & d', 'tab\there\nnewline'],
    });
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toContain('<title>Tom &amp; Jerry&apos;s &lt;b&gt;&quot;best&quot;&lt;/b&gt;</title>');
    expect(svgTexts(svg).join('|')).toContain('a < b > c & d|tab here newline');
    // The title broke at its space.
    expect(svgTexts(svg).slice(0, -2).join(' ')).toBe(`Tom & Jerry's <b>"best"</b>`);
  });

  it('shrinks a long title to fit, cuts long lines with an ellipsis, keeps at most 4 lines', () => {
    const longTitle = 'The long polytunnel behind the old barn by the north gate of the lower field';
    const svg = labelSvg({
      ...batch,
      title: longTitle,
      lines: ['A product name far too long to stand on one line of a small label', '', '2', '3', '4', '5'],
    });
    expect(xmlProblems(svg)).toEqual([]);
    const texts = [...svg.matchAll(/<text x="([\d.]+)"[^>]*font-size="([\d.]+)"[^>]*>([^<]*)</g)];
    const title = texts.filter((t) => t[0].includes('bold')).map((t) => t[3]!);
    expect(title).toHaveLength(2);
    expect(longTitle.startsWith(`${title[0]} `)).toBe(true); // broken between words…
    expect(`${title[0]} ${title[1]!.slice(0, -1)}`).toBe(longTitle.slice(0, title[0]!.length + title[1]!.length));
    expect(title[1]).toMatch(/\S…$/); // …and cut with an ellipsis
    const lines = texts.filter((t) => !t[0].includes('bold')).map((t) => t[3]);
    expect(lines).toEqual([expect.stringMatching(/^A product name .*…$/), '2', '3', '4']);
    // A code with nowhere to break is broken between characters.
    const code = 'LOCB1PRODECHGRU20261130001'.repeat(3);
    const codeLines = svgTexts(labelSvg({ ...batch, title: code })).slice(0, 2);
    expect(codeLines[1]).toMatch(/…$/);
    expect(code.startsWith(codeLines[0]! + codeLines[1]!.slice(0, -1))).toBe(true);

    // Every measured text ends inside the label.
    for (const m of svg.matchAll(/<text x="([\d.]+)"[^>]*textLength="([\d.]+)"/g)) {
      expect(Number(m[1]) + Number(m[2])).toBeLessThanOrEqual(70);
    }
  });

  it('keeps Khmer text as it is', () => {
    const svg = labelSvg(khmer);
    expect(xmlProblems(svg)).toEqual([]);
    expect(svgTexts(svg).join(' ')).toContain('ផ្ទះកញ្ចក់');
    expect(svgTexts(svg)).toContain('ស្វាយ Mango');
  });

  it("draws the QR code's dark modules, no more, with a 4-module quiet zone, and it decodes to the URL", () => {
    const decode = loadQrDecoder();
    const blank = rasterise(expectedGrid('x').map((row) => row.map(() => false)));
    expect(decode(blank.rgba, blank.width, blank.height)).toBeNull(); // the decoder does not just say yes
    for (const label of [batch, khmer, { ...batch, url: 'https://croft.example/s/b/x' }]) {
      const svg = labelSvg(label);
      expect(svg).toMatch(
        /<path d="[^"]*" transform="translate\([\d. ]+\) scale\([\d.]+\)" fill="#000" shape-rendering="crispEdges"\/>/,
      );
      const expected = expectedGrid(label.url);
      const { grid, dark } = svgQrGrid(svg, expected.length);
      const { modules } = QRCode.create(label.url, { errorCorrectionLevel: 'M' });
      expect(dark).toBe(modules.data.reduce((sum, bit) => sum + bit, 0));
      expect(grid).toEqual(expected);
      const { rgba, width, height } = rasterise(grid);
      expect(decode(rgba, width, height)).toBe(label.url);
    }
  });

  it('refuses a link no QR code can carry, and a size out of reason', () => {
    expect(() => labelSvg({ ...batch, url: ' ' })).toThrow(expect.objectContaining({ code: 'LABEL_URL_MISSING' }));
    expect(() => labelSvg({ ...batch, url: `https://x/${'é'.repeat(3000)}` })).toThrow(
      expect.objectContaining({ code: 'LABEL_URL_TOO_LONG' }),
    );
    expect(() => labelSvg(batch, { widthMm: 0 })).toThrow(expect.objectContaining({ code: 'LABEL_SIZE_INVALID' }));
    expect(() => labelSvg(batch, { heightMm: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'LABEL_SIZE_INVALID' }),
    );
  });

  it('lays a label higher than wide out with the code on top', () => {
    const svg = labelSvg(batch, { widthMm: 37, heightMm: 70 });
    expect(xmlProblems(svg)).toEqual([]);
    const firstText = /<text x="([\d.]+)" y="([\d.]+)"/.exec(svg)!;
    expect(Number(firstText[2])).toBeGreaterThan(37);
  });
});

describe('labelSheetPdf', () => {
  const pageCount = (pdf: Buffer) => pdf.toString('latin1').match(/\/Type \/Page\b/g)?.length ?? 0;

  it('puts 24 labels on an A4 page and as many pages as needed, the same bytes every time', async () => {
    const pdf = await labelSheetPdf(Array.from({ length: 25 }, () => batch));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
    expect(pageCount(pdf)).toBe(2);
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
    expect(pageCount(await labelSheetPdf(Array.from({ length: 24 }, () => batch)))).toBe(1);
    expect(pageCount(await labelSheetPdf([batch, batch, batch], { columns: 1, rows: 2 }))).toBe(2);
    expect((await labelSheetPdf(Array.from({ length: 25 }, () => batch))).equals(pdf)).toBe(true);

    // A date only when the caller gives one; else the epoch, which says "not set".
    expect(pdf.toString('latin1')).toContain('(D:19700101000000Z)');
    const dated = await labelSheetPdf([batch], { createdAt: new Date('2026-11-30T08:00:00Z') });
    expect(dated.toString('latin1')).toContain('(D:20261130080000Z)');
  });

  it('carries the same QR code as the SVG, and it decodes to the URL', async () => {
    const [first] = pdfStreams(await labelSheetPdf([batch, khmer]));
    const grid = pdfFirstQrGrid(first!);
    expect(grid).toEqual(expectedGrid(batch.url));
    expect(grid).toEqual(svgQrGrid(labelSvg(batch), grid.length).grid);
    const { rgba, width, height } = rasterise(grid);
    expect(loadQrDecoder()(rgba, width, height)).toBe(batch.url);
    const shown = pdfShownTexts(first!);
    expect(shown.slice(0, 2)).toEqual(['LOCB1-PRODECHGRU-', '20261130-001']);
    expect(shown).toContain('Echinacea \x91Green Jewel\x92'); // curly quotes in WinAnsi's own codes
  });

  it('prints characters outside Latin-1 as ? rather than failing (Helvetica has no Khmer)', async () => {
    const pdf = await labelSheetPdf([khmer, { ...khmer, title: 'ផ្ទះ', lines: ['Cà phê Việt 😀'] }]);
    expect(pageCount(pdf)).toBe(1);
    const shown = pdfShownTexts(pdfStreams(pdf)[0]!).join('|');
    expect(shown).not.toMatch(/[^\x20-\xff]/);
    expect(shown).toContain('Greenhouse 2');
    expect(shown).toContain('? Mango');
    expect(shown).toContain('Cà phê Viet ?'); // ệ keeps its letter, the emoji is one ?
    expect(shown).toMatch(/\?+ \? \x97/); // the Khmer words, the Khmer digit, an em dash (WinAnsi has it)
  });

  it('refuses an empty sheet and a grid out of reason', async () => {
    await expect(labelSheetPdf([])).rejects.toMatchObject({ code: 'NO_LABELS' });
    await expect(labelSheetPdf([batch], { columns: 0 })).rejects.toMatchObject({ code: 'LABEL_SHEET_INVALID' });
    await expect(labelSheetPdf([batch], { rows: 2.5 })).rejects.toMatchObject({ code: 'LABEL_SHEET_INVALID' });
    await expect(labelSheetPdf([{ ...batch, url: '' }])).rejects.toMatchObject({ code: 'LABEL_URL_MISSING' });
  });
});
