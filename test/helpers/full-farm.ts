/**
 * A farm with data in every module, made through the real HTTP API (and, where only a job makes the rows,
 * by running that job's handler): the fixture of the backup restore drill, in which every table that is
 * backed up and restored must hold rows.
 */
import { randomUUID } from 'node:crypto';
import type { JobContext, JobName } from '../../src/platform/jobs/registry.js';
import { buildTestDetectorModel } from '../../scripts/make-test-onnx-model.js';
import { generateSyntheticTray } from '../../src/modules/photos/index.js';
import type { Json, TestApp } from './app.js';
import {
  createApiary,
  createCatalogCultivar,
  createCatalogFamily,
  createCatalogSpecies,
  createDevice,
  createHive,
  createLocation,
  issueCredentials,
  login,
  member,
  PASSWORD,
  setupAdmin,
  uniqueEmail,
  type Actor,
  type FarmRef,
} from './factories.js';
import { waitFor } from './wait.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Near Phnom Penh: a rectangle of dx × dy degrees whose south-west corner is (x, y). */
const rect = (x: number, y: number, dx: number, dy: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x, y],
      [x + dx, y],
      [x + dx, y + dy],
      [x, y + dy],
      [x, y],
    ],
  ],
});
const LON = 104.9;
const LAT = 11.5;

/**
 * Fills a new farm (first-run setup of `t`'s instance) with rows in every module: members and
 * invitations, an API key, nested locations with geometry, devices with credentials, telemetry with
 * rollups, commands, schedules, alerts and notifications, beekeeping, the plant catalogue, crops and
 * their care, feeding, protection and harvests, tanks, products and stock, photos and their counts.
 * The clock stays where it is; everything is dated on or before its day.
 */
export async function fillEveryModule(t: TestApp): Promise<{ farm: FarmRef; admin: Actor }> {
  const setup = await setupAdmin(t.app, 'Every Module Farm');
  const farm = setup.farm;
  const admin = await login(t.app, setup.admin.email);

  /** One call; anything but `expected` throws with the answer's body. */
  async function call(
    method: Method,
    path: string,
    payload?: unknown,
    expected: number | number[] = [200, 201, 202, 204],
    who: { headers: Record<string, string> } = admin,
  ): Promise<Json> {
    const res = await t.app.inject({
      method,
      url: path.startsWith('/api/') ? path : `/api/v1/farms/${farm.slug}${path}`,
      headers: who.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    const wanted = Array.isArray(expected) ? expected : [expected];
    if (!wanted.includes(res.statusCode))
      throw new Error(`${method} ${path} answered ${res.statusCode}, not ${wanted.join(' or ')}: ${res.body}`);
    return (res.body && res.headers['content-type']?.toString().includes('json') ? res.json() : {}) as Json;
  }
  const jobContext = (): JobContext => ({ id: randomUUID(), retryCount: 0, clock: t.clock, log: t.deps.log });
  /** Runs a job's handler here and now, as its worker would. */
  async function runJob(name: JobName, payload: Record<string, unknown> = {}): Promise<void> {
    const job = t.registry.get(name);
    if (!job) throw new Error(`no job ${name}`);
    await job.handle(payload as never, jobContext());
  }

  const now = t.clock.now();
  const iso = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString();
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const today = localDay(now);

  // ---- identity: the farm itself, people, invitations, keys, sign-ins -------------------------------------
  await call('PATCH', '', { description: 'Every module holds something here', latitude: LAT, longitude: LON });
  const worker = await member(t.app, admin, farm, 'worker', 'grower');
  await member(t.app, admin, farm, 'manager', 'foreman');
  await call('POST', '/invitations', { email: uniqueEmail('pending'), role: 'viewer' }, 201); // never accepted
  await call('POST', '/api-keys', { name: 'Gateway script', role: 'worker' }, 201);
  // A wrong password is counted against the address.
  await call('POST', '/api/v1/auth/login', { email: worker.email, password: `${PASSWORD}!` }, 401, { headers: {} });
  // A reset token is made only by the command line (croft user reset-password): its service.
  await t.deps.services.auth.createPasswordReset(worker.email);

  // ---- locations: a site, a greenhouse and its beds and slots (3 deep and more), storage, a tank, an apiary ----
  const site = await createLocation(t.app, admin, farm, {
    name: 'Home site',
    code: 'HOME',
    geometry: rect(LON, LAT, 0.004, 0.004),
  });
  const greenhouse = await createLocation(t.app, admin, farm, {
    name: 'Greenhouse 1',
    type: 'greenhouse',
    code: 'GH1',
    parent_id: site.id,
    geometry: rect(LON + 0.0005, LAT + 0.0005, 0.001, 0.0005),
  });
  const bed = await createLocation(t.app, admin, farm, {
    name: 'North bed',
    type: 'bed',
    code: 'NB',
    parent_id: greenhouse.id,
    geometry: rect(LON + 0.0006, LAT + 0.0006, 0.0008, 0.0001),
  });
  const slots = [];
  for (let i = 1; i <= 4; i++)
    slots.push(
      await createLocation(t.app, admin, farm, {
        name: `Slot ${i}`,
        type: 'slot',
        parent_id: bed.id,
        geometry: rect(LON + 0.0006 + (i - 1) * 0.0002, LAT + 0.0006, 0.0002, 0.0001),
      }),
    );
  await call('PUT', `/locations/${slots[0]!.id}/adjacent/${slots[1]!.id}`, undefined, 204);
  const field = await createLocation(t.app, admin, farm, {
    name: 'South plot',
    type: 'field',
    code: 'SP',
    parent_id: site.id,
    geometry: rect(LON + 0.002, LAT + 0.002, 0.001, 0.001),
  });
  const house = await createLocation(t.app, admin, farm, { name: 'Shadehouse', type: 'warehouse', code: 'SH' });
  const area = await createLocation(t.app, admin, farm, { name: 'Bay 1', type: 'storage_area', parent_id: house.id });
  const bench = await createLocation(t.app, admin, farm, {
    name: 'Bench 1',
    type: 'storage_location',
    code: 'B1',
    parent_id: area.id,
    geometry: rect(LON + 0.003, LAT + 0.0001, 0.00003, 0.00009),
  });
  const bin = await createLocation(t.app, admin, farm, { name: 'Tray 1', type: 'storage_bin', parent_id: bench.id });
  const tank = await createLocation(t.app, admin, farm, { name: 'Recirc A', type: 'tank', parent_id: site.id });

  // ---- devices: a climate sensor, a relay with channels, a hive scale, a tank probe --------------------------
  await createDevice(t.app, admin, farm, { device_id: 'gh-climate', location_id: greenhouse.id, model: 'SHT31' });
  await createDevice(t.app, admin, farm, {
    device_id: 'relay-1',
    name: 'Greenhouse relay',
    type: 'relay',
    model: 'ESP32-WROOM-32',
    firmware_version: '1.2.0',
    location_id: greenhouse.id,
    channels: [
      { name: 'fan', kind: 'fan', safe_state: 'on' },
      { name: 'pump', kind: 'pump', safe_state: 'off' },
    ],
  });
  await createDevice(t.app, admin, farm, { device_id: 'scale-1', name: 'Hive scale' });
  await createDevice(t.app, admin, farm, { device_id: 'tank-probe', location_id: tank.id });
  await issueCredentials(t.app, admin, farm, 'relay-1');
  await issueCredentials(t.app, admin, farm, 'gh-climate');
  await call('PUT', '/devices/relay-1/config/polling_interval_s', { value: 30, unit: 's' });
  await call('PUT', '/telemetry/settings', { raw_days: 90, hourly_days: 730, daily_days: 3650 });

  // ---- alerts and who hears of them --------------------------------------------------------------------------
  await call(
    'POST',
    '/api/v1/notification-subscriptions',
    { channel: 'in_app', min_severity: 'info', time_zone: 'Asia/Phnom_Penh' },
    201,
  );
  // A public address given as such (no name to look up); the delivery job is not worked here.
  await call('POST', '/api/v1/notification-subscriptions', {
    channel: 'webhook',
    target: 'https://93.184.215.14/croft-hook',
    farm: farm.slug,
  });
  await call('POST', '/alert-rules', {
    name: 'Greenhouse too hot',
    kind: 'threshold',
    metric: 'temperature',
    device: 'gh-climate',
    operator: '>',
    value: 40,
    aggregate: 'last',
    window_s: 600,
    severity: 'critical',
  });

  // ---- a tank with its sensors, state by hand and maintenance -------------------------------------------------
  await call('PUT', `/tanks/${tank.id}`, { tank_type: 'nutrient', volume_l: 200, solution_kind: 'mineral' });
  await call('PUT', `/tanks/${tank.id}/sensors`, [
    { device_id: 'tank-probe', metric: 'ph', field: 'ph' },
    { device_id: 'tank-probe', metric: 'ec', field: 'ec' },
  ]);
  await call('POST', `/tanks/${tank.id}/states`, { id: randomUUID(), ph: 6.0, ec: 1.8, water_temp_c: 20 }, 201);
  await call('POST', `/tanks/${tank.id}/maintenance`, { id: randomUUID(), item: 'water_change' }, 201);

  // ---- telemetry: two days of several series, rolled up --------------------------------------------------------
  const readings: Array<Record<string, unknown>> = [];
  for (let h = 48; h >= 1; h--) {
    const ts = iso(h * HOUR);
    const warm = 18 + 10 * Math.sin((h / 24) * Math.PI);
    readings.push({ device: 'gh-climate', metric: 'temperature', ts, value: Math.round(warm * 10) / 10, unit: '°C' });
    readings.push({ device: 'gh-climate', metric: 'humidity', ts, value: 60 + (h % 10), unit: '%' });
    readings.push({ device: 'scale-1', metric: 'weight', ts, value: 42 + h / 100, unit: 'kg' });
    readings.push({ device: 'tank-probe', metric: 'ph', ts, value: 6 + (h % 3) / 10 });
    readings.push({ device: 'tank-probe', metric: 'ec', ts, value: 1.6 + (h % 4) / 10 });
  }
  const ingested = await call('POST', '/telemetry', { readings }, [200, 201, 202]);
  if (ingested.accepted !== readings.length) throw new Error(`telemetry: ${JSON.stringify(ingested)}`);
  await t.deps.services.telemetry.rollUpDirty();
  await call('PUT', `/locations/${greenhouse.id}/climate`, {
    temperature: { device: 'gh-climate' },
    humidity: { device: 'gh-climate' },
  });

  // The greenhouse overheats now: the rule raises an alert, its notifications follow.
  await call('POST', '/telemetry', {
    readings: [{ device: 'gh-climate', metric: 'temperature', ts: now.toISOString(), value: 45 }],
  });
  await t.deps.services.alerts.evaluate(farm.id);
  const alerts = (await call('GET', '/alerts?state=active')).data as Json[];
  if (alerts.length === 0) throw new Error('no alert was raised');
  await waitFor(async () => (await call('GET', '/api/v1/notifications')).data.length > 0, 5_000);
  await call('POST', `/alerts/${alerts[0]!.id}/acknowledge`);

  // ---- commands, the emergency stop, schedules -------------------------------------------------------------
  await call('POST', '/devices/relay-1/commands', { action: 'on', channel: 'fan' }, 202);
  await call('POST', '/emergency-stop', { reason: 'restore drill' }, 200);
  await call('POST', '/emergency-stop/release', undefined, 200);
  await call('POST', '/devices/relay-1/commands', { action: 'off', channel: 'fan', idempotency_key: 'drill-1' }, 202);
  const schedule = await call(
    'POST',
    '/schedules',
    { name: 'Fan at noon', device: 'relay-1', channel: 'fan', kind: 'time', cron: '0 12 * * *', action: 'on' },
    201,
  );
  await call('POST', `/schedules/${schedule.id}/run-now`, undefined, 202);

  // ---- the plant catalogue: a family, species and cultivar of the farm's own -----------------------------------
  const family = await createCatalogFamily(t.app, admin, farm);
  const species = await createCatalogSpecies(t.app, admin, farm, { family: family.id });
  const cultivar = await createCatalogCultivar(t.app, admin, farm, { name: 'Drill Red' });
  await createCatalogCultivar(t.app, admin, farm, { species: species.id, name: 'Own Gold' });
  await call('PUT', '/crop-rotation-settings', { window_years: 3 });

  // ---- crops: a run of tomatoes in the bed's slots, a mother plant and its clones ----------------------------
  const plantedOn = localDay(new Date(now.getTime() - 20 * DAY));
  const run = await call(
    'POST',
    '/planting-runs',
    {
      name: 'Tomatoes, drill',
      type: 'monoculture',
      location: bed.id,
      entries: [{ species: 'solanum-lycopersicum', cultivar: cultivar.id, quantity: 3, id_prefix: 'TOM' }],
    },
    201,
  );
  const made = await call('POST', `/planting-runs/${run.id}/plants`, { planted_on: plantedOn }, 201);
  const tomatoes = made.plants as Json[];
  await call('POST', `/plants/${tomatoes[0]!.id}/phase-transitions`, { to: 'seedling' }, 201);
  await call('POST', `/planting-runs/${run.id}/phase-transitions`, { to: 'vegetative' }, [200, 201]);
  await call('PUT', `/locations/${greenhouse.id}/target-source`, { run: run.id });
  const mother = await call(
    'POST',
    '/plants',
    { species: 'mentha-spicata', location: field.id, id_prefix: 'MOM', planted_on: plantedOn },
    201,
  );
  const clones = await call(
    'POST',
    '/planting-runs',
    {
      name: 'Mint cuttings',
      type: 'clone',
      source_plant: mother.label,
      location: field.id,
      entries: [{ species: 'mentha-spicata', quantity: 2, id_prefix: 'CLN' }],
    },
    201,
  );
  const cuttings = (await call('POST', `/planting-runs/${clones.id}/plants`, {}, 201)).plants as Json[];
  await call('POST', '/plants', { species: 'mentha-spicata', mother: cuttings[0]!.label, id_prefix: 'GRN' }, 201);
  const pothos = await call('POST', '/plants', { species: 'monstera-deliciosa', label: 'MONSTERA-1' }, 201);
  await call('PATCH', `/plants/${pothos.id}/care`, { water_interval_days: 5, location_check: true });
  await call('POST', `/plants/${pothos.id}/care/confirm`, { kind: 'water', at: iso(2 * DAY) }, 201);
  await call('POST', '/calendar-feeds', { name: 'My phone' }, 201);

  // ---- tasks by hand --------------------------------------------------------------------------------------
  const task = await call(
    'POST',
    '/tasks',
    { id: randomUUID(), title: 'Check the vents', due_at: now.toISOString(), location_id: greenhouse.id },
    201,
  );
  await call('POST', '/tasks', { title: 'Mend the shade cloth', due_at: iso(-DAY), assignee_id: worker.userId }, 201);
  await call('POST', '/tasks', { title: 'Water the seedlings', kind: 'water', due_at: now.toISOString() }, 201);
  await call('POST', `/tasks/${task.id}/complete`, { id: randomUUID() }, [200, 201]);

  // ---- feeding: a fertilizer, its stock, a nutrient plan, watering -----------------------------------------
  const fertilizer = await call(
    'POST',
    '/fertilizers',
    {
      id: randomUUID(),
      product: 'Garden Tonic',
      brand: 'Home Brew',
      type: 'base',
      form: 'liquid',
      npk_n: 4,
      npk_p: 3,
      npk_k: 5,
      ec_per_unit: 0.15,
      max_dose_per_l: 4,
    },
    201,
  );
  await call('POST', `/fertilizers/${fertilizer.id}/stock/movements`, { kind: 'received', quantity: 1000 }, 201);
  await call('POST', `/fertilizers/${fertilizer.id}/stock/movements`, { kind: 'used', quantity: 50 }, 201);
  await call(
    'POST',
    '/nutrient-plans',
    {
      id: randomUUID(),
      name: 'Tomatoes in coco',
      substrate: 'coco',
      species: 'solanum-lycopersicum',
      entries: [
        {
          phase: 'vegetative',
          week_start: 1,
          week_end: 6,
          channels: [
            {
              channel: 'fertigation',
              target_ec: 1.6,
              target_ph: 5.8,
              dosages: [{ fertilizer_id: fertilizer.id, dose_per_l: 2 }],
            },
          ],
        },
      ],
    },
    201,
  );
  await call(
    'POST',
    `/planting-runs/${run.id}/watering-schedules`,
    { id: randomUUID(), mode: 'interval', interval_days: 2, volume_per_plant_l: 1.5 },
    201,
  );
  await call(
    'POST',
    '/watering-logs',
    { id: randomUUID(), run_id: run.id, volume_l: 4.5, ec: 1.4, ph: 6.1, at: iso(3 * HOUR) },
    201,
  );

  // ---- protection: the farm's own pest, disease and treatment; applications and inspections ---------------
  const pest = await call(
    'POST',
    '/pests',
    {
      id: randomUUID(),
      name: 'Drill leaf miner',
      scientific_name: 'Liriomyza drill',
      kind: 'insect',
      host_families: ['solanaceae'],
      symptoms: 'Pale tunnels in the leaves.',
    },
    201,
  );
  const disease = await call(
    'POST',
    '/diseases',
    {
      id: randomUUID(),
      name: 'Drill leaf scorch',
      pathogen: null,
      kind: 'physiological',
      host_families: ['solanaceae'],
      symptoms: 'Brown leaf edges after dry wind.',
    },
    201,
  );
  const treatment = await call(
    'POST',
    '/treatments',
    {
      id: randomUUID(),
      name: 'Farm pyrethrin spray',
      method: 'chemical',
      description: 'The pyrethrin concentrate the farm buys, sprayed in the evening.',
      active_ingredient: 'pyrethrins',
      mode_of_action: { scheme: 'IRAC', code: '3A' },
      pre_harvest_interval_days: 2,
      pests: [pest.id],
    },
    201,
  );
  await call('PUT', `/treatments/${treatment.id}/interval`, { days: 3, confirmed: true });
  // A global treatment's interval, confirmed from the label of the product this farm uses.
  const globals = (await call('GET', '/treatments?origin=global&q=lambda&limit=200')).data as Json[];
  const lambda = globals.find((row) => row.key === 'lambda-cyhalothrin');
  if (!lambda) throw new Error('the shipped lambda-cyhalothrin treatment is missing');
  await call('PUT', `/treatments/${lambda.id}/interval`, { days: 10, confirmed: true });
  await call(
    'POST',
    '/treatment-applications',
    { treatment: treatment.id, run: run.id, applied_on: localDay(new Date(now.getTime() - 10 * DAY)) },
    201,
  );
  await call(
    'POST',
    '/plant-inspections',
    { plant: tomatoes[1]!.label, pressure: 'medium', pests: [pest.id], diseases: [disease.id], notes: 'a few' },
    201,
  );

  // ---- harvests and their quality --------------------------------------------------------------------------
  const harvest = await call(
    'POST',
    '/harvests',
    { plant: tomatoes[2]!.label, harvested_on: today, weight_g: 1250.5, count: 9 },
    201,
  );
  await call('POST', `/harvests/${harvest.id}/quality`, { appearance: 90, aroma: 80, colour: 85 }, 201);

  // ---- beekeeping ----------------------------------------------------------------------------------------
  const apiary = await createApiary(t.app, admin, farm, {
    name: 'Orchard apiary',
    parent_id: site.id,
    geometry: rect(LON + 0.003, LAT + 0.003, 0.0003, 0.0003),
  });
  const hive = await createHive(t.app, admin, farm, { name: 'Hive 1', apiary_id: apiary.id, device_id: 'scale-1' });
  await createHive(t.app, admin, farm, { name: 'Hive 2', apiary_id: apiary.id, hive_type: 'dadant' });
  const queen = await call(
    'POST',
    `/hives/${hive.id}/queens`,
    { name: 'Maja', breed: 'Carnica', birth_date: '2025-05-01', introduced_at: '2025-06-01' },
    201,
  );
  await call('POST', `/hives/${hive.id}/queens`, { name: 'Flora', birth_date: today, mother_id: queen.id }, 201);
  await call(
    'POST',
    `/hives/${hive.id}/events`,
    {
      id: randomUUID(),
      type: 'inspection',
      date: today,
      next_inspection: localDay(new Date(now.getTime() + 7 * DAY)),
      inspection: { queen_seen: true, eggs: true, brood_pattern: 4, frames_bees: 8, temper: 2, varroa_count: 3 },
    },
    201,
  );
  await call('POST', `/hives/${hive.id}/events`, { type: 'harvest', date: today, description: '12 kg' }, 201);
  await call('POST', `/apiaries/${apiary.id}/events`, { type: 'feeding', date: today, description: 'Syrup 1:1' }, 201);

  // ---- products, prices, stock ----------------------------------------------------------------------------
  const category = await call('POST', '/product-categories', { code: 'HERB', name: 'Herbs', ready_days: 60 }, 201);
  const productFamily = await call('POST', '/product-families', { category: category.id, name: 'Basil' }, 201);
  await call('POST', '/products', { family: productFamily.id, sku: 'BAS-GEN', name: 'Basil Genovese' }, 201);
  await call('POST', '/packaging', { sku: 'P9', name: 'Pot 9 cm', type: 'pot' }, 201);
  await call('POST', '/product-sizes', { code: 'S', name: 'Small', min_height_cm: 2, max_height_cm: 5 }, 201);
  await call('POST', '/product-states', { code: 'READY', name: 'Ready for sale', sellable: true }, 201);
  await call('POST', '/prices', { category: 'HERB', packaging: 'P9', wholesale_cents: 250, retail_cents: 450 }, 201);
  await call(
    'POST',
    '/stock/bin-types',
    { code: 'T120', name: 'Tray 120', category: 'seedling_tray', rows: 10, columns: 12, length_cm: 60, width_cm: 40 },
    201,
  );
  await call('PUT', `/locations/${bin.id}/bin-type`, { bin_type: 'T120' });
  await call('PUT', `/locations/${bench.id}/stock-config`, { product: 'BAS-GEN', packaging: 'P9' });
  await call('PUT', '/stock/settings', { count_shortfall_as: 'adjustment' });
  const batch = await call(
    'POST',
    '/stock/batches',
    {
      movement_id: randomUUID(),
      location: bench.id,
      bin: bin.id,
      product: 'BAS-GEN',
      packaging: 'P9',
      size: 'S',
      quantity: 120,
      planted_on: plantedOn,
    },
    201,
  );
  await call(
    'POST',
    '/stock/movements',
    { id: randomUUID(), batch: batch.id, type: 'sale', quantity: -10, unit_price_cents: 450 },
    201,
  );
  await call(
    'POST',
    '/stock/counts',
    { movement_id: randomUUID(), location_id: bench.id, counted: 108, counted_at: now.toISOString(), source: 'manual' },
    201,
  );
  const month = today.slice(0, 7);
  const reconciled = await t.app.inject({
    method: 'POST',
    url: `/api/v1/farms/${farm.slug}/stock/reconciliation/monthly?month=${month}`,
    headers: { ...admin.headers, 'content-type': 'text/csv' },
    payload: `product_sku,packaging_sku,quantity_sold,sale_date\r\nBAS-GEN,P9,10,${today}\r\n`,
  });
  if (reconciled.statusCode !== 200) throw new Error(`monthly reconciliation: ${reconciled.body}`);

  // ---- photos: a detection model, a photo of the bench counted, its count validated -----------------------
  const model = await t.app.inject({
    method: 'PUT',
    url: `/api/v1/farms/${farm.slug}/detector-models/${randomUUID()}?name=Greens&input_width=64&input_height=64`,
    headers: { ...admin.headers, 'content-type': 'application/octet-stream' },
    payload: Buffer.from(buildTestDetectorModel()),
  });
  if (model.statusCode !== 201) throw new Error(`detector model: ${model.statusCode} ${model.body}`);
  const uploaded = await t.app.inject({
    method: 'PUT',
    url: `/api/v1/farms/${farm.slug}/photos/${randomUUID()}?location_id=${bench.id}`,
    headers: { ...admin.headers, 'content-type': 'image/jpeg' },
    payload: (await generateSyntheticTray({ seed: 7, width: 800, height: 600, detectableShare: 0.9 })).jpeg,
  });
  if (uploaded.statusCode !== 201) throw new Error(`photo: ${uploaded.statusCode} ${uploaded.body}`);
  const sessionId = (uploaded.json() as Json).session_id as string;
  await runJob('photos.count', { farmId: farm.id, sessionId });
  const session = await call('GET', `/photo-sessions/${sessionId}`);
  if (session.status !== 'completed') throw new Error(`the photo was not counted: ${JSON.stringify(session)}`);
  await call('POST', `/photo-sessions/${sessionId}/validate`, {}, [200, 201]);

  // ---- the daily jobs: growth, care, watering, tanks, digests, stock reconciliation ------------------------
  await t.deps.services.growth.runDailyGrowth();
  await t.deps.services.care.runDailyCare();
  await t.deps.services.watering.runDailyWatering();
  await t.deps.services.tasks.sendDigests();
  await runJob('tanks.daily');
  await runJob('stock.reconcile');

  // A late reading: its hour waits for the next rollup.
  await call('POST', '/telemetry', {
    readings: [{ device: 'scale-1', metric: 'weight', ts: iso(30 * 60_000), value: 42.5, unit: 'kg' }],
  });

  return { farm, admin };
}

/** The farm's local day (Asia/Phnom_Penh, as setupAdmin makes it) of a moment. */
function localDay(at: Date): string {
  return new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}
