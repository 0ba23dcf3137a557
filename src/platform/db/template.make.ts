import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import type { Logger } from '../logger.js';
import { databaseOnPglite } from './database.js';
import { startPglite } from './embedded.js';
import { migrate } from './migrate.js';
import { templateFile, writeTemplateManifest } from './template.js';

/** Makes the template: a new database, migrated, its folder archived (gzip). */
export async function makeTemplate(log: Logger, dir?: string): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-template-'));
  try {
    const folder = path.join(work, 'pgdata');
    const pglite = await startPglite({ dataDir: folder });
    const db = databaseOnPglite(pglite, () => pglite.close(), { log });
    try {
      await migrate(db, log);
    } finally {
      await db.close();
    }
    const file = templateFile(dir);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}`;
    await tar.create({ gzip: true, file: partial, cwd: folder, portable: true }, fs.readdirSync(folder));
    fs.renameSync(partial, file);
    writeTemplateManifest(dir);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
