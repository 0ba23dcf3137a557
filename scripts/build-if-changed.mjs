// @ts-check
/**
 * `npm start`'s build check: compiles the server only when its sources changed since the last build, then
 * the database template (scripts/build-template.mjs) and the web app (scripts/build-web.mjs) the same way. Nothing changed costs a hash of the sources (~0.1 s)
 * instead of a TypeScript run (~3 s), so a warm start is fast. `--force` (`npm run build`, and so `npm ci`)
 * compiles the server whatever the stamp says, and stamps it: the first `npm start` after `npm ci` then
 * compiles nothing again.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const STAMP = 'dist/.server-source-hash';

/** @param {string} dir @returns {string[]} */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

const hash = createHash('sha256');
for (const file of [...files('src'), 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'])
  hash.update(file).update('\0').update(readFileSync(file));
const digest = hash.digest('hex');

if (
  !process.argv.includes('--force') &&
  existsSync('dist/main.js') &&
  existsSync(STAMP) &&
  readFileSync(STAMP, 'utf8') === digest
) {
  console.log('server: up to date');
} else {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  writeFileSync(STAMP, digest);
}
await import('./build-template.mjs');
await import('./build-web.mjs');
