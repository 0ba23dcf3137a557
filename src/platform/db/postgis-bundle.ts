import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Extension } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import * as tar from 'tar';
import { installedPackage } from '../installed-package.js';

/**
 * PostGIS for PGlite without the parts Croft never uses, compiled when first called. pglite-postgis ships
 * PostGIS with raster, topology and the tiger geocoder (three 15–17 MB WebAssembly libraries, upgrade
 * scripts, sample data) as one archive, which PGlite unpacks into memory through several copies and whose
 * every library it compiles at each start. Croft installs only `postgis`: its files are the postgis
 * library, the postgis extension's control file and install script, and PROJ's data (coordinate
 * transforms), unpacked once to a folder and mounted into PGlite's file system before Postgres starts.
 * Postgres then loads the library when a PostGIS function is first called (one compile, ~1–2 s, once per
 * process), as PGlite itself does when it cannot compile a library ahead. Same SQL, same functions.
 *
 * The folder is made from the installed pglite-postgis (the build makes it; a process that finds none
 * makes it itself) and named by that package's version, so an upgrade makes a new one.
 */
const DIST = fileURLToPath(new URL('../../../dist/', import.meta.url));
/** Where PGlite keeps its installation inside its file system (pglite-postgis points PROJ there too). */
const PGLITE_PREFIX = '/pglite';

/** Which entries of pglite-postgis's bundle Croft keeps. */
export function keptEntry(name: string): boolean {
  const entry = name.replace(/^\.\//, '');
  if (entry.endsWith('/')) return true; // folders (some stay empty: harmless)
  if (entry === 'lib/postgresql/postgis-3.so') return true;
  if (entry === 'share/postgresql/extension/postgis.control') return true;
  // The install script of the installed version only: no upgrade paths, no raster/topology/tiger.
  if (/^share\/postgresql\/extension\/postgis--\d+\.\d+\.\d+\.sql$/.test(entry)) return true;
  return entry.startsWith('share/proj/');
}

const SOURCE_PACKAGE = '@electric-sql/pglite-postgis';

/** The archive pglite-postgis ships, and the folder Croft's files from it are kept in. */
function filesPaths(dir: string): { source: string; folder: string } {
  const { dir: pkg, version } = installedPackage(SOURCE_PACKAGE);
  return { source: path.join(pkg, 'dist/postgis.tar.gz'), folder: path.join(dir, `postgis-core-${version}`) };
}

/**
 * Unpacks Croft's PostGIS files into a folder in `dir` unless they are there, and answers the folder. Made
 * under a temporary name and renamed, so processes starting together never read a half-made folder.
 */
export async function ensurePostgisFiles(dir = DIST): Promise<string> {
  const { source, folder } = filesPaths(dir);
  if (fs.existsSync(folder)) return folder;
  fs.mkdirSync(dir, { recursive: true });
  const partial = `${folder}.${process.pid}.${Date.now()}.partial`;
  fs.mkdirSync(partial);
  try {
    await tar.x({ file: source, cwd: partial, filter: (entry) => keptEntry(entry) });
    try {
      fs.renameSync(partial, folder);
    } catch (error) {
      if (!fs.existsSync(folder)) throw error; // another process made it meanwhile: theirs is the same
    }
    return folder;
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}

/** Every file under `folder`, as paths relative to it with forward slashes, folders before their files. */
export function filesUnder(folder: string, relative = ''): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(path.join(folder, relative), { withFileTypes: true })) {
    const name = path.posix.join(relative, entry.name);
    if (entry.isDirectory()) found.push(`${name}/`, ...filesUnder(folder, name));
    else found.push(name);
  }
  return found.sort();
}

interface EmscriptenFs {
  analyzePath(path: string): { exists: boolean };
  mkdirTree(path: string): void;
  mount(type: unknown, options: { root: string }, mountpoint: string): void;
  symlink(target: string, path: string): void;
  unlink(path: string): void;
  filesystems: { NODEFS: unknown };
}

/** Where Croft's folder is mounted in PGlite's file system (outside PGlite's own installation). */
const MOUNT = '/croft-postgis';

let files: Promise<string> | undefined;

/**
 * PGlite's `postgis` extension with Croft's files: pglite-postgis's own setup (its environment for PostGIS),
 * and instead of its archive Croft's folder, mounted from disk (Emscripten's NODEFS) before Postgres starts,
 * each file linked into PGlite's installation where Postgres looks for it. Postgres reads them from disk when
 * it needs them; copied into PGlite's in-memory file system they stayed resident (~25 MB: the 16 MB library
 * and PROJ's 9 MB database, docs/memory.md).
 */
export const postgisCore: Extension = {
  name: 'postgis',
  async setup(pg, emscriptenOpts) {
    const setup = await postgis.setup(pg, emscriptenOpts);
    files ??= ensurePostgisFiles().catch((error: unknown) => {
      files = undefined;
      throw error;
    });
    const folder = await files;
    const opts = setup.emscriptenOpts as { preRun?: ((module: { FS: EmscriptenFs }) => void)[] };
    const linkFiles = ({ FS }: { FS: EmscriptenFs }) => {
      FS.mkdirTree(MOUNT);
      FS.mount(FS.filesystems.NODEFS, { root: folder }, MOUNT);
      for (const name of filesUnder(folder)) {
        const target = `${PGLITE_PREFIX}/${name.replace(/\/$/, '')}`;
        if (name.endsWith('/')) {
          if (!FS.analyzePath(target).exists) FS.mkdirTree(target);
        } else {
          if (FS.analyzePath(target).exists) FS.unlink(target);
          FS.symlink(`${MOUNT}/${name}`, target);
        }
      }
    };
    return { emscriptenOpts: { ...opts, preRun: [...(opts.preRun ?? []), linkFiles] } };
  },
};
