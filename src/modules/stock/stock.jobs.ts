import type { JobRegistry } from '../../platform/jobs/registry.js';
import type { StockSetupService } from './stock.setup.js';

declare module '../../platform/jobs/registry.js' {
  interface JobPayloads {
    'stock.reconcile': Record<string, never>;
  }
}

/** Every night at 02:30 (UTC): each farm's batches against the sums of their movements, reported, never fixed. */
export function defineStockJobs(registry: JobRegistry, { stockSetup }: { stockSetup: StockSetupService }): void {
  registry.define({
    name: 'stock.reconcile',
    cron: { expression: '30 2 * * *', payload: {} },
    handle: async () => void (await stockSetup.reconcileAll()),
  });
}
