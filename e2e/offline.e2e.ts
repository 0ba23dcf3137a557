import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import L from '../web/src/i18n/locales/en.json' with { type: 'json' };
import { openPhone, startCroft, stepsInOrder, type Croft, type Phone } from './browser.js';
import { networkAddress, startGate, type Gate } from './gate.js';

// The little of the page's globals used here (the e2e files compile without the DOM library).
declare const navigator: {
  serviceWorker?: { ready: Promise<unknown>; controller: unknown };
};
declare const window: { isSecureContext: boolean };
declare const localStorage: { getItem(key: string): string | null };
declare const indexedDB: {
  open(name: string): {
    onsuccess: (() => void) | null;
    onerror: (() => void) | null;
    result: {
      transaction(store: string): {
        objectStore(store: string): {
          count(): { onsuccess: (() => void) | null; result: number };
          getAll(): { onsuccess: (() => void) | null; result: unknown };
        };
      };
      close(): void;
    };
  };
};

const PASSWORD = 'dry season on the bench';
type Json = Record<string, unknown>;

/** Croft's API, asked directly (not through the gate): seeding and checking what arrived. */
function croftApi(base: string) {
  let token = '';
  const call = async <T = Json>(method: string, path: string, body?: unknown, as = token): Promise<T> => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        'x-requested-with': 'test',
        ...(as ? { authorization: `Bearer ${as}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
  return {
    call,
    useToken: (value: string) => (token = value),
  };
}

/** What the phone keeps for the signed-in person: each question (its React Query key, joined) and its answer. */
async function keptOnPhone(phone: Phone): Promise<Map<string, unknown>> {
  const pairs = await phone.page.evaluate(
    () =>
      new Promise<[string, unknown][]>((resolve, reject) => {
        const request = indexedDB.open('croft-offline');
        request.onerror = () => reject(new Error('no store'));
        request.onsuccess = () => {
          const all = request.result.transaction('data').objectStore('data').getAll();
          all.onsuccess = () => {
            type Kept = { state: { queries: { queryKey: unknown[]; state: { data: unknown } }[] } };
            resolve(
              (all.result as Kept[]).flatMap((k) =>
                k.state.queries.map((q): [string, unknown] => [
                  q.queryKey.map((part) => (typeof part === 'object' ? JSON.stringify(part) : String(part))).join('/'),
                  q.state.data,
                ]),
              ),
            );
            request.result.close();
          };
        };
      }),
  );
  return new Map(pairs);
}
const keptKeys = async (phone: Phone) => [...(await keptOnPhone(phone)).keys()];

/** How many rows a person's store on the phone holds (IndexedDB `croft-offline`). */
async function storedOnPhone(phone: Phone, store: 'writes' | 'data'): Promise<number> {
  return phone.page.evaluate(
    (name) =>
      new Promise<number>((resolve, reject) => {
        const request = indexedDB.open('croft-offline');
        request.onerror = () => reject(new Error('no store'));
        request.onsuccess = () => {
          const counting = request.result.transaction(name).objectStore(name).count();
          counting.onsuccess = () => {
            resolve(counting.result);
            request.result.close();
          };
        };
      }),
    store,
  );
}

/**
 * Field work without a connection, on a phone that opened Croft once: the installed app opens while Croft
 * cannot be reached, a count, two movements, a photo, a task and a hive inspection wait on the phone, and
 * each arrives exactly once when Croft is back; a refused one is kept with its reason. A shared phone keeps
 * one person's writes from another's sign-in.
 */
describe('field work without a connection', () => {
  let croft: Croft;
  let gate: Gate;
  let phone: Phone;
  const api = () => croftApi(croft.url);
  const ids = { farm: '', bench: '', batch: '', batchCode: '', task: '', hive: '', admin: '' };
  /** The queued writes' own ids, in the order made. */
  let queued: { id: string; kind: string }[] = [];
  const worker = { email: 'ben@example.org' };

  beforeAll(async () => {
    croft = await startCroft();
    gate = await startGate(croft.url);
    const { call, useToken } = api();
    const setup = await call<{ access_token: string; farm: { slug: string }; user: { id: string } }>(
      'POST',
      '/auth/setup',
      {
        email: 'mai@example.org',
        password: PASSWORD,
        name: 'Mai',
        farm: { name: 'Hillside Nursery', timezone: 'UTC' },
      },
    );
    useToken(setup.access_token);
    ids.farm = setup.farm.slug;
    ids.admin = setup.user.id;
    const f = `/farms/${ids.farm}`;
    const house = await call<{ id: string }>('POST', `${f}/locations`, { name: 'Shadehouse', type: 'warehouse' });
    const area = await call<{ id: string }>('POST', `${f}/locations`, {
      name: 'North',
      type: 'storage_area',
      parent_id: house.id,
    });
    const bench = await call<{ id: string }>('POST', `${f}/locations`, {
      name: 'Bench 4',
      type: 'storage_location',
      parent_id: area.id,
    });
    ids.bench = bench.id;
    await call('POST', `${f}/product-categories`, { code: 'HERB', name: 'Herbs', ready_days: 60 });
    const family = await call<{ id: string }>('POST', `${f}/product-families`, { category: 'HERB', name: 'Basil' });
    await call('POST', `${f}/products`, { family: family.id, sku: 'BAS', name: 'Basil' });
    await call('POST', `${f}/packaging`, { sku: 'P9', name: 'Pot 9 cm', type: 'pot' });
    const batch = await call<{ id: string; code: string }>('POST', `${f}/stock/batches`, {
      movement_id: randomUUID(),
      location: bench.id,
      product: 'BAS',
      packaging: 'P9',
      quantity: 40,
      planted_on: '2026-10-01',
    });
    ids.batch = batch.id;
    ids.batchCode = batch.code;
    const task = await call<{ id: string }>('POST', `${f}/tasks`, {
      title: 'Water bench 4',
      due_at: new Date().toISOString(),
      assignee_id: setup.user.id,
    });
    ids.task = task.id;
    const apiary = await call<{ id: string }>('POST', `${f}/locations`, { name: 'Top apiary', type: 'apiary' });
    const hive = await call<{ id: string }>('POST', `${f}/hives`, { name: 'Hive 7', apiary_id: apiary.id });
    ids.hive = hive.id;
    const invitation = await call<{ token: string }>('POST', `${f}/invitations`, {
      email: worker.email,
      role: 'worker',
    });
    await call(
      'POST',
      '/auth/register',
      { email: worker.email, password: PASSWORD, name: 'Ben', invitation: invitation.token },
      '',
    );
    phone = await openPhone(gate.url);
  });

  stepsInOrder(() => phone, 'offline-');
  afterAll(async () => {
    await phone?.close();
    await gate?.close();
    await croft?.close();
  });

  const signIn = async (email: string) => {
    const { page } = phone;
    await expect.poll(() => page.getByRole('heading', { name: L.auth.signIn }).isVisible()).toBe(true);
    await page.getByRole('textbox', { name: L.auth.email }).fill(email);
    await page.locator('input[type=password]').fill(PASSWORD);
    await page.getByRole('button', { name: L.auth.signIn }).click();
  };
  const signOut = async () => {
    await phone.page.getByTestId('account-menu').click();
    await phone.page.getByRole('menuitem', { name: L.auth.signOut }).click();
  };
  const badge = () => phone.page.getByTestId('outbox-badge');
  const waiting = async () => ((await badge().count()) ? Number(await badge().getAttribute('data-waiting')) : 0);
  const queuedNotice = () => phone.page.getByTestId('queued-notice');

  it('installs: a manifest with icons, and a service worker that controls the page', async () => {
    const { page } = phone;
    await page.goto('/');
    await signIn('mai@example.org');
    await expect.poll(() => page.getByRole('heading', { name: 'Hillside Nursery' }).count()).toBeGreaterThan(0);
    const manifest = (await (await fetch(`${gate.url}/manifest.webmanifest`)).json()) as {
      name: string;
      display: string;
      icons: { sizes: string; purpose?: string }[];
    };
    expect(manifest).toMatchObject({ name: 'Croft', display: 'standalone' });
    expect(manifest.icons.map((icon) => `${icon.sizes}${icon.purpose ? ` ${icon.purpose}` : ''}`)).toEqual([
      '192x192',
      '512x512',
      '512x512 maskable',
    ]);
    // The worker itself is never cached by the browser's HTTP cache, so a new version is found at once.
    expect((await fetch(`${gate.url}/sw.js`)).headers.get('cache-control')).toBe('no-cache');
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker!.ready.then(() => !!navigator.serviceWorker!.controller)))
      .toBe(true);
    expect(await page.getByTestId('insecure-notice').count()).toBe(0);
  });

  it('keeps what the person opened: Today, the bench, the hive', async () => {
    const { page } = phone;
    await page.goto(`/farms/${ids.farm}/today`);
    await expect.poll(() => page.getByText('Water bench 4').isVisible()).toBe(true);
    await page.goto(`/farms/${ids.farm}/stock/locations/${ids.bench}`);
    await expect.poll(() => page.getByTestId(`batch-${ids.batchCode}`).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId(`batch-${ids.batchCode}`).getByText('Basil (BAS)').isVisible()).toBe(true);
    await expect.poll(() => keptKeys(phone)).toContain(`${ids.farm}/stock/place/${ids.bench}`);
    await expect
      .poll(() => keptKeys(phone))
      .toContain(`${ids.farm}/stock/batches/${JSON.stringify({ location: ids.bench })}`);
    await page.goto(`/farms/${ids.farm}/hives/${ids.hive}`);
    await expect.poll(() => page.getByRole('heading', { name: 'Hive 7' }).isVisible()).toBe(true);
    await expect.poll(() => keptKeys(phone)).toContain(`${ids.farm}/hives/${ids.hive}`);
    await page.goto(`/farms/${ids.farm}/photos/new?location=${ids.bench}`);
    await expect.poll(() => page.getByRole('heading', { name: L.photos.new.title }).isVisible()).toBe(true);
    await expect
      .poll(() => page.getByLabel(L.photos.place.label, { exact: true }).first().inputValue())
      .toContain('Bench 4');
    // Kept on the phone a moment after the answers came, for this one person.
    await expect.poll(() => keptKeys(phone)).toContain(`${ids.farm}/locations`);
    expect(await keptKeys(phone)).toContain(`${ids.farm}/tasks/today`);
    expect(await storedOnPhone(phone, 'data')).toBe(1);
  });

  it('opens and works on while Croft cannot be reached: six writes wait on the phone', async () => {
    const { page } = phone;
    await gate.close();
    await page.goto(`/farms/${ids.farm}/today`);
    await expect.poll(() => page.getByTestId('offline-banner').isVisible()).toBe(true);
    expect(await page.getByTestId('offline-banner').textContent()).toBe(L.offline.working);
    // No answer is said calmly, not as a refusal: the page shows what the phone kept.
    await expect.poll(() => page.getByTestId('unreachable-notice').first().isVisible()).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);

    // The task, done.
    await page.locator(`[data-task="${ids.task}"]`).getByRole('button', { name: L.tasks.done }).click();
    await expect
      .poll(() => page.getByTestId('closed-notice').textContent())
      .toBe(L.today.closed.queued.replace('{{title}}', 'Water bench 4'));
    expect(await page.getByText('Water bench 4', { exact: true }).count()).toBe(0);
    expect(await waiting()).toBe(1);

    // The bench counted: 38 of 40.
    await page.goto(`/farms/${ids.farm}/stock/locations/${ids.bench}`);
    const count = page.getByTestId('count-card');
    await count.waitFor();
    for (let i = 0; i < 2; i++) await count.getByRole('button', { name: L.stock.less }).click();
    await count.getByRole('button', { name: L.stock.saveCount }).click();
    await expect.poll(() => count.getByTestId('queued-notice').isVisible()).toBe(true);

    // Two dead, and 99 dead (more than it holds: Croft will refuse that one when it can answer).
    const card = page.getByTestId(`batch-${ids.batchCode}`);
    for (const quantity of ['2', '99']) {
      await card.getByRole('button', { name: L.stock.kinds.death }).click();
      const death = card.getByTestId('action-death');
      await death.getByRole('textbox', { name: L.stock.howMany.death }).fill(quantity);
      await death.getByRole('button', { name: L.stock.save.death }).click();
      await expect.poll(() => card.getByTestId('queued-notice').isVisible()).toBe(true);
    }
    expect(await waiting()).toBe(4);

    // A photo of the bench: its bytes wait in IndexedDB.
    await page.goto(`/farms/${ids.farm}/photos/new?location=${ids.bench}`);
    await expect.poll(() => page.getByRole('heading', { name: L.photos.new.title }).isVisible()).toBe(true);
    await expect
      .poll(() => page.getByLabel(L.photos.place.label, { exact: true }).first().inputValue())
      .toContain('Bench 4');
    const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3a6b35' } })
      .jpeg()
      .toBuffer();
    await page.locator('input[type=file][accept="image/*"]').setInputFiles({
      name: 'bench4.jpg',
      mimeType: 'image/jpeg',
      buffer: jpeg,
    });
    await expect.poll(() => queuedNotice().isVisible()).toBe(true);

    // The hive inspected.
    await page.goto(`/farms/${ids.farm}/hives/${ids.hive}`);
    await page.getByRole('button', { name: L.inspection.record }).click();
    await page.getByRole('button', { name: L.inspection.save }).click();
    await expect.poll(() => queuedNotice().isVisible()).toBe(true);
    expect(await waiting()).toBe(6);
    await phone.shot('offline-01-waiting');

    // The list: each write, in order, waiting; they outlive a reload.
    await page.reload();
    await badge().click();
    await expect.poll(() => page.getByRole('heading', { name: L.offline.title }).isVisible()).toBe(true);
    const items = page.getByTestId('queued-write');
    await expect.poll(() => items.count()).toBe(6);
    queued = await items.evaluateAll((cards) =>
      cards.map((c) => {
        const { id, kind } = (c as unknown as { dataset: { id: string; kind: string } }).dataset;
        return { id, kind };
      }),
    );
    expect(queued.map((q) => q.kind)).toEqual(['task', 'count', 'movement', 'movement', 'photo', 'inspection']);
    expect(new Set(await page.getByTestId('queued-state').allTextContents())).toEqual(
      new Set([L.offline.states.waiting]),
    );
    await phone.shot('offline-02-list');
    // Nothing reached Croft meanwhile.
    const movements = await api().call<{ data: unknown[] }>(
      'GET',
      `/farms/${ids.farm}/stock/batches/${ids.batch}/movements`,
      undefined,
      await adminToken(),
    );
    expect(movements.data).toHaveLength(1);
  });

  /** A token for checking (a sign-in of its own, not the phone's). */
  const adminToken = async () =>
    (
      await api().call<{ access_token: string }>(
        'POST',
        '/auth/login',
        { email: 'mai@example.org', password: PASSWORD },
        '',
      )
    ).access_token;

  it('sends each once, in order, when Croft is back; the refused one stays with its reason', async () => {
    const { page } = phone;
    await gate.open();
    await expect.poll(() => waiting(), { timeout: 60_000 }).toBe(0);
    await expect.poll(() => badge().getAttribute('data-refused')).toBe('1');
    const refused = page.locator('[data-testid=queued-write][data-state=refused]');
    await expect.poll(() => refused.count()).toBe(1);
    expect(await refused.getAttribute('data-kind')).toBe('movement');
    expect(await refused.getByRole('alert').textContent()).toMatch(/99|stock|quantity|hold/i);
    await phone.shot('offline-03-refused');

    const token = await adminToken();
    const f = `/farms/${ids.farm}`;
    const get = <T>(path: string) => api().call<T>('GET', `${f}${path}`, undefined, token);
    // Counted 38 of 40 (a shortfall of 2), then 2 dead: 36 — in that order, each once.
    const batch = await get<{ quantity: number }>(`/stock/batches/${ids.batch}`);
    expect(batch.quantity).toBe(36);
    const movements = await get<{ data: { id: string; type: string; quantity: number }[] }>(
      `/stock/batches/${ids.batch}/movements`,
    );
    expect(movements.data).toHaveLength(3);
    const [, count, death, tooMany, photo, inspection] = queued.map((q) => q.id);
    expect(movements.data.filter((m) => m.id === death).map((m) => [m.type, m.quantity])).toEqual([['death', -2]]);
    expect(movements.data.filter((m) => m.id === count)).toHaveLength(1);
    expect(movements.data.filter((m) => m.id === tooMany)).toHaveLength(0);
    expect(await get<{ id: string }>(`/photos/${photo}`)).toMatchObject({ id: photo });
    const task = await get<{ status: string }>(`/tasks/${ids.task}`);
    expect(task.status).toBe('done');
    const events = await get<{ data: { id: string; type: string }[] }>(`/hives/${ids.hive}/events`);
    expect(events.data.filter((e) => e.type === 'inspection').map((e) => e.id)).toEqual([inspection]);

    // Discarded by the person (two taps): gone from the phone, never sent.
    await refused.getByRole('button', { name: L.offline.discard }).click();
    await refused.getByRole('button', { name: L.offline.discardSure }).click();
    await expect.poll(() => page.getByTestId('queued-write').count()).toBe(0);
    expect(await badge().count()).toBe(0);
    expect(await storedOnPhone(phone, 'writes')).toBe(0);
    expect((await get<{ data: unknown[] }>(`/stock/batches/${ids.batch}/movements`)).data).toHaveLength(3);
  });

  it("keeps one person's writes from another's sign-in on a shared phone", async () => {
    const { page } = phone;
    // The bench, opened while Croft answers: the phone keeps what it holds now (36).
    await page.goto(`/farms/${ids.farm}/stock/locations/${ids.bench}`);
    await expect
      .poll(() => page.getByTestId(`batch-${ids.batchCode}`).getByTestId('batch-quantity').textContent())
      .toBe('36');
    const bench = `${ids.farm}/stock/batches/${JSON.stringify({ location: ids.bench })}`;
    await expect
      .poll(async () => ((await keptOnPhone(phone)).get(bench) as { quantity: number }[] | undefined)?.[0]?.quantity)
      .toBe(36);
    await gate.close();
    await page.goto(`/farms/${ids.farm}/stock/locations/${ids.bench}`);
    const count = page.getByTestId('count-card');
    await count.waitFor();

    await count.getByRole('button', { name: L.stock.less }).click();
    await count.getByRole('button', { name: L.stock.saveCount }).click();
    await expect.poll(() => count.getByTestId('queued-notice').isVisible()).toBe(true);
    expect(await waiting()).toBe(1);

    // Signed out without a connection: the data kept for Mai leaves the phone, her count stays.
    await signOut();
    await expect.poll(() => page.getByRole('heading', { name: L.auth.signIn }).isVisible()).toBe(true);
    await expect.poll(() => storedOnPhone(phone, 'data')).toBe(0);
    expect(await storedOnPhone(phone, 'writes')).toBe(1);

    // Ben signs in on the same phone once Croft is back: Mai's count is neither shown nor sent.
    // Croft back, the app opened again: the sign-out made without a connection is told to Croft first, so
    // Mai's sign-in cookie does not sign her back in.
    await gate.open();
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { name: L.auth.signIn }).isVisible()).toBe(true);
    expect(await page.evaluate(() => localStorage.getItem('croft.logout-pending'))).toBeNull();
    await signIn(worker.email);
    await expect.poll(() => page.getByRole('heading', { name: 'Hillside Nursery' }).count()).toBeGreaterThan(0);
    expect(await badge().count()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const token = await adminToken();
    const batch = () =>
      api().call<{ quantity: number }>('GET', `/farms/${ids.farm}/stock/batches/${ids.batch}`, undefined, token);
    expect((await batch()).quantity).toBe(36);

    // Mai signs in again: her count is sent with her sign-in.
    await signOut();
    await signIn('mai@example.org');
    await expect.poll(() => storedOnPhone(phone, 'writes'), { timeout: 30_000 }).toBe(0);
    expect((await batch()).quantity).toBe(35);
    // Besides the browser's own note of each live socket it could not open while Croft was unreachable.
    expect(phone.errors.filter((error) => !/WebSocket connection to .* failed/.test(error))).toEqual([]);
  });
});

/** Plain http at this machine's own network address: not a secure context, so no service worker. */
describe('on plain http at a network address', () => {
  let croft: Croft;
  let gate: Gate;
  let phone: Phone;

  beforeAll(async () => {
    croft = await startCroft({ CROFT_AUTH: 'none' });
    gate = await startGate(croft.url, networkAddress(networkInterfaces()));
    phone = await openPhone(gate.url);
  });
  afterAll(async () => {
    await phone?.close();
    await gate?.close();
    await croft?.close();
  });

  it('says offline install is unavailable, in words', async () => {
    const { page } = phone;
    await page.goto('/');
    const notice = page.getByTestId('insecure-notice');
    await expect.poll(() => notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toContain(L.offline.insecureTitle);
    expect(await notice.textContent()).toContain(L.offline.insecure);
    expect(
      await page.evaluate(() => ({ secure: window.isSecureContext, worker: 'serviceWorker' in navigator })),
    ).toEqual({
      secure: false,
      worker: false,
    });
    await phone.shot('offline-04-plain-http');
    expect(phone.errors).toEqual([]);
  });
});
