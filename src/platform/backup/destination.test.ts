import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupFileName, localFile, parseDestination } from './destination.js';

describe('backup destinations', () => {
  it('reads s3://bucket/prefix, and any other text as a path from the folder given', () => {
    expect(parseDestination('s3://croft-backups')).toEqual({ kind: 's3', bucket: 'croft-backups', prefix: '' });
    expect(parseDestination('s3://croft-backups/farm-a//nightly/')).toEqual({
      kind: 's3',
      bucket: 'croft-backups',
      prefix: 'farm-a/nightly/',
    });
    expect(parseDestination('out/today.tar', '/home/sam')).toEqual({ kind: 'path', path: '/home/sam/out/today.tar' });
    expect(() => parseDestination('s3://Not_A_Bucket/x')).toThrow('does not name a bucket');
    expect(() => parseDestination('s3://croft-backups/../x')).toThrow('the prefix may hold');
    expect(() => parseDestination('s3://croft-backups/a b')).toThrow('the prefix may hold');
  });

  it('names archives by their UTC time, sorting as they read', () => {
    expect(backupFileName(new Date('2026-12-02T03:04:05.678Z'))).toBe('croft-backup-20261202-030405.tar');
  });

  it('writes into a folder that exists, to a file named, and a schedule’s path is always a folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-destination-'));
    try {
      const at = new Date('2026-12-02T03:00:00Z');
      const name = 'croft-backup-20261202-030000.tar';
      expect(localFile({ kind: 'path', path: dir }, '/scratch', at)).toBe(path.join(dir, name));
      expect(localFile({ kind: 'path', path: path.join(dir, 'mine.tar') }, '/scratch', at)).toBe(
        path.join(dir, 'mine.tar'),
      );
      expect(localFile({ kind: 'path', path: path.join(dir, 'gone') }, '/scratch', at, true)).toBe(
        path.join(dir, 'gone', name),
      );
      expect(localFile({ kind: 's3', bucket: 'b-1', prefix: 'p/' }, '/scratch', at)).toBe(path.join('/scratch', name));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
