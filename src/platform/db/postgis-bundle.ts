import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Extension } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import * as tar from 'tar';

/**
 * PostGIS for PGlite without the parts Croft never uses. PGlite unpacks an extension's whole bundle into
 * memory and compiles every library in it at each start; pglite-postgis ships PostGIS with raster,
 * topology and the tiger geocoder (three 15–17 MB WebAssembly libraries, upgrade scripts, sample data).
 * Croft installs only `postgis`, so its bundle keeps the postgis library, the postgis extension's control
 * and install script, and PROJ's data (coordinate transforms). Same SQL, same functions, far less memory.
 *
 * The bundle is made once from the installed pglite-postgis (the build makes it; a process that finds none
 * makes it itself) and named by that package's version, so an upgrade makes a new one.
 */
const DIST = fileURLToPath(new URL('../../../dist/', import.meta.url));

/** Which entries of pglite-postgis's bundle Croft keeps. */
export function keptEntry(name: string): boolean {
  const entry = name.replace(/^\.\//, '');
  if (entry.endsWith('/')) return true; // folders (PGlite makes them from the archive's folder entries)
  if (entry === 'lib/postgresql/postgis-3.so') return true;
  if (entry === 'share/postgresql/extension/postgis.control') return true;
  // The install script of the installed version only: no upgrade paths, no raster/topology/tiger.
  if (/^share\/postgresql\/extension\/postgis--\d+\.\d+\.\d+\.sql$/.test(entry)) return true;
  return entry.startsWith('share/proj/');
}

function packageDir(name: string): string {
  const require = createRequire(import.meta.url);
  for (let dir = path.dirname(require.resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string }).name === name) {
      return dir;
    }
  }
  throw new Error(`${name} is not installed`);
}

const SOURCE_PACKAGE = '@electric-sql/pglite-postgis';

/** The full bundle pglite-postgis ships, and the file Croft's bundle made from it is kept in. */
function bundlePaths(dir: string): { source: string; core: string } {
  const pkg = packageDir(SOURCE_PACKAGE);
  const { version } = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { version: string };
  return { source: path.join(pkg, 'dist/postgis.tar.gz'), core: path.join(dir, `postgis-core-${version}.tar.gz`) };
}

/**
 * Makes Croft's PostGIS bundle in `dir` unless it is there, and answers its path. Written to a temporary
 * name and renamed, so processes starting together never read a half-written file.
 */
export async function ensurePostgisBundle(dir = DIST): Promise<string> {
  const { source, core } = bundlePaths(dir);
  if (fs.existsSync(core)) return core;
  const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-postgis-'));
  try {
    await tar.x({ file: source, cwd: unpacked, filter: (entry) => keptEntry(entry) });
    fs.mkdirSync(dir, { recursive: true });
    const partial = `${core}.${process.pid}.${Date.now()}.partial`;
    await tar.c({ gzip: true, file: partial, cwd: unpacked, portable: true }, fs.readdirSync(unpacked).sort());
    fs.renameSync(partial, core);
    return core;
  } finally {
    fs.rmSync(unpacked, { recursive: true, force: true });
  }
}

let bundle: Promise<string> | undefined;

/** PGlite's `postgis` extension, loading Croft's bundle; pglite-postgis's own setup does the rest. */
export const postgisCore: Extension = {
  name: 'postgis',
  async setup(pg, emscriptenOpts) {
    const setup = await postgis.setup(pg, emscriptenOpts);
    bundle ??= ensurePostgisBundle().catch((error: unknown) => {
      bundle = undefined;
      throw error;
    });
    return { ...setup, bundlePath: pathToFileURL(await bundle) };
  },
};
