/**
 * The perspective map between a tray's unit square (u across the columns, v down the rows, both 0–1) and the
 * four corners where the tray lies on the image. Used by the synthetic generator to draw trays seen at an
 * angle and by the classical detector to find the grid's cells. Pure arithmetic.
 */

export interface Point {
  x: number;
  y: number;
}

/** Corners in image pixels: top-left, top-right, bottom-right, bottom-left (u,v = 0,0 / 1,0 / 1,1 / 0,1). */
export type Quad = readonly [Point, Point, Point, Point];

/** A 3×3 projective matrix, row-major; maps (u, v, 1) to image (x·w, y·w, w). */
export type Homography = readonly [number, number, number, number, number, number, number, number, number];

/** The square-to-quadrilateral map (Heckbert's closed form). */
export function squareToQuad(quad: Quad): Homography {
  const [p0, p1, p2, p3] = quad;
  const dx1 = p1.x - p2.x;
  const dx2 = p3.x - p2.x;
  const dx3 = p0.x - p1.x + p2.x - p3.x;
  const dy1 = p1.y - p2.y;
  const dy2 = p3.y - p2.y;
  const dy3 = p0.y - p1.y + p2.y - p3.y;
  let g = 0;
  let h = 0;
  if (Math.abs(dx3) > 1e-9 || Math.abs(dy3) > 1e-9) {
    const den = dx1 * dy2 - dx2 * dy1;
    g = (dx3 * dy2 - dx2 * dy3) / den;
    h = (dx1 * dy3 - dx3 * dy1) / den;
  }
  return [
    p1.x - p0.x + g * p1.x,
    p3.x - p0.x + h * p3.x,
    p0.x,
    p1.y - p0.y + g * p1.y,
    p3.y - p0.y + h * p3.y,
    p0.y,
    g,
    h,
    1,
  ];
}

/** Applies a homography to a point. */
export function project(m: Homography, u: number, v: number): Point {
  const w = m[6] * u + m[7] * v + m[8];
  return { x: (m[0] * u + m[1] * v + m[2]) / w, y: (m[3] * u + m[4] * v + m[5]) / w };
}

/** The inverse map (image → unit square). */
export function invert(m: Homography): Homography {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

/** The centre and local pitch (pixels between neighbouring cells, across and down) of a grid cell. */
export function cellGeometry(
  m: Homography,
  rows: number,
  cols: number,
  row: number,
  col: number,
): { centre: Point; pitchX: number; pitchY: number } {
  const u = (col + 0.5) / cols;
  const v = (row + 0.5) / rows;
  const centre = project(m, u, v);
  const left = project(m, col / cols, v);
  const right = project(m, (col + 1) / cols, v);
  const top = project(m, u, row / rows);
  const bottom = project(m, u, (row + 1) / rows);
  return {
    centre,
    pitchX: Math.hypot(right.x - left.x, right.y - left.y),
    pitchY: Math.hypot(bottom.x - top.x, bottom.y - top.y),
  };
}
