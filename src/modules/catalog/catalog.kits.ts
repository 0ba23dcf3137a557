/**
 * Starter kits (seed/catalog/starter-kits.yaml): their shape, the checks across the catalogue (every
 * species a kit names is a species of the seed; places name earlier places as parents; the plants stand
 * at one of them), and the type rules of the places, checked against the location tree's rules when
 * loading. A kit that fails stops the catalogue's load, like any other seed row.
 */
import { Ajv } from 'ajv';
import { Type, type Static } from 'typebox';
import { parse } from 'yaml';
import type { SeedProblem } from './catalog.engine.js';

export const STARTER_KITS_FILE = 'starter-kits.yaml';

const Key = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,99}$' });
const Texts = Type.Object(
  { en: Type.String({ minLength: 1, maxLength: 400 }) },
  { additionalProperties: Type.String({ minLength: 1, maxLength: 400 }) },
);

export const KitPlace = Type.Object(
  {
    key: Key,
    type: Type.String({ pattern: '^[a-z][a-z_]*$' }),
    names: Texts,
    code: Type.Optional(Type.String({ pattern: '^[A-Z0-9]{1,12}$' })),
    parent: Type.Optional(Key),
    slots: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type KitPlace = Static<typeof KitPlace>;

export const StarterKitRow = Type.Object(
  {
    key: Key,
    names: Texts,
    descriptions: Type.Optional(Texts),
    places: Type.Array(KitPlace, { minItems: 1, maxItems: 20 }),
    plants_at: Key,
    species: Type.Array(Key, { minItems: 1, maxItems: 30 }),
    suggested_plants: Type.Integer({ minimum: 1, maximum: 100 }),
  },
  { additionalProperties: false },
);
export type StarterKitRow = Static<typeof StarterKitRow>;

let validate: ReturnType<Ajv['compile']> | undefined;

/**
 * Parses and checks the kits file against the seed's species keys. Pure but for the YAML parser;
 * returns the kits and every problem (file, kit key, field).
 */
export function checkStarterKits(
  text: string,
  speciesKeys: ReadonlySet<string>,
): { kits: StarterKitRow[]; problems: SeedProblem[] } {
  const file = STARTER_KITS_FILE;
  const problems: SeedProblem[] = [];
  const problem = (key: string, field: string, message: string) => problems.push({ file, key, field, message });
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: true });
  } catch (error) {
    problem('(file)', '(file)', (error as Error).message.split('\n')[0] ?? 'is not valid YAML');
    return { kits: [], problems };
  }
  if (doc === null || doc === undefined) return { kits: [], problems };
  if (!Array.isArray(doc)) {
    problem('(file)', '(file)', 'must be a list of kits');
    return { kits: [], problems };
  }
  validate ??= new Ajv({ allErrors: true, strict: false, coerceTypes: false }).compile(StarterKitRow);
  const kits: StarterKitRow[] = [];
  const keys = new Set<string>();
  doc.forEach((raw: unknown, index) => {
    const key =
      raw && typeof raw === 'object' && typeof (raw as { key?: unknown }).key === 'string'
        ? (raw as { key: string }).key
        : `(row ${index + 1})`;
    if (!validate!(raw)) {
      for (const error of validate!.errors ?? [])
        problem(key, error.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(row)', error.message ?? 'bad');
      return;
    }
    const kit = raw as StarterKitRow;
    if (keys.has(kit.key)) problem(kit.key, 'key', 'is used by another kit');
    keys.add(kit.key);
    kit.species.forEach((species, i) => {
      if (!speciesKeys.has(species))
        problem(kit.key, `species[${i}]`, `"${species}" is not a species of the catalogue`);
    });
    if (new Set(kit.species).size !== kit.species.length) problem(kit.key, 'species', 'names a species twice');
    const seen = new Set<string>();
    kit.places.forEach((place, i) => {
      if (seen.has(place.key)) problem(kit.key, `places[${i}].key`, `"${place.key}" is used by another place`);
      if (place.parent !== undefined && !seen.has(place.parent))
        problem(kit.key, `places[${i}].parent`, `"${place.parent}" is not a place listed before this one`);
      seen.add(place.key);
    });
    if (!seen.has(kit.plants_at)) problem(kit.key, 'plants_at', `"${kit.plants_at}" is not one of the kit's places`);
    kits.push(kit);
  });
  return { kits, problems };
}

/**
 * Places whose type may not stand where the kit puts it: under the site (`site`) or under its parent.
 * `allowed` holds the location tree's rules as `parent>child`.
 */
export function kitPlacementProblems(kits: readonly StarterKitRow[], allowed: ReadonlySet<string>): SeedProblem[] {
  const problems: SeedProblem[] = [];
  for (const kit of kits) {
    const types = new Map(kit.places.map((p) => [p.key, p.type]));
    kit.places.forEach((place, i) => {
      const parentType = place.parent ? types.get(place.parent)! : 'site';
      if (!allowed.has(`${parentType}>${place.type}`))
        problems.push({
          file: STARTER_KITS_FILE,
          key: kit.key,
          field: `places[${i}].type`,
          message: `a ${place.type} may not stand under a ${parentType}`,
        });
      if (place.slots !== undefined && !allowed.has(`${place.type}>slot`))
        problems.push({
          file: STARTER_KITS_FILE,
          key: kit.key,
          field: `places[${i}].slots`,
          message: `a ${place.type} has no slots`,
        });
    });
  }
  return problems;
}
