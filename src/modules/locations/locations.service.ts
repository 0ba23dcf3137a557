import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, invalid, notFound, ruleViolation } from '../../platform/errors.js';
import { recordAudit } from '../audit/index.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import {
  frostProblem,
  geometryProblem,
  importOrder,
  levelsAt,
  LOCATION_LIMITS,
  placementProblem,
  positionCount,
  type FrostDates,
  type GeoJsonGeometry,
  type TypeRules,
} from './locations.engine.js';
import { locationsRepository, type LocationRow } from './locations.repository.js';
import type { ImportedFeature, LocationPatch, NewLocation } from './locations.schemas.js';

/** Within this distance (metres) hand-drawn polygons count as touching. */
export const ADJACENT_WITHIN_M = 0.5;

const newQrCode = () =>
  `L${randomBytes(6)
    .toString('base64url')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, 'X')}`;

interface Deps {
  db: Database;
  clock: Clock;
  config: Config;
}

/** The farm's location tree: places, their geometry, adjacency, GPS lookup, QR labels, import and export. */
export class LocationsService {
  #rules: Promise<Awaited<ReturnType<typeof locationsRepository.typeRules>>> | undefined;

  constructor(private readonly deps: Deps) {}

  /** The type rules (data in the database, read once per process). */
  typeRules(): ReturnType<typeof locationsRepository.typeRules> {
    this.#rules ??= this.deps.db.system((tx) => locationsRepository.typeRules(tx));
    return this.#rules;
  }

  async #checkPlacement(
    rules: TypeRules & { types: { type: string }[] },
    parentType: string | null,
    type: string,
    field = 'body.type',
  ): Promise<void> {
    if (!rules.types.some((t) => t.type === type)) {
      throw invalid(`"${type}" is not a location type`, {
        fields: [{ field, message: 'is not a known location type' }],
      });
    }
    const problem = placementProblem(rules, parentType, type);
    if (problem) throw ruleViolation('TYPE_NOT_ALLOWED', `Not allowed: ${problem}`, { type, parent_type: parentType });
  }

  async #checkGeometry(
    tx: Tx,
    geometry: GeoJsonGeometry | null | undefined,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    if (!geometry) return;
    const positions = positionCount(geometry);
    if (positions > LOCATION_LIMITS.positions) {
      throw invalid(
        `The geometry has ${positions} positions: at most ${LOCATION_LIMITS.positions} are allowed in one place`,
        { ...details, limit: LOCATION_LIMITS.positions, positions },
        'GEOMETRY_TOO_LARGE',
      );
    }
    const problem = geometryProblem(geometry) ?? (await locationsRepository.geometryProblem(tx, geometry));
    if (problem)
      throw ruleViolation('GEOMETRY_INVALID', `The geometry is not valid: ${problem}`, { ...details, reason: problem });
  }

  /** Refuses a place under `parent` (null: a root), with `below` levels under it, deeper than the tree may go. */
  #checkLevels(parent: LocationRow | null, below = 0): void {
    const levels = levelsAt(parent?.path ?? null, below);
    if (levels > LOCATION_LIMITS.levels) {
      throw ruleViolation(
        'TREE_TOO_DEEP',
        `The tree may have at most ${LOCATION_LIMITS.levels} levels: this would make ${levels}`,
        { limit: LOCATION_LIMITS.levels, levels },
      );
    }
  }

  /** Refuses frost dates on anything but a site, and a safe date outside the season (400 naming the field). */
  #checkFrost(type: string, dates: FrostDates, where = 'body'): void {
    const problem = frostProblem(type, dates);
    if (problem)
      throw invalid(`${problem.field} ${problem.message}`, {
        fields: [{ field: `${where}.${problem.field}`, message: problem.message }],
      });
  }

  async #parent(tx: Tx, farmId: string, parentId: string | null | undefined): Promise<LocationRow | null> {
    if (!parentId) return null;
    const parent = await locationsRepository.find(tx, farmId, parentId);
    if (!parent) throw notFound('Parent location', { parent_id: parentId });
    return parent;
  }

  async #insert(tx: Tx, ctx: FarmContext, input: NewLocation, parent: LocationRow | null): Promise<LocationRow> {
    const now = this.deps.clock.now();
    return locationsRepository.insert(
      tx,
      {
        farm_id: ctx.farmId,
        parent_id: parent?.id ?? null,
        path: parent ? [...parent.path, parent.id] : [],
        name: input.name.trim(),
        type: input.type,
        code: input.code ?? null,
        qr_code: input.qr_code ?? newQrCode(),
        capacity: input.capacity ?? null,
        status: input.status ?? 'active',
        properties: input.properties ?? {},
        last_frost: input.last_frost ?? null,
        first_frost: input.first_frost ?? null,
        frost_safe: input.frost_safe ?? null,
        created_at: now,
        updated_at: now,
      },
      input.geometry ?? null,
    );
  }

  async create(ctx: FarmContext, input: NewLocation, meta: RequestMeta): Promise<LocationRow> {
    const rules = await this.typeRules();
    return this.deps.db.farm(ctx.farmId, (tx) => this.#create(tx, ctx, rules, input, meta));
  }

  /**
   * Creates a location inside the caller's own farm transaction (another module's work that makes
   * places with its own rows, all or none): the same checks and audit entry as {@link create}.
   */
  async createIn(tx: Tx, ctx: FarmContext, input: NewLocation, meta: RequestMeta): Promise<LocationRow> {
    // Read in the caller's transaction when not cached yet: PGlite runs one transaction at a time.
    const rules = this.#rules ? await this.#rules : await locationsRepository.typeRules(tx);
    return this.#create(tx, ctx, rules, input, meta);
  }

  async #create(
    tx: Tx,
    ctx: FarmContext,
    rules: Awaited<ReturnType<LocationsService['typeRules']>>,
    input: NewLocation,
    meta: RequestMeta,
  ): Promise<LocationRow> {
    const parent = await this.#parent(tx, ctx.farmId, input.parent_id);
    await this.#checkPlacement(rules, parent?.type ?? null, input.type);
    this.#checkFrost(input.type, {
      last_frost: input.last_frost ?? null,
      first_frost: input.first_frost ?? null,
      frost_safe: input.frost_safe ?? null,
    });
    this.#checkLevels(parent);
    await this.#checkGeometry(tx, input.geometry);
    const row = await this.#insert(tx, ctx, input, parent);
    await recordAudit(tx, this.deps.clock, {
      farmId: ctx.farmId,
      caller: ctx.caller,
      meta,
      eventType: 'location.created',
      category: 'locations',
      message: `${row.type} "${row.name}" created`,
      data: { location_id: row.id },
    });
    return row;
  }

  async get(ctx: FarmContext, id: string): Promise<LocationRow> {
    const row = await this.deps.db.farm(ctx.farmId, (tx) => locationsRepository.find(tx, ctx.farmId, id));
    if (!row) throw notFound('Location', { id });
    return row;
  }

  async byQr(ctx: FarmContext, qr: string): Promise<LocationRow> {
    const row = await this.deps.db.farm(ctx.farmId, (tx) => locationsRepository.findByQr(tx, ctx.farmId, qr));
    if (!row) throw notFound('Location', { qr_code: qr });
    return row;
  }

  /** Renames, re-shapes, retires or moves (with its whole subtree) a location. */
  async update(ctx: FarmContext, id: string, patch: LocationPatch, meta: RequestMeta): Promise<LocationRow> {
    const rules = await this.typeRules();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await locationsRepository.find(tx, ctx.farmId, id);
      if (!current) throw notFound('Location', { id });
      this.#checkFrost(current.type, {
        last_frost: patch.last_frost !== undefined ? patch.last_frost : current.last_frost,
        first_frost: patch.first_frost !== undefined ? patch.first_frost : current.first_frost,
        frost_safe: patch.frost_safe !== undefined ? patch.frost_safe : current.frost_safe,
      });
      await this.#checkGeometry(tx, patch.geometry);
      const now = this.deps.clock.now();
      if (patch.parent_id !== undefined && patch.parent_id !== current.parent_id) {
        const parent = await this.#parent(tx, ctx.farmId, patch.parent_id);
        if (parent && (parent.id === id || parent.path.includes(id))) {
          throw ruleViolation(
            'LOCATION_CYCLE',
            'A location cannot move under itself or under one of its own descendants',
            { parent_id: parent.id },
          );
        }
        await this.#checkPlacement(rules, parent?.type ?? null, current.type);
        this.#checkLevels(parent, await locationsRepository.levelsUnder(tx, ctx.farmId, current));
        await locationsRepository.move(
          tx,
          ctx.farmId,
          id,
          parent?.id ?? null,
          parent ? [...parent.path, parent.id] : [],
          current.path,
          now,
        );
      }
      const updated = await locationsRepository.update(
        tx,
        ctx.farmId,
        id,
        {
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.code !== undefined ? { code: patch.code } : {}),
          ...(patch.qr_code !== undefined ? { qr_code: patch.qr_code } : {}),
          ...(patch.capacity !== undefined ? { capacity: patch.capacity } : {}),
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          ...(patch.properties !== undefined ? { properties: patch.properties } : {}),
          ...(patch.last_frost !== undefined ? { last_frost: patch.last_frost } : {}),
          ...(patch.first_frost !== undefined ? { first_frost: patch.first_frost } : {}),
          ...(patch.frost_safe !== undefined ? { frost_safe: patch.frost_safe } : {}),
          updated_at: now,
        },
        patch.geometry,
      );
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'location.updated',
        category: 'locations',
        message: `${updated.type} "${updated.name}" changed`,
        data: { location_id: id, changed: Object.keys(patch) },
      });
      return updated;
    });
  }

  /** Deletes a location nothing lives in: no child locations and nothing of another module attached. */
  async remove(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await locationsRepository.find(tx, ctx.farmId, id);
      if (!current) throw notFound('Location', { id });
      if (await locationsRepository.hasChildren(tx, ctx.farmId, id)) {
        throw conflict('LOCATION_NOT_EMPTY', 'This location has locations under it: move or delete them first', { id });
      }
      // Other modules' rows restrict the delete through their foreign keys (answered 409 IN_USE).
      await locationsRepository.remove(tx, ctx.farmId, id);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'location.deleted',
        category: 'locations',
        severity: 'warning',
        message: `${current.type} "${current.name}" deleted`,
        data: { location_id: id },
      });
    });
  }

  list(ctx: FarmContext, filter: Parameters<typeof locationsRepository.list>[2]): Promise<LocationRow[]> {
    return this.deps.db.farm(ctx.farmId, (tx) => locationsRepository.list(tx, ctx.farmId, filter));
  }

  async subtree(ctx: FarmContext, id: string, type?: string): Promise<LocationRow[]> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      if (!(await locationsRepository.find(tx, ctx.farmId, id))) throw notFound('Location', { id });
      return locationsRepository.subtree(tx, ctx.farmId, id, type);
    });
  }

  async ancestors(ctx: FarmContext, id: string): Promise<LocationRow[]> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const row = await locationsRepository.find(tx, ctx.farmId, id);
      if (!row) throw notFound('Location', { id });
      return locationsRepository.ancestors(tx, ctx.farmId, row.path);
    });
  }

  /** The deepest location whose polygon holds the point, and its ancestors (root first). */
  async lookup(
    ctx: FarmContext,
    lat: number,
    lon: number,
  ): Promise<{ location: LocationRow; ancestors: LocationRow[] }> {
    const chain = await this.deps.db.farm(ctx.farmId, (tx) => locationsRepository.lookup(tx, ctx.farmId, lon, lat));
    const location = chain.at(-1);
    if (!location) throw notFound('Location at this point', { lat, lon });
    return { location, ancestors: chain.slice(0, -1) };
  }

  async adjacent(ctx: FarmContext, id: string): Promise<{ location: LocationRow; source: 'edge' | 'geometry' }[]> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      if (!(await locationsRepository.find(tx, ctx.farmId, id))) throw notFound('Location', { id });
      const links = await locationsRepository.adjacent(tx, ctx.farmId, id, ADJACENT_WITHIN_M);
      const sourceOf = new Map<string, 'edge' | 'geometry'>();
      for (const link of links)
        if (!sourceOf.has(link.id) || link.source === 'edge') sourceOf.set(link.id, link.source);
      const rows = await Promise.all(
        [...sourceOf.keys()].map((other) => locationsRepository.find(tx, ctx.farmId, other)),
      );
      return rows
        .filter((r): r is LocationRow => r !== undefined)
        .map((location) => ({ location, source: sourceOf.get(location.id)! }))
        .sort((a, b) => a.location.name.localeCompare(b.location.name));
    });
  }

  async link(ctx: FarmContext, id: string, otherId: string, linked: boolean): Promise<void> {
    if (id === otherId) throw invalid('A location is not adjacent to itself');
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      for (const which of [id, otherId]) {
        if (!(await locationsRepository.find(tx, ctx.farmId, which))) throw notFound('Location', { id: which });
      }
      if (linked) await locationsRepository.addEdge(tx, ctx.farmId, id, otherId, this.deps.clock.now());
      else if ((await locationsRepository.removeEdge(tx, ctx.farmId, id, otherId)) === 0)
        throw notFound('Adjacency', { id, other_id: otherId });
    });
  }

  /**
   * Creates a whole layout from a GeoJSON FeatureCollection in one transaction: parents named by
   * code (in the import or already in the farm), created before their children. Any wrong feature
   * refuses the whole import, naming the feature.
   */
  async importLayout(ctx: FarmContext, features: ImportedFeature[], meta: RequestMeta): Promise<LocationRow[]> {
    const rules = await this.typeRules();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const existing = await locationsRepository.codes(tx, ctx.farmId);
      // A feature is named by its code, or else by its feature id (kept apart from codes by the prefix).
      const keyOf = (f: ImportedFeature) => f.properties.code ?? (f.id !== undefined ? `#id:${f.id}` : undefined);
      const parentKeyOf = (f: ImportedFeature) =>
        f.properties.parent_code ?? (f.properties.parent_id != null ? `#id:${f.properties.parent_id}` : undefined);
      const order = importOrder(
        features.map((f, index) => ({ index, code: keyOf(f), parentCode: parentKeyOf(f) })),
        new Set(existing.keys()),
      );
      if (!order.ok)
        throw invalid(`Feature ${order.index}: ${order.message}`, { feature: order.index }, 'IMPORT_INVALID');
      const created = new Map<string, LocationRow>();
      const rows: LocationRow[] = [];
      for (const index of order.order) {
        const feature = features[index]!;
        const p = feature.properties;
        const where = { feature: index, ...(p.code ? { code: p.code } : {}) };
        try {
          const parentKey = parentKeyOf(feature);
          const parent =
            parentKey === undefined
              ? null
              : (created.get(parentKey) ??
                (await locationsRepository.find(tx, ctx.farmId, existing.get(parentKey)!.id))!);
          await this.#checkPlacement(rules, parent?.type ?? null, p.type, `features[${index}].properties.type`);
          this.#checkFrost(
            p.type,
            { last_frost: p.last_frost ?? null, first_frost: p.first_frost ?? null, frost_safe: p.frost_safe ?? null },
            `features[${index}].properties`,
          );
          this.#checkLevels(parent);
          await this.#checkGeometry(tx, feature.geometry, where);
          const row = await this.#insert(tx, ctx, { ...p, parent_id: undefined, geometry: feature.geometry }, parent);
          const key = keyOf(feature);
          if (key) created.set(key, row);
          rows.push(row);
        } catch (error) {
          if (error instanceof Error && 'details' in error) {
            Object.assign((error as { details: Record<string, unknown> }).details, where);
            error.message = `Feature ${index}${p.code ? ` (${p.code})` : ''}: ${error.message}`;
          }
          throw error;
        }
      }
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'location.imported',
        category: 'locations',
        message: `${rows.length} locations imported`,
        data: { count: rows.length },
      });
      return rows;
    });
  }

  /** The whole tree as a GeoJSON FeatureCollection that {@link importLayout} reads back. */
  async exportLayout(ctx: FarmContext) {
    const rows = await this.deps.db.farm(ctx.farmId, (tx) => locationsRepository.all(tx, ctx.farmId));
    const codeOf = new Map(rows.map((r) => [r.id, r.code]));
    return {
      type: 'FeatureCollection' as const,
      features: rows.map((r) => ({
        type: 'Feature' as const,
        id: r.id,
        geometry: r.geometry,
        properties: {
          name: r.name,
          type: r.type,
          code: r.code,
          qr_code: r.qr_code,
          capacity: r.capacity,
          status: r.status,
          properties: r.properties,
          last_frost: r.last_frost,
          first_frost: r.first_frost,
          frost_safe: r.frost_safe,
          parent_id: r.parent_id,
          parent_code: r.parent_id ? (codeOf.get(r.parent_id) ?? null) : null,
          area_m2: r.area_m2,
        },
      })),
    };
  }

  /** What a location's QR label encodes: a link that opens it in the app. */
  qrTarget(ctx: FarmContext, row: LocationRow): string {
    return `${this.deps.config.publicUrl}/farms/${ctx.slug}/locations/qr/${encodeURIComponent(row.qr_code)}`;
  }

  /** A printable label: the QR code with the location's name and code under it. */
  async qrLabel(ctx: FarmContext, id: string): Promise<string> {
    const row = await this.get(ctx, id);
    const qr = await QRCode.toString(this.qrTarget(ctx, row), { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    const inner = qr.replace(/^<svg[^>]*>/, '').replace(/<\/svg>\s*$/, '');
    const size = /viewBox="0 0 (\d+) (\d+)"/.exec(qr)?.[1] ?? '33';
    const escape = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const n = Number(size);
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n + 8}" width="${n * 8}" height="${(n + 8) * 8}" shape-rendering="crispEdges">` +
      `<g>${inner}</g>` +
      `<text x="${n / 2}" y="${n + 3.2}" font-family="'Noto Sans', 'Noto Sans Khmer', sans-serif" font-size="3" text-anchor="middle">${escape(row.name)}</text>` +
      `<text x="${n / 2}" y="${n + 6.8}" font-family="monospace" font-size="2.4" text-anchor="middle">${escape(row.code ?? row.qr_code)}</text></svg>`
    );
  }
}
