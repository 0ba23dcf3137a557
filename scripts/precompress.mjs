// @ts-check
/**
 * Writes gzip and brotli copies of the web app's text assets beside them, so Croft serves a phone on a
 * slow link a quarter of the bytes without compressing on every request.  Run after `vite build`.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? 'dist/web';
const TEXT = /\.(js|css|html|svg|json|txt)$/;

async function* files(root) {
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (TEXT.test(entry.name)) yield path;
  }
}

let before = 0;
let after = 0;
for await (const path of files(dir)) {
  const body = await readFile(path);
  if (body.length < 1024) continue;
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  await writeFile(`${path}.br`, br);
  await writeFile(`${path}.gz`, gzipSync(body, { level: 9 }));
  before += body.length;
  after += br.length;
}
console.log(`web app: ${(before / 1024).toFixed(0)} KiB of text, ${(after / 1024).toFixed(0)} KiB with brotli`);
