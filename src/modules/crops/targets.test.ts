import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Json } from '../../../test/helpers/app.js';
import {
  createDevice,
  createLocation,
  setupAdmin,
  type Actor,
  type FarmRef,
  type Location,
} from '../../../test/helpers/factories.js';

/** A place's climate targets from its crop's phase: what alert rules and light schedules will follow. */

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let greenhouse: Location;
let bed: Location;

async function api(method: string, path: string, payload?: unknown) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${farm.slug}${path}`,
    headers: admin.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

async function plantedRun(name: string, species: string, prefix: string, quantity = 2) {
  const run = (
    await api('POST', '/planting-runs', {
      name,
      type: 'monoculture',
      location: bed.id,
      entries: [{ species, quantity, id_prefix: prefix }],
    })
  ).body;
  expect((await api('POST', `/planting-runs/${run.id}/plants`, {})).status).toBe(201);
  return run;
}

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  greenhouse = await createLocation(t.app, admin, farm, { name: 'Greenhouse 2', type: 'greenhouse', code: 'GH2' });
  bed = await createLocation(t.app, admin, farm, { name: 'Bed 1', type: 'bed', parent_id: greenhouse.id });
});

afterAll(() => t.close());

describe('a location’s target source', () => {
  it('is none without a crop, the one run growing there, and follows its phase', async () => {
    const none = (await api('GET', `/locations/${greenhouse.id}/target-source`)).body;
    expect(none).toMatchObject({ targets: null, problem: { code: 'NO_TARGET_SOURCE', runs: [] } });

    const tomatoes = await plantedRun('Tomatoes', 'solanum-lycopersicum', 'TOM');
    await api('POST', `/planting-runs/${tomatoes.id}/phase-transitions`, { to: 'vegetative' });
    const vegetative = (await api('GET', `/locations/${greenhouse.id}/target-source`)).body;
    expect(vegetative.problem).toBeNull();
    expect(vegetative.targets).toMatchObject({ run: { id: tomatoes.id }, phase: 'vegetative', photoperiod_h: 18 });
    expect(vegetative.targets.day.temperature_c).toEqual(expect.any(Number));

    await api('POST', `/planting-runs/${tomatoes.id}/phase-transitions`, { to: 'flowering' });
    const flowering = (await api('GET', `/locations/${greenhouse.id}/target-source`)).body;
    expect(flowering.targets.phase).toBe('flowering');
    expect(flowering.targets.photoperiod_h).not.toBe(18);
  });

  it('refuses to guess between two runs, names them, and takes the one chosen', async () => {
    const peppers = await plantedRun('Peppers', 'capsicum-annuum', 'PEP');
    const answer = (await api('GET', `/locations/${greenhouse.id}/target-source`)).body;
    expect(answer.problem.code).toBe('TARGET_SOURCE_AMBIGUOUS');
    expect(answer.problem.runs.map((r: Json) => r.name)).toEqual(['Peppers', 'Tomatoes']);
    expect(answer.problem.message).toContain('Peppers, Tomatoes');
    // What a rule that follows the targets gets: a 422 naming the runs.
    await expect(
      t.deps.db.farm(farm.id, (tx) => t.deps.targets.require(tx, farm.id, greenhouse.id)),
    ).rejects.toMatchObject({ code: 'TARGET_SOURCE_AMBIGUOUS', details: { runs: expect.any(Array) } });

    const chosen = await api('PUT', `/locations/${greenhouse.id}/target-source`, { run: peppers.id });
    expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
    expect(chosen.body).toMatchObject({
      chosen_run_id: peppers.id,
      targets: { run: { name: 'Peppers' }, phase: 'germination' },
    });
    const targets = await t.deps.db.farm(farm.id, (tx) => t.deps.targets.require(tx, farm.id, greenhouse.id));
    expect(targets.run.id).toBe(peppers.id);

    // A run that ends stops setting targets: back to refusing a guess once there are two again.
    await api('POST', `/planting-runs/${peppers.id}/status`, { to: 'completed' });
    expect((await api('GET', `/locations/${greenhouse.id}/target-source`)).body.targets.run.name).toBe('Tomatoes');
    expect(
      (await api('PUT', `/locations/${greenhouse.id}/target-source`, { run: null })).body.chosen_run_id,
    ).toBeNull();
  });
});

describe('alert rules that follow the crop', () => {
  it('take the phase’s range for the time of day, and the next phase’s after a move', async () => {
    const house = await createLocation(t.app, admin, farm, { name: 'Greenhouse 3', type: 'greenhouse', code: 'GH3' });
    const beds = await createLocation(t.app, admin, farm, { name: 'Bed 3', type: 'bed', parent_id: house.id });
    await createDevice(t.app, admin, farm, { device_id: 'gh3-climate', location_id: house.id });
    const rule = {
      name: 'GH3 humidity',
      kind: 'threshold',
      metric: 'humidity',
      location: house.id,
      follow: 'phase_target',
      aggregate: 'last',
      window_s: 600,
      severity: 'warning',
    };
    // Nothing grows there yet: a rule that follows targets is refused, naming why.
    const early = await api('POST', '/alert-rules', rule);
    expect(early.status).toBe(422);
    expect(early.body.error_code).toBe('NO_TARGET_SOURCE');
    const fixed = await api('POST', '/alert-rules', { ...rule, operator: '>', value: 80 });
    expect(fixed.status).toBe(400);
    expect(JSON.stringify(fixed.body.details)).toContain('body.value');

    const run = (
      await api('POST', '/planting-runs', {
        name: 'Tomatoes GH3',
        type: 'monoculture',
        location: beds.id,
        entries: [{ species: 'solanum-lycopersicum', quantity: 2, id_prefix: 'TOM' }],
      })
    ).body;
    await api('POST', `/planting-runs/${run.id}/plants`, {});
    await api('POST', `/planting-runs/${run.id}/phase-transitions`, { to: 'vegetative' });
    const made = await api('POST', '/alert-rules', rule);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    // 07:30 in Phnom Penh: day (18 h of light from 06:00); vegetative's day humidity 60 % ± 5.
    expect(made.body.targets_now).toEqual({
      run: { id: run.id, name: 'Tomatoes GH3' },
      phase: 'vegetative',
      period: 'day',
      low: 55,
      high: 65,
      light: { start: '06:00', hours: 18, schedule: null },
    });

    const humidity = async (value: number, minute: number) => {
      const ts = new Date(t.clock.now().getTime() - (10 - minute) * 60_000).toISOString();
      expect(
        (await api('POST', '/telemetry', { readings: [{ device: 'gh3-climate', metric: 'humidity', ts, value }] }))
          .status,
      ).toBe(200);
      await t.deps.services.alerts.evaluate(farm.id);
      return ((await api('GET', '/alerts?state=active')).body.data as Json[]).filter((a) => a.rule_id === made.body.id);
    };
    expect(await humidity(62, 1)).toEqual([]);
    await api('POST', `/planting-runs/${run.id}/phase-transitions`, { to: 'flowering' });
    const rules = (await api('GET', '/alert-rules')).body.data as Json[];
    expect(rules.find((r) => r.id === made.body.id)!.targets_now).toMatchObject({
      phase: 'flowering',
      low: 45,
      high: 55,
    });
    // The same 62 % is inside vegetative's range and outside flowering's: an alert, with nobody editing the rule.
    const raised = await humidity(62, 2);
    expect(raised).toHaveLength(1);
    expect(raised[0]!.message).toContain("outside the crop's targets");

    // A manager pins the rule to values of its own: it stops following.
    const pinned = await api('PATCH', `/alert-rules/${made.body.id}`, {
      follow: null,
      operator: 'outside',
      value: [40, 70],
    });
    expect(pinned.status, JSON.stringify(pinned.body)).toBe(200);
    expect(pinned.body).toMatchObject({ follow: null, operator: 'outside', value: [40, 70] });
    expect(pinned.body.targets_now).toBeUndefined();
  });
});
