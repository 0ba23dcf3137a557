import { createRequire } from 'node:module';

// package.json sits two folders up from both src/platform and dist/platform.
const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

export const VERSION: string = pkg.version;
