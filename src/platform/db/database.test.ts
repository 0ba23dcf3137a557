import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testBackend, type TestDatabase } from '../../../test/helpers/database.js';
import { databaseOnPostgres, type Database } from './database.js';

let t: TestDatabase;
let db: Database;
const farmA = randomUUID();
const farmB = randomUUID();

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  // A farm-scoped table with the policy the identity issue gives every such table.
  await db.raw.executeSql(`
    create table scope_probe (id serial primary key, farm_id uuid not null, note text not null);
    alter table scope_probe enable row level security;
    alter table scope_probe force row level security;
    create policy scope_probe_farm on scope_probe
      using (farm_id = croft_farm_id() or croft_scope() = 'system')
      with check (farm_id = croft_farm_id() or croft_scope() = 'system');
    grant select, insert, update, delete on scope_probe to croft_app;
    grant usage on sequence scope_probe_id_seq to croft_app;`);
});

afterAll(() => t.close());

// The probe table is not part of Croft's schema, so it is reached through raw SQL.
const insert = (farmId: string, note: string) =>
  sql`insert into scope_probe (farm_id, note) values (${farmId}, ${note})`;
const notes = sql<{ note: string }>`select note from scope_probe order by id`;

describe('scopes', () => {
  it(`run as the app role with the scope set, on ${testBackend()}`, async () => {
    const settings = await db.farm(
      farmA,
      async (tx) =>
        (
          await sql<{ role: string; scope: string; farm: string; usr: string | null }>`
        select current_user as role, croft_scope() as scope, croft_farm_id()::text as farm, croft_user_id()::text as usr`.execute(
            tx,
          )
        ).rows[0],
    );
    expect(settings).toEqual({ role: 'croft_app', scope: 'farm', farm: farmA, usr: null });
    const user = randomUUID();
    const userScope = await db.user(
      user,
      async (tx) =>
        (
          await sql<{ scope: string; farm: string | null; usr: string }>`
        select croft_scope() as scope, croft_farm_id()::text as farm, croft_user_id()::text as usr`.execute(tx)
        ).rows[0],
    );
    expect(userScope).toEqual({ scope: 'user', farm: null, usr: user });
  });

  it('shows a farm only its own rows, even to a superuser connection', async () => {
    await db.farm(farmA, (tx) => insert(farmA, 'a1').execute(tx));
    await db.farm(farmB, (tx) => insert(farmB, 'b1').execute(tx));
    expect((await db.farm(farmA, (tx) => notes.execute(tx))).rows).toEqual([{ note: 'a1' }]);
    expect((await db.farm(farmB, (tx) => notes.execute(tx))).rows).toEqual([{ note: 'b1' }]);
    expect((await db.system((tx) => notes.execute(tx))).rows).toEqual([{ note: 'a1' }, { note: 'b1' }]);
  });

  it("refuses to write another farm's row", async () => {
    await expect(db.farm(farmA, (tx) => insert(farmB, 'sneaky').execute(tx))).rejects.toThrow(/row-level security/);
  });

  it('fails closed where no farm is set', async () => {
    const user = randomUUID();
    expect((await db.user(user, (tx) => notes.execute(tx))).rows).toEqual([]);
  });

  it('leaves no setting behind once the transaction ends', async () => {
    await db.farm(farmA, (tx) => notes.execute(tx));
    const { rows } = await db.raw.executeSql(
      `select current_user as role, coalesce(current_setting('croft.farm_id', true), '') as farm`,
    );
    expect(rows[0]).toMatchObject({ farm: '' });
    expect(rows[0]?.role).not.toBe('croft_app');
  });

  it('rolls a failed transaction back', async () => {
    await expect(
      db.farm(farmA, async (tx) => {
        await insert(farmA, 'rolled back').execute(tx);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await db.farm(farmA, (tx) => notes.execute(tx))).rows).toEqual([{ note: 'a1' }]);
  });

  it("never lets one caller run inside another caller's transaction", async () => {
    // The first transaction fails after the second caller has started; the second's write must stay.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = db.farm(farmA, async (tx) => {
      await insert(farmA, 'first').execute(tx);
      await gate;
      throw new Error('first fails');
    });
    const second = db.farm(farmA, (tx) => insert(farmA, 'second').execute(tx));
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await expect(first).rejects.toThrow('first fails');
    await second;
    const rows = (await db.farm(farmA, (tx) => notes.execute(tx))).rows.map((r) => r.note);
    expect(rows).toContain('second');
    expect(rows).not.toContain('first');
  });
});

describe('values', () => {
  it('come back as the same JavaScript types on both backends', async () => {
    const { rows } = await db.system((tx) =>
      sql<Record<string, unknown>>`
      select 9007199254740991::int8 as big, 12.5::numeric as num, '2026-03-01'::date as day,
        '2026-03-01T12:00:00.123Z'::timestamptz as at, '{"a":[1,2]}'::jsonb as doc,
        array[1,2]::int8[] as bigs, ${JSON.stringify({ k: 'v' })}::jsonb as param_doc,
        ${{ k: 'object' }}::jsonb as object_param, ST_AsText(ST_GeomFromText('POINT(104.9 11.5)', 4326)) as point`.execute(
        tx,
      ),
    );
    expect(rows[0]).toEqual({
      big: 9007199254740991,
      num: 12.5,
      day: '2026-03-01',
      at: new Date('2026-03-01T12:00:00.123Z'),
      doc: { a: [1, 2] },
      bigs: [1, 2],
      param_doc: { k: 'v' },
      object_param: { k: 'object' },
      point: 'POINT(104.9 11.5)',
    });
  });

  it('run scripts of several statements when there are no parameters', async () => {
    const { rows } = await db.raw.executeSql('select 1 as one; select 2 as two');
    expect(rows).toEqual([{ one: 1 }, { two: 2 }]);
  });
});

describe('copyInto', () => {
  it("copies rows into a staging table of the farm's transaction, which an INSERT … SELECT moves under the policy", async () => {
    const copied = await db.farm(farmB, async (tx) => {
      await sql`create temp table probe_staging (note text not null) on commit drop`.execute(tx);
      const count = await db.copyInto(tx, 'probe_staging', ['note'], 'copied 1\ncopied 2\n');
      // Back in the app role: the policy checks what the staging table hands over.
      const role = (await sql<{ role: string }>`select current_user as role`.execute(tx)).rows[0]?.role;
      await sql`insert into scope_probe (farm_id, note) select ${farmB}::uuid, note from probe_staging`.execute(tx);
      return { count, role };
    });
    expect(copied).toEqual({ count: 2, role: 'croft_app' });
    const rows = (await db.farm(farmB, (tx) => notes.execute(tx))).rows.map((r) => r.note);
    expect(rows).toEqual(expect.arrayContaining(['copied 1', 'copied 2']));
    // The staging table went with its transaction.
    const { rows: left } = await db.raw.executeSql(`select to_regclass('pg_temp.probe_staging') is null as gone`);
    expect(left[0]).toEqual({ gone: true });
  });

  it("still refuses another farm's rows once copied, and rolls the copy back with the transaction", async () => {
    await expect(
      db.farm(farmA, async (tx) => {
        await sql`create temp table probe_staging (note text not null) on commit drop`.execute(tx);
        await db.copyInto(tx, 'probe_staging', ['note'], 'sneaky copy\n');
        await sql`insert into scope_probe (farm_id, note) select ${farmB}::uuid, note from probe_staging`.execute(tx);
      }),
    ).rejects.toThrow(/row-level security/);
    const rows = (await db.system((tx) => notes.execute(tx))).rows.map((r) => r.note);
    expect(rows).not.toContain('sneaky copy');
  });

  it('takes identifiers, and a temporary table only', async () => {
    await expect(db.farm(farmA, (tx) => db.copyInto(tx, 'scope_probe; drop table x', ['note'], ''))).rejects.toThrow(
      /not an identifier/,
    );
    // Never into a real table: COPY FROM would pass by its policy (on PGlite the copy runs as the owner).
    await expect(
      db.farm(farmA, (tx) => db.copyInto(tx, 'scope_probe', ['farm_id', 'note'], `${farmB}\tnot mine\n`)),
    ).rejects.toThrow(/temporary \(staging\) table only/);
    const rows = (await db.system((tx) => notes.execute(tx))).rows.map((r) => r.note);
    expect(rows).not.toContain('not mine');
  });
});

describe('start-up check', () => {
  it('refuses a role that can bypass row-level security', async () => {
    const { assertRowSecurityHolds } = await import('./row-security.js');
    await expect(assertRowSecurityHolds(db)).resolves.toBeUndefined();
    const role = `croft_probe_${Date.now()}`;
    await db.raw.executeSql(`create role ${role} nologin bypassrls`);
    try {
      await expect(assertRowSecurityHolds(db, role)).rejects.toMatchObject({ code: 'APP_ROLE_BYPASSES_RLS' });
    } finally {
      await db.raw.executeSql(`drop role ${role}`);
    }
    await expect(assertRowSecurityHolds(db, 'croft_no_such_role')).rejects.toMatchObject({ code: 'APP_ROLE_MISSING' });
  });
});

describe.runIf(testBackend() === 'postgres')('statement timeout', () => {
  it('is set on every pool connection, so PostgreSQL cancels a runaway statement; 0 leaves it off', async () => {
    const timed = databaseOnPostgres(t.url!, 2, undefined, 250);
    const untimed = databaseOnPostgres(t.url!, 1);
    try {
      const show = async (on: Database) =>
        (await on.raw.executeSql('show statement_timeout')).rows[0] as { statement_timeout: string };
      expect(await show(timed)).toEqual({ statement_timeout: '250ms' });
      expect(await show(untimed)).toEqual({ statement_timeout: '0' });
      await expect(timed.raw.executeSql('select pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await timed.close();
      await untimed.close();
    }
  });
});
