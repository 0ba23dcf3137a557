import fs from 'node:fs';
import path from 'node:path';
import { DomainError } from '../errors.js';

const LOCK_FILE = 'croft.lock';

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes this process the only owner of an embedded data folder. PGlite belongs to one process: a
 * second `croft` on the same folder would corrupt it, so it is refused with a clear message. A lock
 * left by a process that no longer runs is stale and taken over; `onStale` then cleans what that
 * process left behind (PGlite's postmaster.pid).
 */
export function lockDataDir(dataDir: string, onStale: () => void = () => {}): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      let released = false;
      return {
        path: file,
        release() {
          if (released) return;
          released = true;
          if (readOwner(file) === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(file);
    if (owner !== undefined && isAlive(owner)) {
      throw new DomainError(
        'conflict',
        'DATA_DIR_LOCKED',
        `The data folder ${dataDir} is in use by ${owner === process.pid ? 'this' : 'another'} Croft process (pid ${owner}). ` +
          'The embedded database belongs to one process: stop the other one, give this one its own ' +
          'CROFT_DATA_DIR, or set DATABASE_URL to share a PostgreSQL server between processes.',
        { dataDir, pid: owner },
      );
    }
    // Stale: the owner is gone (killed, crashed). Clean up after it and try again.
    fs.rmSync(file, { force: true });
    onStale();
  }
  throw new DomainError('conflict', 'DATA_DIR_LOCKED', `Could not lock the data folder ${dataDir}`, { dataDir });
}
