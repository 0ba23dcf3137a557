import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import { installedPackage } from '../installed-package.js';
import { readMigrations } from './migration-files.js';

/**
 * A migrated embedded database made by the build (`npm run build`), so a first start copies a folder
 * instead of creating a database (initdb in WebAssembly, ~3.5 s) and running every migration (~4.5 s).
 * The folder is PGlite's own data folder, so the template is used only by the PGlite version that made it;
 * migrations newer than the template still run at start as on any existing folder.
 */
const DIST = fileURLToPath(new URL('../../../dist/', import.meta.url));
/** The template's archive in `dir` (the build's dist/ unless a test says otherwise). */
export const templateFile = (dir = DIST) => path.join(dir, 'pgdata-template.tgz');
const manifestFile = (dir: string) => path.join(dir, 'pgdata-template.json');

interface Manifest {
  pglite: string;
  migrations: string[];
}

function pgliteVersion(): string {
  try {
    return installedPackage('@electric-sql/pglite').version;
  } catch {
    return 'unknown';
  }
}

const identity = (m: { version: number; name: string; checksum: string }) => `${m.version}_${m.name} ${m.checksum}`;

function wanted(): Manifest {
  return { pglite: pgliteVersion(), migrations: readMigrations().map(identity) };
}

function readManifest(dir: string): Manifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(manifestFile(dir), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** Whether the template on disk is the one this code and this PGlite would make. */
export function templateIsCurrent(dir = DIST): boolean {
  const manifest = readManifest(dir);
  return fs.existsSync(templateFile(dir)) && JSON.stringify(manifest) === JSON.stringify(wanted());
}

/** Records what the archive just written was made from. */
export function writeTemplateManifest(dir = DIST): void {
  fs.writeFileSync(manifestFile(dir), JSON.stringify(wanted()));
}

/**
 * Fills `folder` (new, empty) from the template when there is a usable one; false when there is none or it
 * was made by another PGlite version (the caller then creates the database itself).
 */
export async function restoreTemplate(folder: string, dir = DIST): Promise<boolean> {
  const manifest = readManifest(dir);
  if (!manifest || manifest.pglite !== pgliteVersion() || !fs.existsSync(templateFile(dir))) return false;
  const known = new Set(readMigrations().map(identity));
  // A template from code with migrations this code does not have would be a database from the future.
  if (manifest.migrations.some((name) => !known.has(name))) return false;
  fs.mkdirSync(folder, { recursive: true });
  await tar.extract({ file: templateFile(dir), cwd: folder, strict: true });
  return true;
}
