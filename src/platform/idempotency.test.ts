import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testBackend, type TestDatabase } from '../../test/helpers/database.js';
import type { Tx } from './db/database.js';
import { DomainError } from './errors.js';
import { canonicalJson, idempotent, requestHash } from './idempotency.js';

interface Note {
  farm_id: string;
  id: string;
  body: string;
  request_hash: string | null;
}

let t: TestDatabase;
const farmA = randomUUID();
const farmB = randomUUID();

beforeAll(async () => {
  t = await createTestDatabase();
  // A table of client-made ids as a module would have it: unique per farm, with the request's hash.
  await t.db.raw.executeSql(`create table idem_notes (farm_id uuid not null, id uuid not null, body text not null,
    request_hash text, primary key (farm_id, id));
    grant select, insert, delete on idem_notes to croft_app`);
});

afterAll(() => t.close());

const find = async (tx: Tx, farmId: string, id: string) =>
  (
    await sql<Note>`
  select * from idem_notes where farm_id = ${farmId} and id = ${id}`.execute(tx)
  ).rows[0];
const insert = async (tx: Tx, note: Note) =>
  (
    await sql<Note>`
  insert into idem_notes (farm_id, id, body, request_hash)
  values (${note.farm_id}, ${note.id}, ${note.body}, ${note.request_hash})
  on conflict (farm_id, id) do nothing returning *`.execute(tx)
  ).rows[0];
const count = async (farmId: string, id: string) =>
  Number(
    (
      await t.db.raw.executeSql('select count(*)::int as n from idem_notes where farm_id = $1 and id = $2', [
        farmId,
        id,
      ])
    ).rows[0]!.n,
  );

/** Writes a note under a client-made id the way a module would. */
interface Hooks {
  /** Runs after the insert, before the transaction commits. */
  afterCreate?: () => Promise<void>;
  /** The first look misses the row, as when a concurrent twin commits between the look and the insert. */
  findFirst?: 'miss';
}

function write(farmId: string, id: string, body: string, hooks: Hooks = {}) {
  return t.db.farm(farmId, (tx) => {
    let misses = hooks.findFirst === 'miss' ? 1 : 0;
    return idempotent({
      request: { body },
      find: async () => (misses-- > 0 ? undefined : find(tx, farmId, id)),
      create: async (hash) => {
        const made = await insert(tx, { farm_id: farmId, id, body, request_hash: hash });
        await hooks.afterCreate?.();
        return made;
      },
      storedHash: (row) => row.request_hash,
      details: { id },
    });
  });
}

const errorOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('the request hash', () => {
  it('ignores key order and undefined members, not values, array order or nesting', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true }, e: undefined })).toBe(
      '{"a":{"c":true,"d":[1,"x",null]},"b":1}',
    );
    expect(requestHash({ a: 1, b: { c: 2, d: 3 } })).toBe(requestHash({ b: { d: 3, c: 2 }, a: 1, z: undefined }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
    expect(requestHash({ a: [1, 2] })).not.toBe(requestHash({ a: [2, 1] }));
    expect(requestHash({ a: '1' })).not.toBe(requestHash({ a: 1 }));
    expect(requestHash({ a: null })).not.toBe(requestHash({}));
    expect(requestHash({ at: new Date('2026-06-10T12:00:00Z') })).toBe(requestHash({ at: '2026-06-10T12:00:00.000Z' }));
    expect(requestHash({})).toMatch(/^[0-9a-f]{64}$/);
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
  });
});

describe('idempotent', () => {
  it('makes the row first, answers it again for the same request, and refuses a different one', async () => {
    const id = randomUUID();
    const first = await write(farmA, id, 'hello');
    const hash = requestHash({ body: 'hello' });
    expect(first).toMatchObject({ created: true, row: { id, body: 'hello', request_hash: hash } });
    const again = await write(farmA, id, 'hello');
    expect(again).toEqual({ created: false, row: first.row });
    const different = await errorOf(write(farmA, id, 'goodbye'));
    expect(different).toBeInstanceOf(DomainError);
    expect(different).toMatchObject({ kind: 'conflict', code: 'IDEMPOTENCY_CONFLICT', details: { id } });
    expect(await count(farmA, id)).toBe(1);
  });

  it('keeps each farm its own ids: another farm may use the same one, with another request', async () => {
    const id = randomUUID();
    expect((await write(farmA, id, 'in A')).created).toBe(true);
    expect((await write(farmB, id, 'in B')).created).toBe(true);
    expect((await write(farmB, id, 'in B')).created).toBe(false);
    expect([await count(farmA, id), await count(farmB, id)]).toEqual([1, 1]);
  });

  it('answers any request for a row stored before hashes were kept', async () => {
    const id = randomUUID();
    await t.db.raw.executeSql('insert into idem_notes (farm_id, id, body) values ($1, $2, $3)', [farmA, id, 'old']);
    expect(await write(farmA, id, 'whatever')).toMatchObject({
      created: false,
      row: { body: 'old', request_hash: null },
    });
  });

  it('answers the winner when its insert meets the id (a lost race), or refuses a different request', async () => {
    const id = randomUUID();
    await write(farmA, id, 'winner');
    const lost = await write(farmA, id, 'winner', { findFirst: 'miss' });
    expect(lost).toMatchObject({ created: false, row: { body: 'winner' } });
    const different = await errorOf(write(farmA, id, 'loser', { findFirst: 'miss' }));
    expect(different).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    expect(await count(farmA, id)).toBe(1);
  });

  it('stores one row for two identical requests at once: one made, one answered', async () => {
    const id = randomUUID();
    // The first holds its transaction open after inserting until the second has looked (PostgreSQL: the
    // second then waits on the first's insert) or a moment has passed (PGlite runs one transaction at a time).
    let looked!: () => void;
    const secondLooked = new Promise<void>((resolve) => (looked = resolve));
    let looks = 0;
    const aMoment = new Promise<void>((resolve) => setTimeout(resolve, 300));
    const first = write(farmA, id, 'twin', { afterCreate: () => Promise.race([secondLooked, aMoment]) });
    const second = t.db.farm(farmA, (tx) =>
      idempotent({
        request: { body: 'twin' },
        find: async () => {
          const row = await find(tx, farmA, id);
          looks++;
          looked();
          return row;
        },
        create: (hash) => insert(tx, { farm_id: farmA, id, body: 'twin', request_hash: hash }),
        storedHash: (row) => row.request_hash,
      }),
    );
    const results = await Promise.all([first, second]);
    expect(results.map((r) => r.created).sort()).toEqual([false, true]);
    expect(results[0]!.row).toEqual(results[1]!.row);
    expect(await count(farmA, id)).toBe(1);
    // On PostgreSQL the second looked before the first committed, met the id on inserting, and looked again.
    if (testBackend() === 'postgres') expect([looks, results[1]!.created]).toEqual([2, false]);
  });
});
