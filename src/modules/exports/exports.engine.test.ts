import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/database.js';
import {
  archiveName,
  csvValue,
  exportTables,
  LEFT_OUT_TABLES,
  SECRET_COLUMNS,
  SECRET_PATTERN,
  secretLike,
  staleRules,
  unreviewedSecretColumns,
  type TableInfo,
} from './exports.engine.js';
import { exportsRepository } from './exports.repository.js';

/** The export's rules against the schema every migration has made, and on their own. */

let database: TestDatabase;
let tables: TableInfo[];

beforeAll(async () => {
  database = await createTestDatabase();
  tables = await database.db.system((tx) => exportsRepository.tables(tx));
});

afterAll(() => database.close());

describe('the rules against the migrated schema', () => {
  it('name every secret-like column of a farm-scoped table (a new one fails here until it is reviewed)', () => {
    // A migration that adds, say, `webhook_secret` to a farm-scoped table lands here: decide whether the
    // table is a credential (LEFT_OUT_TABLES) or the column stays behind (SECRET_COLUMNS), with why.
    expect(unreviewedSecretColumns(tables)).toEqual([]);
  });

  it('name no table or column that is gone', () => {
    expect(staleRules(tables)).toEqual([]);
  });

  it('export no column named like a secret, and every farm-scoped table not left out', () => {
    const exported = exportTables(tables);
    const columns = exported.flatMap((t) => t.columns.map((c) => `${t.name}.${c.name}`));
    expect(columns.filter((c) => SECRET_PATTERN.test(c.split('.')[1]!))).toEqual([]);
    const farmScoped = tables.filter((t) => t.columns.some((c) => c.name === 'farm_id')).map((t) => t.name);
    expect(exported.map((t) => t.name).sort()).toEqual(
      farmScoped.filter((name) => !Object.hasOwn(LEFT_OUT_TABLES, name)).sort(),
    );
    // The tables a farmer looks for first are there.
    for (const name of ['locations', 'devices', 'readings', 'plants', 'stock_batches', 'stock_movements', 'photos'])
      expect(exported.map((t) => t.name)).toContain(name);
    // Tables without a farm (users, the instance's secrets) are never exported whole.
    for (const name of ['users', 'croft_instance', 'refresh_tokens', 'password_resets', 'farms'])
      expect(exported.map((t) => t.name)).not.toContain(name);
  });

  it('leave out the credential tables and keep the farm’s own rows of the others', () => {
    for (const name of ['api_keys', 'device_credentials', 'calendar_feeds'])
      expect(Object.keys(LEFT_OUT_TABLES)).toContain(name);
    const invitations = exportTables(tables).find((t) => t.name === 'invitations')!;
    expect(invitations.columns.map((c) => c.name)).not.toContain('token_hash');
    expect(invitations.leftOut.map((c) => c.column)).toEqual(['token_hash']);
  });
});

describe('the rules on their own', () => {
  const table = (name: string, columns: string[], key: string[] | null = ['id']): TableInfo => ({
    name,
    columns: columns.map((c) => ({ name: c, type: c === 'id' ? 'uuid' : 'text', spatial: false })),
    key,
  });

  it('drop a secret-like column even when no one listed it', () => {
    const future = table('hive_webhooks', ['id', 'farm_id', 'url', 'signing_secret', 'Private_Key']);
    expect(unreviewedSecretColumns([future])).toEqual(['hive_webhooks.Private_Key', 'hive_webhooks.signing_secret']);
    const [exported] = exportTables([future]);
    expect(exported!.columns.map((c) => c.name)).toEqual(['id', 'farm_id', 'url']);
    expect(exported!.leftOut.map((c) => c.column)).toEqual(['signing_secret', 'Private_Key']);
  });

  it('skip tables without a farm, and keep a farm-scoped one without a primary key (read by its rows)', () => {
    expect(exportTables([table('users', ['id', 'email', 'password_hash'])])).toEqual([]);
    expect(exportTables([table('loose', ['farm_id', 'note'], null)])).toEqual([
      expect.objectContaining({ name: 'loose', key: null, keyTypes: [] }),
    ]);
    expect(exportTables([table('keyed', ['id', 'farm_id'])])[0]).toMatchObject({ key: ['id'], keyTypes: ['uuid'] });
  });

  it('match the pattern the issue names', () => {
    for (const name of ['password_hash', 'token_hash', 'secret', 'api_key_id', 'private_key', 'signing_key'])
      expect(secretLike(name), name).toBe(true);
    for (const name of ['name', 'sha256', 'storage_key', 'hardware_id', 'prefix_notes'])
      expect(secretLike(name), name).toBe(false);
    expect(Object.keys(SECRET_COLUMNS).every((c) => secretLike(c.split('.')[1]!))).toBe(true);
  });

  it('write cells and names', () => {
    expect([null, 'a,b', 3.5, true, { type: 'Point' }, [1, 2]].map(csvValue)).toEqual([
      null,
      'a,b',
      3.5,
      'true',
      '{"type":"Point"}',
      '[1,2]',
    ]);
    expect(archiveName('sunny-acres', new Date('2026-03-01T23:59:00Z'))).toBe('croft-sunny-acres-2026-03-01.tar.gz');
  });
});
