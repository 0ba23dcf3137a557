// @ts-check
/**
 * Builds the web app into dist/web unless it is already built from the same sources: `npm start`
 * runs this every time, and a rebuild (Vite, then brotli/gzip copies) takes several seconds.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = 'dist/web';
const STAMP = join(OUT, '.source-hash');

/** @param {string} dir @returns {string[]} */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

const hash = createHash('sha256');
for (const file of [...files('web'), 'package-lock.json', 'scripts/precompress.mjs'])
  hash.update(file).update(readFileSync(file));
const digest = hash.digest('hex');

if (existsSync(join(OUT, 'index.html')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest) {
  console.log('web app: up to date');
} else {
  execFileSync('npx', ['vite', 'build', 'web', '--logLevel', 'warn'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/precompress.mjs', OUT], { stdio: 'inherit' });
  writeFileSync(STAMP, digest);
}
