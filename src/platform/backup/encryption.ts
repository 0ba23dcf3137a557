import fs from 'node:fs';
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../errors.js';

/**
 * A backup sealed with a passphrase (CROFT_BACKUP_PASSPHRASE): AES-256-GCM with a key derived by scrypt
 * from the passphrase and a random salt. The file: the magic line, the salt, the nonce, the sealed
 * archive, and GCM's tag last, so it is written and read as a stream; a wrong passphrase or a changed
 * byte fails the tag and nothing is restored.
 */
const MAGIC = Buffer.from('CROFT-BACKUP-AES256GCM-1\n');
const SALT = 16;
const NONCE = 12;
const TAG = 16;

function key(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
}

/** Whether `file` is a sealed backup (by its first bytes). */
export function isSealed(file: string): boolean {
  const head = Buffer.alloc(MAGIC.length);
  const fd = fs.openSync(file, 'r');
  try {
    return fs.readSync(fd, head, 0, MAGIC.length, 0) === MAGIC.length && head.equals(MAGIC);
  } finally {
    fs.closeSync(fd);
  }
}

/** Seals `plain` into `sealed` (created 0600). */
export async function seal(plain: string, sealed: string, passphrase: string): Promise<void> {
  const salt = randomBytes(SALT);
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', await key(passphrase, salt), nonce);
  const out = fs.createWriteStream(sealed, { mode: 0o600 });
  out.write(Buffer.concat([MAGIC, salt, nonce]));
  await pipeline(fs.createReadStream(plain), cipher, out, { end: false });
  await new Promise<void>((resolve, reject) => out.end(cipher.getAuthTag(), () => resolve()).once('error', reject));
}

/** Opens `sealed` into `plain`; refuses a missing or wrong passphrase and a changed file. */
export async function unseal(sealed: string, plain: string, passphrase: string | undefined): Promise<void> {
  if (!passphrase) {
    throw new DomainError(
      'invalid',
      'BACKUP_PASSPHRASE_NEEDED',
      `${sealed} is sealed with a passphrase: set CROFT_BACKUP_PASSPHRASE to the one it was written with.`,
    );
  }
  const size = fs.statSync(sealed).size;
  const start = MAGIC.length + SALT + NONCE;
  if (size < start + TAG) throw new DomainError('invalid', 'BACKUP_UNREADABLE', `${sealed} is cut short.`);
  const fd = fs.openSync(sealed, 'r');
  const head = Buffer.alloc(start);
  const tag = Buffer.alloc(TAG);
  try {
    fs.readSync(fd, head, 0, start, 0);
    fs.readSync(fd, tag, 0, TAG, size - TAG);
  } finally {
    fs.closeSync(fd);
  }
  const salt = head.subarray(MAGIC.length, MAGIC.length + SALT);
  const nonce = head.subarray(MAGIC.length + SALT, start);
  const decipher = createDecipheriv('aes-256-gcm', await key(passphrase, salt), nonce);
  decipher.setAuthTag(tag);
  try {
    await pipeline(
      fs.createReadStream(sealed, { start, end: size - TAG - 1 }),
      decipher,
      fs.createWriteStream(plain, { mode: 0o600 }),
    );
  } catch {
    fs.rmSync(plain, { force: true });
    throw new DomainError(
      'invalid',
      'BACKUP_PASSPHRASE_WRONG',
      `${sealed} could not be opened: the passphrase is not the one it was sealed with, or the file was changed.`,
    );
  }
}
