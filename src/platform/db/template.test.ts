import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from './embedded.js';
import { readMigrations } from './migration-files.js';
import { makeTemplate } from './template.make.js';
import { restoreTemplate, templateIsCurrent } from './template.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-template-test-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** The log lines written, parsed. */
function recordingLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe('the migrated database template a first start copies', () => {
  const dir = path.join(work, 'build');

  it('is made once, and a first start copies it: every migration is there and none runs again', async () => {
    expect(templateIsCurrent(dir)).toBe(false);
    await makeTemplate(pino({ level: 'silent' }), dir);
    expect(templateIsCurrent(dir)).toBe(true);

    const { log, lines } = recordingLog();
    const data = path.join(work, 'data');
    fs.mkdirSync(data);
    const db = await openEmbeddedDatabase(data, log, dir);
    try {
      const { rows } = await db.pglite.query<{ version: number }>(
        'select version from croft_migrations order by version',
      );
      expect(rows.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version));
      // PostGIS is there too.
      const { rows: spatial } = await db.pglite.query<{ point: string }>(`select ST_AsText(ST_Point(1, 2)) as point`);
      expect(spatial[0]!.point).toBe('POINT(1 2)');
    } finally {
      await db.close();
    }
    expect(lines.find((l) => l.msg === 'embedded database created')?.from).toBe('template');
    expect(fs.readdirSync(data)).not.toContainEqual(expect.stringMatching(/^pgdata\.creating-/));
  });

  it('is not used when another PGlite version made it: the database is created instead', async () => {
    const other = path.join(work, 'other');
    fs.cpSync(dir, other, { recursive: true });
    const manifest = path.join(other, 'pgdata-template.json');
    fs.writeFileSync(manifest, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifest, 'utf8')), pglite: '0.0.1' }));
    expect(templateIsCurrent(other)).toBe(false);
    expect(await restoreTemplate(path.join(work, 'unused'), other)).toBe(false);
    expect(fs.existsSync(path.join(work, 'unused'))).toBe(false);

    const { log, lines } = recordingLog();
    const data = path.join(work, 'data-initdb');
    fs.mkdirSync(data);
    const db = await openEmbeddedDatabase(data, log, other);
    await db.close();
    expect(lines.find((l) => l.msg === 'embedded database created')?.from).toBe('initdb');
  });

  it('is refused when it holds a migration this code does not have (a newer build)', async () => {
    const newer = path.join(work, 'newer');
    fs.cpSync(dir, newer, { recursive: true });
    const manifest = path.join(newer, 'pgdata-template.json');
    const json = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { migrations: string[] };
    fs.writeFileSync(manifest, JSON.stringify({ ...json, migrations: [...json.migrations, '9999_future abc'] }));
    expect(await restoreTemplate(path.join(work, 'unused-newer'), newer)).toBe(false);
  });
});
