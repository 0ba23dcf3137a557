import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataDir } from './data-dir-lock.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-lock-'));
  dirs.push(dir);
  return dir;
};

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('data folder lock', () => {
  it('is held by one owner at a time and released on request', () => {
    const dir = tempDir();
    const lock = lockDataDir(dir);
    expect(fs.readFileSync(path.join(dir, 'croft.lock'), 'utf8').trim()).toBe(String(process.pid));
    expect(() => lockDataDir(dir)).toThrow(/in use by this Croft process/);
    lock.release();
    expect(fs.existsSync(path.join(dir, 'croft.lock'))).toBe(false);
    lockDataDir(dir).release();
  });

  it('takes over a lock whose process is gone, and cleans up after it', () => {
    const dir = tempDir();
    // A pid that existed and has ended.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.writeFileSync(path.join(dir, 'croft.lock'), `${gone}\n`);
    let cleaned = 0;
    const lock = lockDataDir(dir, () => cleaned++);
    expect(cleaned).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'croft.lock'), 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });

  it('refuses while another live process owns the folder', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'croft.lock'), `${process.ppid}\n`);
    expect(() => lockDataDir(dir)).toThrow(expect.objectContaining({ code: 'DATA_DIR_LOCKED' }));
  });
});
