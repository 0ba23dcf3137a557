/**
 * Loads the plant-protection catalogue that ships with Croft (seed/protection/*.yaml) as global rows,
 * the way the fertilizer seed is loaded: only when the files' hash differs from the one last loaded;
 * every row checked by `checkProtectionSeed` against the plant catalogue's live global families (one
 * problem stops the load and the start, naming its file, key and field); rows written by key in one
 * system-scope transaction — new ones inserted, the others updated, one the files no longer hold retired
 * (never deleted: applications will refer to it), one named again brought back — with their host
 * families and targets. Farms' own rows, and their confirmed intervals, are never touched.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import { catalogReads } from '../catalog/index.js';
import {
  diseaseColumns,
  pestColumns,
  treatmentColumns,
  type DiseaseInput,
  type PestInput,
  type TreatmentInput,
} from './protection.columns.js';
import { protectionRepository as repo } from './protection.repository.js';
import {
  checkProtectionSeed,
  PROTECTION_FILES,
  type DiseaseRow as DiseaseSeed,
  type PestRow as PestSeed,
  type ProtectionProblem,
  type TreatmentRow as TreatmentSeed,
} from './protection.seed-rules.js';

/** `seed/protection` at the package root, found the same way from `src/` and `dist/`. */
export const DEFAULT_PROTECTION_SEED_DIR = fileURLToPath(new URL('../../../seed/protection/', import.meta.url));

export class ProtectionSeedError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: ProtectionProblem[],
  ) {
    const shown = problems.slice(0, 25).map((p) => `  ${p.file}: ${p.key}: ${p.field}: ${p.message}`);
    super(`The protection seed in ${dir} has ${problems.length} problem(s):\n${shown.join('\n')}`);
    this.name = 'ProtectionSeedError';
  }
}

export interface ProtectionSeedResult {
  loaded: boolean;
  hash: string;
  counts?: { pests: number; diseases: number; treatments: number; inserted: number; retired: number };
}

type Table = 'protection_pests' | 'protection_diseases' | 'protection_treatments';

/** Loads the seed when its hash changed (see the top of this file); throws {@link ProtectionSeedError}. */
export async function loadProtectionSeed(
  db: Database,
  options: { dir?: string | undefined; clock: Clock; log: Logger },
): Promise<ProtectionSeedResult> {
  const dir = options.dir ?? DEFAULT_PROTECTION_SEED_DIR;
  const files = await Promise.all(
    Object.values(PROTECTION_FILES).map(async (name) => ({
      path: name,
      text: await readFile(path.join(dir, name), 'utf8'),
    })),
  );
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.path}\0${f.text}\0`);
  const digest = hash.digest('hex');
  if ((await db.system((tx) => repo.seedState(tx)))?.content_hash === digest) return { loaded: false, hash: digest };
  const now = options.clock.now();
  const counts = await db.system(async (tx) => {
    await repo.lockSeed(tx);
    if ((await repo.seedState(tx))?.content_hash === digest) return undefined;
    // The families as the plant catalogue holds them now (system scope: only global rows exist here
    // that matter; a farm's own families are left out).
    const families = (await catalogReads.familyLinks(tx)).filter((f) => f.global);
    const { rows, problems } = checkProtectionSeed(files, families);
    if (problems.length > 0) throw new ProtectionSeedError(dir, problems);
    const result = {
      pests: rows.pests.length,
      diseases: rows.diseases.length,
      treatments: rows.treatments.length,
      inserted: 0,
      retired: 0,
    };
    const ids = { pests: new Map<string, string>(), diseases: new Map<string, string>() };

    async function sync<R extends { key: string }>(
      table: Table,
      wanted: R[],
      write: (row: R, id: string | undefined) => Promise<string>,
    ): Promise<Map<string, string>> {
      const stored = new Map((await repo.globalIds(tx, table)).map((r) => [r.key, r]));
      const keys = new Set(wanted.map((r) => r.key));
      for (const [key, row] of stored) {
        if (keys.has(key) || row.retired) continue;
        await tx
          .updateTable(table as 'protection_pests')
          .set({ retired_at: now, updated_at: now })
          .where('id', '=', row.id)
          .execute();
        result.retired++;
      }
      const byKey = new Map<string, string>();
      for (const row of wanted) {
        const id = await write(row, stored.get(row.key)?.id);
        if (!stored.has(row.key)) result.inserted++;
        byKey.set(row.key, id);
      }
      return byKey;
    }

    const fresh = { farm_id: null, request_hash: null, created_at: now, updated_at: now };
    const pests = rows.pests.map((r) => r.row as unknown as PestSeed);
    ids.pests = await sync('protection_pests', pests, async (row, id) => {
      const columns = pestColumns(row as PestInput);
      const saved = id
        ? await repo.updatePest(tx, id, { ...columns, retired_at: null, updated_at: now })
        : (await repo.insertPest(tx, { ...columns, ...fresh, key: row.key }))!;
      await repo.setHosts(tx, 'pest', saved.id, null, row.host_families);
      return saved.id;
    });
    const diseases = rows.diseases.map((r) => r.row as unknown as DiseaseSeed);
    ids.diseases = await sync('protection_diseases', diseases, async (row, id) => {
      const columns = diseaseColumns(row as DiseaseInput);
      const saved = id
        ? await repo.updateDisease(tx, id, { ...columns, retired_at: null, updated_at: now })
        : (await repo.insertDisease(tx, { ...columns, ...fresh, key: row.key }))!;
      await repo.setHosts(tx, 'disease', saved.id, null, row.host_families);
      return saved.id;
    });
    const treatments = rows.treatments.map((r) => r.row as unknown as TreatmentSeed);
    await sync('protection_treatments', treatments, async (row, id) => {
      const columns = treatmentColumns(row as TreatmentInput);
      const saved = id
        ? await repo.updateTreatment(tx, id, { ...columns, retired_at: null, updated_at: now })
        : (await repo.insertTreatment(tx, { ...columns, ...fresh, key: row.key }))!;
      await repo.setTargets(
        tx,
        saved.id,
        null,
        (row.pests ?? []).map((k) => ids.pests.get(k)!),
        (row.diseases ?? []).map((k) => ids.diseases.get(k)!),
      );
      return saved.id;
    });
    await repo.saveSeedState(tx, digest, now, result);
    return result;
  });
  if (!counts) return { loaded: false, hash: digest };
  options.log.info(
    { hash: digest.slice(0, 12), ...counts },
    `protection seed loaded: ${counts.pests} pests, ${counts.diseases} diseases, ${counts.treatments} treatments`,
  );
  return { loaded: true, hash: digest, counts };
}
