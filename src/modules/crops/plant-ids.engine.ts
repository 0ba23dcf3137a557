/**
 * Plant labels, the names on the plants' tags: `{LOCATION CODE}_{PREFIX}_{NN}` (crops-corrections.md
 * item 6), unique per farm. Pure.
 */

/** What the plants table accepts as a label. */
export const PLANT_LABEL = /^[A-Z0-9][A-Z0-9_-]{0,79}$/;
/** A run entry's id prefix: 2–5 capitals. */
export const PLANT_PREFIX = /^[A-Z]{2,5}$/;
const CODE = /^[A-Z0-9]{1,12}$/;

export function validPrefix(prefix: string): boolean {
  return PLANT_PREFIX.test(prefix);
}

export function validPlantLabel(label: string): boolean {
  return PLANT_LABEL.test(label);
}

/**
 * The next `count` free labels `${code}_${prefix}_${NN}`: NN counts from 01, zero-padded to at least two
 * digits and going on past 99 (100, 101 …), skipping every label in `taken`. In ascending order; each is
 * the smallest number not yet taken or handed out.
 */
export function nextPlantLabels(input: {
  code: string;
  prefix: string;
  count: number;
  taken: ReadonlySet<string>;
}): string[] {
  const { code, prefix, count, taken } = input;
  if (!CODE.test(code)) throw new RangeError(`Not a location code (1–12 of A–Z, 0–9): "${code}"`);
  if (!validPrefix(prefix)) throw new RangeError(`Not an id prefix (2–5 capitals): "${prefix}"`);
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`Not a plant count: ${count}`);
  const labels: string[] = [];
  for (let n = 1; labels.length < count; n++) {
    const label = `${code}_${prefix}_${String(n).padStart(2, '0')}`;
    if (!taken.has(label)) labels.push(label);
  }
  return labels;
}
