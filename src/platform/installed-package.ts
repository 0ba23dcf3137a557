import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * An installed package's folder and version: the package.json named `name` above the file it resolves to
 * (a package's entry point may lie deep in its dist folder). Throws when the package is not installed.
 */
export function installedPackage(name: string): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  for (let dir = path.dirname(require.resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (json.name === name) return { dir, version: json.version ?? 'unknown' };
  }
  throw new Error(`${name} is not installed`);
}
