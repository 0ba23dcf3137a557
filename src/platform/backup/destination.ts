import { createReadStream } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import type { S3Connection } from '../config.js';
import { S3Storage } from '../object-storage.js';

/** Where a backup goes: a path (a file, or a folder that exists), or a prefix in an S3-compatible bucket. */
export type Destination = { kind: 'path'; path: string } | { kind: 's3'; bucket: string; prefix: string };

/** Reads `--to` or CROFT_BACKUP_TO: `s3://bucket/prefix` or a path (relative to `base`). */
export function parseDestination(to: string, base = process.cwd()): Destination {
  if (!to.startsWith('s3://')) return { kind: 'path', path: path.resolve(base, to) };
  const [bucket = '', ...rest] = to.slice('s3://'.length).split('/');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new Error(`"${to}" does not name a bucket: write s3://bucket/prefix`);
  const prefix = rest.filter(Boolean).join('/');
  if (!/^[A-Za-z0-9_.\-/]*$/.test(prefix) || prefix.split('/').some((p) => p === '.' || p === '..'))
    throw new Error(`"${to}": the prefix may hold letters, digits, dashes, dots, underscores and slashes`);
  return { kind: 's3', bucket, prefix: prefix ? `${prefix}/` : '' };
}

/** A backup's file name: when it was made, in UTC, sorting as it reads. */
export function backupFileName(now = new Date()): string {
  return `croft-backup-${now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.tar`;
}

/**
 * Where the archive is written first: the file named, or a new file in the folder named (`folder`: the
 * path is a folder even when it is missing, as a schedule's is); S3: a new file under `scratch`.
 */
export function localFile(destination: Destination, scratch: string, now = new Date(), folder = false): string {
  const name = backupFileName(now);
  if (destination.kind === 's3') return path.join(scratch, name);
  const { path: to } = destination;
  return folder || (fs.existsSync(to) && fs.statSync(to).isDirectory()) ? path.join(to, name) : to;
}

/** Whether `file` lies on the disk holding `dataDir`: a failure of that disk would lose both. */
export function onSameDisk(file: string, dataDir: string): boolean {
  if (!fs.existsSync(dataDir)) return false;
  return fs.statSync(path.dirname(file)).dev === fs.statSync(dataDir).dev;
}

function storage(connection: S3Connection, bucket: string): S3Storage {
  return new S3Storage({ ...connection, bucket });
}

/**
 * Puts the archive written at `file` where `destination` says and returns its location (the path, or
 * `s3://bucket/key`). An S3 upload removes the local file once the store has acknowledged it.
 */
export async function deliver(file: string, destination: Destination, connection: S3Connection): Promise<string> {
  if (destination.kind === 'path') return file;
  const key = `${destination.prefix}${path.basename(file)}`;
  const store = storage(connection, destination.bucket);
  try {
    await store.put(key, createReadStream(file), 'application/x-tar', fs.statSync(file).size);
  } finally {
    store.destroy();
  }
  fs.rmSync(file, { force: true });
  return `s3://${destination.bucket}/${key}`;
}

/** Deletes an archive at a location {@link deliver} returned; nothing happens when it is already gone. */
export async function discard(location: string, connection: S3Connection): Promise<void> {
  if (!location.startsWith('s3://')) {
    fs.rmSync(location, { force: true });
    return;
  }
  const [bucket = '', ...key] = location.slice('s3://'.length).split('/');
  const store = storage(connection, bucket);
  try {
    await store.delete(key.join('/'));
  } finally {
    store.destroy();
  }
}
