/**
 * A farm's slug from its name: lower-case ASCII letters, digits and dashes, at most 63 characters,
 * never shaped like a UUID. Names with no Latin letters (ស្រែ​ខ្ញុំ) fall back to "farm".
 */
export function slugFrom(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
  return base === '' || looksLikeUuid(base) ? 'farm' : base;
}

export const SLUG_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$';

export function looksLikeUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(value);
}

/** The n-th alternative when a slug is taken: `name`, `name-2`, `name-3` … */
export function slugCandidate(base: string, n: number): string {
  if (n <= 1) return base;
  const suffix = `-${n}`;
  return `${base.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}
