import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import type { NotificationsService } from '../alerts/index.js';
import { recordAudit } from '../audit/index.js';
import { locationReads } from '../locations/index.js';
import type { ShortfallAs } from './stock.engine.js';
import { checkConfig, kindOf, storageLocation } from './stock.places.js';
import { stockRepository, type BinTypeRow } from './stock.repository.js';
import type { BinTypeBody, BinTypePatch, StockConfigBody } from './stock.setup.schemas.js';

interface Deps {
  db: Database;
  clock: Clock;
  log: Logger;
  notifications: NotificationsService;
}

const MANAGERS = ['manager', 'admin'] as const;

/**
 * How a farm's stock is set up — bin types, what each storage location is meant to hold, how a count's
 * shortfall is recorded — and the nightly check that every batch equals the sum of its movements.
 */
export class StockSetupService {
  constructor(private readonly deps: Deps) {}

  // Bin types

  binTypes(ctx: FarmContext): Promise<BinTypeRow[]> {
    return this.deps.db.farm(ctx.farmId, (tx) => stockRepository.binTypes(tx, ctx.farmId));
  }

  async createBinType(ctx: FarmContext, body: BinTypeBody, meta: RequestMeta): Promise<BinTypeRow> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const row = await stockRepository.insertBinType(tx, {
        farm_id: ctx.farmId,
        code: body.code,
        name: body.name,
        category: body.category,
        grid_rows: body.rows ?? null,
        grid_columns: body.columns ?? null,
        capacity: body.capacity ?? (body.rows && body.columns ? body.rows * body.columns : null),
        length_cm: body.length_cm ?? null,
        width_cm: body.width_cm ?? null,
        height_cm: body.height_cm ?? null,
        grid: body.grid ?? (body.rows !== undefined && body.columns !== undefined),
        created_at: now,
        updated_at: now,
      });
      if (!row) throw conflict('BIN_TYPE_EXISTS', `A bin type ${body.code} exists in this farm`, { code: body.code });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'stock.bin_type_created',
        category: 'stock',
        message: `Bin type ${row.code} created`,
        data: { bin_type_id: row.id },
      });
      return row;
    });
  }

  async updateBinType(ctx: FarmContext, ref: string, patch: BinTypePatch, meta: RequestMeta): Promise<BinTypeRow> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await stockRepository.findBinType(tx, ctx.farmId, ref);
      if (!current) throw notFound('bin type', { bin_type: ref });
      const row = (await stockRepository.updateBinType(tx, ctx.farmId, current.id, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.category !== undefined ? { category: patch.category } : {}),
        ...(patch.rows !== undefined ? { grid_rows: patch.rows } : {}),
        ...(patch.columns !== undefined ? { grid_columns: patch.columns } : {}),
        ...(patch.capacity !== undefined ? { capacity: patch.capacity } : {}),
        ...(patch.length_cm !== undefined ? { length_cm: patch.length_cm } : {}),
        ...(patch.width_cm !== undefined ? { width_cm: patch.width_cm } : {}),
        ...(patch.height_cm !== undefined ? { height_cm: patch.height_cm } : {}),
        ...(patch.grid !== undefined ? { grid: patch.grid } : {}),
        updated_at: now,
      }))!;
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'stock.bin_type_updated',
        category: 'stock',
        message: `Bin type ${row.code} changed`,
        data: { bin_type_id: row.id, changed: Object.keys(patch) },
      });
      return row;
    });
  }

  async removeBinType(ctx: FarmContext, ref: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const current = await stockRepository.findBinType(tx, ctx.farmId, ref);
      if (!current) throw notFound('bin type', { bin_type: ref });
      if ((await stockRepository.removeBinType(tx, ctx.farmId, current.id)) === 'used')
        throw conflict('BIN_TYPE_IN_USE', `Bins are of type ${current.code}: give them another type first`, {
          bin_type_id: current.id,
        });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'stock.bin_type_deleted',
        category: 'stock',
        severity: 'warning',
        message: `Bin type ${current.code} deleted`,
        data: { bin_type_id: current.id },
      });
    });
  }

  /** A storage bin's type (null: none). */
  async setBinType(ctx: FarmContext, locationId: string, ref: string | null, meta: RequestMeta) {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const bin = await locationReads.find(tx, ctx.farmId, locationId);
      if (!bin) throw notFound('location', { id: locationId });
      if (bin.type !== 'storage_bin')
        throw invalid(`${bin.name} is a ${bin.type}: only a storage_bin has a bin type`, {
          fields: [{ field: 'path.id', message: `a ${bin.type}, not a storage_bin` }],
        });
      const type = ref === null ? null : await stockRepository.findBinType(tx, ctx.farmId, ref);
      if (ref !== null && !type)
        throw invalid('No such bin type in this farm', {
          fields: [{ field: 'body.bin_type', message: 'no such bin type' }],
        });
      await stockRepository.setBinType(tx, ctx.farmId, bin.id, type?.id ?? null, now);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'stock.bin_typed',
        category: 'stock',
        message: `${bin.name}: bin type ${type?.code ?? 'none'}`,
        data: { location_id: bin.id, bin_type_id: type?.id ?? null },
      });
      return { location_id: bin.id, bin_type: type ?? null };
    });
  }

  // Storage location config

  config(ctx: FarmContext, locationId: string) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const location = await storageLocation(tx, ctx.farmId, locationId, 'path.id');
      return (await stockRepository.config(tx, ctx.farmId, location.id)) ?? null;
    });
  }

  /**
   * What a storage location is meant to hold. Its active batches must agree (422 CONFIG_MISMATCH naming
   * them): move or close them first.
   */
  async setConfig(ctx: FarmContext, locationId: string, body: StockConfigBody, meta: RequestMeta) {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const location = await storageLocation(tx, ctx.farmId, locationId, 'path.id');
      const { kind } = await kindOf(tx, ctx.farmId, body);
      const config = {
        farm_id: ctx.farmId,
        location_id: location.id,
        ...kind,
        updated_at: now,
      };
      for (const batch of await stockRepository.activeAt(tx, ctx.farmId, location.id, null))
        checkConfig(config, batch, location);
      const row = await stockRepository.setConfig(tx, config);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'stock.config_set',
        category: 'stock',
        message: `${location.name}: stock config set`,
        data: { location_id: location.id, ...kind },
      });
      return row;
    });
  }

  async removeConfig(ctx: FarmContext, locationId: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const location = await storageLocation(tx, ctx.farmId, locationId, 'path.id');
      if (!(await stockRepository.removeConfig(tx, ctx.farmId, location.id))) return;
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'stock.config_removed',
        category: 'stock',
        message: `${location.name}: stock config removed`,
        data: { location_id: location.id },
      });
    });
  }

  // Settings

  settings(ctx: FarmContext) {
    return this.deps.db.farm(ctx.farmId, async (tx) => ({
      count_shortfall_as: await stockRepository.shortfallAs(tx, ctx.farmId),
    }));
  }

  async setSettings(ctx: FarmContext, body: { count_shortfall_as: ShortfallAs }, meta: RequestMeta) {
    const now = this.deps.clock.now();
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      await stockRepository.setShortfallAs(tx, ctx.farmId, body.count_shortfall_as, now);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'stock.settings_set',
        category: 'stock',
        message: `A count's shortfall is recorded as a ${body.count_shortfall_as}`,
        data: body,
      });
    });
    return this.settings(ctx);
  }

  // The nightly reconciliation

  /**
   * Every farm's batches against the sums of their movements. A difference is reported — recorded, in
   * the audit log as critical, to the farm's managers, in the log — and never fixed silently: the ledger
   * is the truth, and how the projection drifted wants finding.
   */
  async reconcileAll(): Promise<{ farms: number; mismatches: number }> {
    const farmIds = await this.deps.db.system((tx) => stockRepository.farmsWithStock(tx));
    let mismatches = 0;
    for (const farmId of farmIds) {
      try {
        mismatches += await this.reconcile(farmId);
      } catch (error) {
        this.deps.log.error({ err: error, farmId }, 'stock reconciliation of a farm failed (tried again next night)');
      }
    }
    return { farms: farmIds.length, mismatches };
  }

  async reconcile(farmId: string): Promise<number> {
    const now = this.deps.clock.now();
    const found = await this.deps.db.farm(farmId, async (tx) => {
      const result = await stockRepository.mismatches(tx, farmId);
      await stockRepository.insertReconciliation(tx, farmId, now, result.checked, result.mismatches);
      if (result.mismatches.length > 0)
        await recordAudit(tx, this.deps.clock, {
          farmId,
          eventType: 'stock.reconciliation_mismatch',
          category: 'stock',
          severity: 'critical',
          message: `${result.mismatches.length} batch${result.mismatches.length === 1 ? '' : 'es'} differ from the sum of their movements: ${result.mismatches
            .slice(0, 5)
            .map((m) => `${m.code} holds ${m.quantity}, movements ${m.movements}`)
            .join('; ')}`,
          data: { mismatches: result.mismatches.slice(0, 100) },
        });
      return result.mismatches;
    });
    if (found.length > 0) {
      this.deps.log.error({ farmId, mismatches: found.slice(0, 20) }, 'stock batches differ from their movements');
      try {
        await this.deps.notifications.remind(
          farmId,
          {
            title: `${found.length} stock batch${found.length === 1 ? '' : 'es'} out of step with the ledger`,
            message: `${found
              .slice(0, 3)
              .map((m) => `${m.code}: ${m.quantity} recorded, ${m.movements} by its movements`)
              .join('; ')}. Nothing was changed: see the reconciliation report.`,
            type: 'stock.reconciliation_mismatch',
            data: { batches: found.slice(0, 100).map((m) => m.id) },
          },
          { roles: MANAGERS },
        );
      } catch (error) {
        this.deps.log.error({ err: error, farmId }, 'telling managers of a stock mismatch failed');
      }
    }
    return found.length;
  }

  reconciliations(ctx: FarmContext, limit: number) {
    return this.deps.db.farm(ctx.farmId, (tx) => stockRepository.reconciliations(tx, ctx.farmId, limit));
  }
}
