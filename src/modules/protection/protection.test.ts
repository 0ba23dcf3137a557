import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Json, type TestApp } from '../../../test/helpers/app.js';
import { createFarm, login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';
import { DEFAULT_PROTECTION_SEED_DIR, loadProtectionSeed, protectionReads } from './index.js';
import { ProtectionSeedError } from './protection.seed.js';

/** The plant-protection catalogue through the API: Croft's seeded rows, a farm's own, confirmed intervals. */

let t: TestApp;
let admin: Actor;
let worker: Actor;
let farm: FarmRef;
let other: FarmRef;

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin, at = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${at.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

const fieldsOf = (body: Json) => (body.details.fields as Array<{ field: string }>).map((f) => f.field);

async function all(path: string): Promise<Json[]> {
  const rows: Json[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await api('GET', `${path}${sep}limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    rows.push(...(res.body.data as Json[]));
    cursor = res.body.next_cursor as string | null;
  } while (cursor);
  return rows;
}

const byKey = async (kind: string, key: string) => {
  const row = (await all(`/${kind}?origin=global&q=${encodeURIComponent(key.split('-')[0]!)}`)).find(
    (r) => r.key === key,
  );
  expect(row, key).toBeDefined();
  return row!;
};

const chemical = (over: Record<string, unknown> = {}) => ({
  name: 'Farm pyrethrin spray',
  method: 'chemical',
  description: 'The pyrethrin concentrate the farm buys, sprayed in the evening.',
  active_ingredient: 'pyrethrins',
  mode_of_action: { scheme: 'IRAC', code: '03a' },
  pre_harvest_interval_days: 2,
  ...over,
});

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  worker = await member(t.app, admin, farm, 'worker');
  other = await createFarm(t.app, admin, 'Other Farm');
});

afterAll(() => t.close());

describe('the seeded catalogue', () => {
  it('holds at least 40 pests, 40 diseases and 40 treatments, read-only and linked to the families', async () => {
    const pests = await all('/pests?origin=global');
    const diseases = await all('/diseases?origin=global');
    const treatments = await all('/treatments?origin=global');
    expect(pests.length).toBeGreaterThanOrEqual(40);
    expect(diseases.length).toBeGreaterThanOrEqual(40);
    expect(treatments.length).toBeGreaterThanOrEqual(40);
    expect(new Set(pests.map((p) => p.id)).size).toBe(pests.length);
    const aphid = pests.find((p) => p.key === 'green-peach-aphid')!;
    expect(aphid).toMatchObject({ origin: 'global', kind: 'insect', scientific_name: 'Myzus persicae' });
    expect(aphid.host_families).toContain('solanaceae');
    const blight = diseases.find((d) => d.key === 'late-blight')!;
    expect(blight).toMatchObject({
      kind: 'oomycete',
      pathogen: 'Phytophthora infestans',
      host_families: ['solanaceae'],
    });
    const imidacloprid = treatments.find((r) => r.key === 'imidacloprid')!;
    expect(imidacloprid).toMatchObject({
      method: 'chemical',
      mode_of_action: { scheme: 'IRAC', code: '4A' },
      resistance_group: 'IRAC 4A',
      interval_days: 7,
      interval_status: 'typical',
      typical_interval_days: 7,
      interval_confirmed_at: null,
    });
    expect((imidacloprid.pests as Json[]).map((p) => p.key)).toContain('green-peach-aphid');
    // Every chemical treatment has its interval, ingredient and group; every seeded interval is typical.
    for (const r of treatments.filter((x) => x.method === 'chemical'))
      expect([r.interval_days > 0, !!r.active_ingredient, !!r.mode_of_action, r.interval_status], r.key).toEqual([
        true,
        true,
        true,
        'typical',
      ]);
    expect(treatments.some((r) => r.interval_status === 'confirmed')).toBe(false);
  });

  it('filters by text, kind, method, family and target, and pages', async () => {
    const mites = await all('/pests?kind=mite');
    expect(mites.length).toBeGreaterThan(0);
    expect(mites.every((p) => p.kind === 'mite')).toBe(true);
    const onBrassicas = await all('/diseases?family=brassicaceae');
    expect(onBrassicas.length).toBeGreaterThan(0);
    expect(onBrassicas.every((d) => (d.host_families as string[]).includes('brassicaceae'))).toBe(true);
    expect(onBrassicas.map((d) => d.key)).toContain('clubroot');
    const blight = await byKey('diseases', 'late-blight');
    const forBlight = await all(`/treatments?disease=${blight.id as string}`);
    expect(forBlight.map((r) => r.key)).toEqual(expect.arrayContaining(['mancozeb', 'copper-hydroxide']));
    expect(forBlight.every((r) => (r.diseases as Json[]).some((d) => d.id === blight.id))).toBe(true);
    expect((await all('/treatments?disease=late-blight')).map((r) => r.id)).toEqual(forBlight.map((r) => r.id));
    const chemicalsForAphid = await all('/treatments?pest=green-peach-aphid&method=chemical');
    expect(chemicalsForAphid.map((r) => r.key)).toContain('imidacloprid');
    expect(chemicalsForAphid.every((r) => r.method === 'chemical')).toBe(true);
    const byIngredient = await all('/treatments?q=IMIDACLO');
    expect(byIngredient.map((r) => r.key)).toEqual(['imidacloprid']);
    const solanaceae = await all('/treatments?family=solanaceae');
    expect(solanaceae.map((r) => r.key)).toEqual(expect.arrayContaining(['mancozeb', 'imidacloprid']));
    expect((await all('/treatments?family=no-such-family')).length).toBe(0);

    const first = await api('GET', '/pests?limit=5');
    const second = await api('GET', `/pests?limit=5&cursor=${first.body.next_cursor as string}`);
    expect(first.body.data).toHaveLength(5);
    const names = [...(first.body.data as Json[]), ...(second.body.data as Json[])].map((p) =>
      (p.name as string).toLowerCase(),
    );
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(10);
  });

  it('refuses to change or delete a global row (403), and names bad filters (400)', async () => {
    const aphid = await byKey('pests', 'green-peach-aphid');
    const patch = await api('PATCH', `/pests/${aphid.id as string}`, { notes: 'mine' });
    expect(patch.status).toBe(403);
    expect(patch.body.error_code).toBe('GLOBAL_ROW_READ_ONLY');
    const mancozeb = await byKey('treatments', 'mancozeb');
    expect((await api('DELETE', `/treatments/${mancozeb.id as string}`)).status).toBe(403);
    expect((await api('GET', '/pests?kind=dragon')).status).toBe(400);
    expect((await api('GET', '/treatments?method=prayer')).status).toBe(400);
    const cursor = await api('GET', '/pests?cursor=not-a-cursor');
    expect(cursor.status).toBe(400);
    expect(fieldsOf(cursor.body)).toEqual(['query.cursor']);
  });
});

describe("a farm's own rows", () => {
  it('adds a pest, a disease and a treatment once per client-made id, beside the global rows', async () => {
    const id = randomUUID();
    const pest = {
      id,
      name: 'Local stem borer',
      scientific_name: 'Chilo sp.',
      kind: 'insect',
      host_families: ['poaceae'],
      symptoms: 'Dead hearts in young maize.',
      signs: ['bore holes with frass'],
    };
    const created = await api('POST', '/pests', pest);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ id, origin: 'farm', key: null, host_families: ['poaceae'] });
    expect((await api('POST', '/pests', pest)).status).toBe(200);
    const twin = await api('POST', '/pests', { ...pest, symptoms: 'Something else.' });
    expect(twin.status).toBe(409);
    expect(twin.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
    expect((await api('POST', '/pests', { ...pest, id: randomUUID(), name: 'LOCAL STEM BORER' })).status).toBe(409);
    expect((await all('/pests?origin=farm')).map((p) => p.id)).toEqual([id]);
    expect((await all('/pests?family=poaceae')).map((p) => p.id)).toContain(id);

    const disease = await api('POST', '/diseases', {
      id: randomUUID(),
      name: 'Leaf scorch of our maize',
      pathogen: null,
      kind: 'physiological',
      host_families: ['poaceae'],
      symptoms: 'Brown leaf edges after dry wind.',
      favoured_by: ['hot dry wind'],
    });
    expect(disease.status, JSON.stringify(disease.body)).toBe(201);

    const aphid = await byKey('pests', 'green-peach-aphid');
    const treatmentId = randomUUID();
    const treatment = await api('POST', '/treatments', chemical({ id: treatmentId, pests: [id, aphid.id] }));
    expect(treatment.status, JSON.stringify(treatment.body)).toBe(201);
    expect(treatment.body).toMatchObject({
      id: treatmentId,
      origin: 'farm',
      mode_of_action: { scheme: 'IRAC', code: '3A' },
      resistance_group: 'IRAC 3A',
      interval_days: 2,
      interval_status: 'typical',
    });
    expect((treatment.body.pests as Json[]).map((p) => p.id).sort()).toEqual([id, aphid.id].sort());
    expect((await all(`/treatments?pest=${id}`)).map((r) => r.id)).toEqual([treatmentId]);

    // Changed and deleted; a deleted pest's links go with it.
    const changed = await api('PATCH', `/pests/${id}`, {
      notes: 'Seen in the east field',
      host_families: ['poaceae', 'solanaceae'],
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ notes: 'Seen in the east field', host_families: ['poaceae', 'solanaceae'] });
    expect((await api('DELETE', `/pests/${id}`)).status).toBe(204);
    expect((await api('GET', `/pests/${id}`)).status).toBe(404);
    const after = await api('GET', `/treatments/${treatmentId}`);
    expect((after.body.pests as Json[]).map((p) => p.id)).toEqual([aphid.id]);
  });

  it('refuses each bad input with 400 naming the field', async () => {
    const aphid = await byKey('pests', 'green-peach-aphid');
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [
        chemical({ name: 'a', pests: [aphid.id], pre_harvest_interval_days: undefined }),
        ['body.pre_harvest_interval_days'],
      ],
      [chemical({ name: 'b', pests: [aphid.id], active_ingredient: undefined }), ['body.active_ingredient']],
      [chemical({ name: 'c', pests: [aphid.id], mode_of_action: undefined }), ['body.mode_of_action']],
      [
        chemical({ name: 'd', pests: [aphid.id], mode_of_action: { scheme: 'HRAC', code: 'G' } }),
        ['body.mode_of_action.code'],
      ],
      [
        chemical({ name: 'e', pests: [aphid.id], mode_of_action: { scheme: 'IRAC', code: 'M02' } }),
        ['body.mode_of_action.code'],
      ],
      [chemical({ name: 'f', pests: [] }), ['body.pests']],
      [chemical({ name: 'g', pests: [aphid.id], pre_harvest_interval_days: 0 }), ['body.pre_harvest_interval_days']],
      [{ name: 'h', method: 'biological', description: 'A predator', pests: [aphid.id] }, ['body.organism']],
      [
        { name: 'i', method: 'cultural', description: 'Rotation', pests: [aphid.id], interval_status: 'confirmed' },
        ['body.interval_status'],
      ],
    ];
    for (const [body, fields] of cases) {
      const res = await api('POST', '/treatments', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect([...new Set(fieldsOf(res.body))], JSON.stringify(body)).toEqual(fields);
    }
    const pest = await api('POST', '/pests', {
      name: 'Unknown host',
      scientific_name: 'X y',
      kind: 'insect',
      host_families: ['dragonaceae'],
      symptoms: 'None.',
    });
    expect(pest.status).toBe(400);
    expect(fieldsOf(pest.body)).toEqual(['body.host_families[0]']);
    const disease = await api('POST', '/diseases', {
      name: 'No pathogen',
      kind: 'fungal',
      host_families: ['poaceae'],
      symptoms: 'Spots.',
    });
    expect(disease.status).toBe(400);
    expect(fieldsOf(disease.body)).toEqual(['body.pathogen']);
    expect((await api('POST', '/pests', {})).status).toBe(400);
    expect((await api('PATCH', `/pests/${randomUUID()}`, {})).status).toBe(400);
    // A non-chemical treatment may become chemical only with the chemical rule met.
    const rotation = await api('POST', '/treatments', {
      name: 'Our rotation',
      method: 'cultural',
      description: 'Three years between tomatoes.',
      pests: [aphid.id],
    });
    expect(rotation.status).toBe(201);
    const toChemical = await api('PATCH', `/treatments/${rotation.body.id as string}`, { method: 'chemical' });
    expect(toChemical.status).toBe(400);
    expect(fieldsOf(toChemical.body).sort()).toEqual(
      ['body.active_ingredient', 'body.mode_of_action', 'body.pre_harvest_interval_days'].sort(),
    );
    expect((await api('POST', '/treatments', chemical({ pests: [aphid.id] }), worker)).status).toBe(403);
  });

  it("answers 404 for another farm's rows, reading, writing or naming them as targets", async () => {
    const theirs = await api(
      'POST',
      '/pests',
      {
        name: 'Their pest',
        scientific_name: 'Z z',
        kind: 'mite',
        host_families: ['solanaceae'],
        symptoms: 'Spots.',
      },
      admin,
      other,
    );
    expect(theirs.status).toBe(201);
    const id = theirs.body.id as string;
    expect((await api('GET', `/pests/${id}`)).status).toBe(404);
    expect((await api('PATCH', `/pests/${id}`, { notes: 'x' })).status).toBe(404);
    expect((await api('DELETE', `/pests/${id}`)).status).toBe(404);
    expect((await all('/pests?origin=farm')).map((p) => p.id)).not.toContain(id);
    const naming = await api('POST', '/treatments', chemical({ name: 'Names theirs', pests: [id] }));
    expect(naming.status).toBe(404);
    const theirTreatment = await api('POST', '/treatments', chemical({ pests: [id] }), admin, other);
    expect(theirTreatment.status).toBe(201);
    const tid = theirTreatment.body.id as string;
    expect((await api('GET', `/treatments/${tid}`)).status).toBe(404);
    expect((await api('PUT', `/treatments/${tid}/interval`, { days: 3, confirmed: true })).status).toBe(404);
    // Its id is taken: this farm cannot reuse it.
    const reuse = await api('POST', '/pests', {
      id,
      name: 'Reused id',
      scientific_name: 'Z z',
      kind: 'mite',
      host_families: ['solanaceae'],
      symptoms: 'Spots.',
    });
    expect(reuse.status).toBe(409);
  });
});

describe('confirming an interval', () => {
  it('keeps a farm’s confirmed days for a global treatment, for that farm only; the typical value stays', async () => {
    const mancozeb = await byKey('treatments', 'mancozeb');
    const path = `/treatments/${mancozeb.id as string}/interval`;
    expect((await api('PUT', path, { days: 21 })).status).toBe(400);
    expect((await api('PUT', path, { days: 0, confirmed: true })).status).toBe(400);
    expect((await api('PUT', path, { days: 21, confirmed: false })).status).toBe(400);
    expect((await api('PUT', path, { days: 21, confirmed: true }, worker)).status).toBe(403);
    const confirmed = await api('PUT', path, { days: 21, confirmed: true });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toMatchObject({
      interval_days: 21,
      interval_status: 'confirmed',
      typical_interval_days: 7,
    });
    expect(confirmed.body.interval_confirmed_at).toEqual(expect.any(String));
    expect((await api('GET', `/treatments/${mancozeb.id as string}`)).body.interval_days).toBe(21);
    const listed = (await all('/treatments?q=mancozeb')).find((r) => r.id === mancozeb.id)!;
    expect(listed.interval_status).toBe('confirmed');
    // Another farm still sees the typical interval.
    const theirs = await api('GET', `/treatments/${mancozeb.id as string}`, undefined, admin, other);
    expect(theirs.body).toMatchObject({ interval_days: 7, interval_status: 'typical' });
    // Corrected again: the latest confirmation counts.
    expect((await api('PUT', path, { days: 14, confirmed: true })).body.interval_days).toBe(14);

    const read = await t.deps.db.farm(farm.id, (tx) =>
      protectionReads.treatmentForFarm(tx, farm.id, mancozeb.id as string),
    );
    expect(read).toMatchObject({ intervalDays: 14, intervalStatus: 'confirmed', resistanceGroup: 'FRAC M03' });
    const typical = await t.deps.db.farm(other.id, (tx) =>
      protectionReads.treatmentForFarm(tx, other.id, mancozeb.id as string),
    );
    expect(typical).toMatchObject({ intervalDays: 7, intervalStatus: 'typical' });
  });

  it('confirms the farm’s own treatment on its row; changed days are typical again', async () => {
    const aphid = await byKey('pests', 'green-peach-aphid');
    const own = await api('POST', '/treatments', chemical({ name: 'Own spray', pests: [aphid.id] }));
    expect(own.status).toBe(201);
    const id = own.body.id as string;
    const confirmed = await api('PUT', `/treatments/${id}/interval`, { days: 3, confirmed: true });
    expect(confirmed.body).toMatchObject({ interval_days: 3, interval_status: 'confirmed', typical_interval_days: 3 });
    const changed = await api('PATCH', `/treatments/${id}`, { pre_harvest_interval_days: 5 });
    expect(changed.body).toMatchObject({ interval_days: 5, interval_status: 'typical' });
    const stated = await api('PATCH', `/treatments/${id}`, {
      pre_harvest_interval_days: 6,
      interval_status: 'confirmed',
    });
    expect(stated.body).toMatchObject({ interval_days: 6, interval_status: 'confirmed' });
    const other = await t.deps.db.farm(farm.id, (tx) => protectionReads.treatmentForFarm(tx, farm.id, randomUUID()));
    expect(other).toBeNull();
  });
});

describe('the seed loader', () => {
  it('skips unchanged files, retires a row the files no longer hold, brings it back, and refuses a bad row', async () => {
    const names = ['pests.yaml', 'diseases.yaml', 'treatments.yaml'];
    const shipped = Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, await readFile(path.join(DEFAULT_PROTECTION_SEED_DIR, n), 'utf8')])),
    ) as Record<string, string>;
    const dir = await mkdtemp(path.join(tmpdir(), 'croft-protection-'));
    const load = async (treatments: string) => {
      for (const n of names) await writeFile(path.join(dir, n), n === 'treatments.yaml' ? treatments : shipped[n]!);
      return loadProtectionSeed(t.deps.db, { dir, clock: t.clock, log: t.deps.log });
    };
    const keys = async () => (await all('/treatments?q=chlorothalonil')).map((r) => r.key as string);
    const before = await byKey('treatments', 'chlorothalonil');
    try {
      expect(await load(shipped['treatments.yaml']!)).toMatchObject({ loaded: false });
      const moved = await load(
        shipped['treatments.yaml']!.replace('- key: chlorothalonil\n', '- key: chlorothalonil-720\n'),
      );
      expect(moved).toMatchObject({ loaded: true, counts: { inserted: 1, retired: 1 } });
      expect(moved.counts!.treatments).toBeGreaterThanOrEqual(40);
      expect(await keys()).toEqual(['chlorothalonil-720']);
      // The retired row is still read by id (applications name it), marked retired.
      expect((await api('GET', `/treatments/${before.id as string}`)).body).toMatchObject({ retired: true });
      expect(await load(shipped['treatments.yaml']!)).toMatchObject({
        loaded: true,
        counts: { inserted: 0, retired: 1 },
      });
      expect(await keys()).toEqual(['chlorothalonil']);
      expect((await api('GET', `/treatments/${before.id as string}`)).body).toMatchObject({ retired: false });

      const bad = shipped['treatments.yaml']!.replace('  active_ingredient: lambda-cyhalothrin\n', '');
      await expect(load(bad)).rejects.toBeInstanceOf(ProtectionSeedError);
      await expect(load(bad)).rejects.toThrow(/lambda-cyhalothrin: active_ingredient/);
      expect((await byKey('treatments', 'lambda-cyhalothrin')).active_ingredient).toBe('lambda-cyhalothrin');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
