// @ts-check
/**
 * Unpacks dist/postgis-core-<version>/ (PostGIS without the parts Croft never uses) and makes
 * dist/pgdata-template.tgz, the migrated embedded database a first start copies (see
 * src/platform/db/template.ts), unless the one there was made from the same migrations and PGlite.
 * Runs after the server is compiled.
 */
import { ensurePostgisFiles } from '../dist/platform/db/postgis-bundle.js';
import { templateIsCurrent } from '../dist/platform/db/template.js';

// Croft's PostGIS files (src/platform/db/postgis-bundle.ts), unpacked here so no start has to.
await ensurePostgisFiles();

if (templateIsCurrent()) {
  console.log('database template: up to date');
} else {
  const started = performance.now();
  const { makeTemplate } = await import('../dist/platform/db/template.make.js');
  const { pino } = await import('pino');
  await makeTemplate(pino({ level: 'warn' }));
  console.log(`database template: made in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
