import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import km from '../web/src/i18n/locales/km.json' with { type: 'json' };
import { openPhone, startCroft, stepsInOrder, type Croft, type Phone } from './browser.js';
import { beesPath, inPage, mapPath, schedulesPath, viewerPath, type PathContext } from './paths.js';
import { todayPath } from './paths-today.js';
import { photoPath } from './paths-photos.js';
import { plantsPath } from './paths-plants.js';
import { mixPath } from './paths-feeding.js';
import { stockPath } from './paths-stock.js';

const CURATED = new Set([
  '17-schedule-preview',
  '19-apiary',
  '21-map-gps',
  '30-today',
  '31-plant',
  '32-count',
  '41-stock-count',
]);

/**
 * The same farm paths in Khmer, from a first run done in Khmer: a Cambodian poultry farmer's phone.
 * Every label the test touches is read from km.json, so a page that kept an English word would fail.
 */
describe('a farmer on a phone, in Khmer', () => {
  let croft: Croft;
  let phone: Phone;
  const farm = { slug: 'kampot-farm', name: 'Kampot Farm' };
  const device = { id: 'house-1', name: 'ទ្រុងមាន់ ១' };
  const context = (): PathContext => ({
    phone,
    croft,
    L: km,
    farm,
    device,
    shot: (name) => phone.shot(`km-${name}`, CURATED.has(name)),
  });

  beforeAll(async () => {
    croft = await startCroft();
    phone = await openPhone(croft.url);
  });
  afterAll(async () => {
    await phone?.close();
    await croft?.close();
  });
  stepsInOrder(() => phone, 'km-');

  it('sets up in Khmer, and the profile keeps the language', async () => {
    const { page } = phone;
    await page.goto('/');
    await page.getByTestId('language-select').click();
    await page.getByRole('option', { name: 'ខ្មែរ' }).click();
    await expect.poll(() => page.getByRole('heading', { name: km.setup.title }).isVisible()).toBe(true);
    await page.getByRole('textbox', { name: km.setup.yourName }).fill('សុភា');
    await page.getByRole('textbox', { name: km.auth.email }).fill('sophea@example.org');
    await page.locator('input[type=password]').fill('green fields after the rain');
    await page.getByRole('textbox', { name: km.setup.farmName }).fill(farm.name);
    await page.getByRole('button', { name: km.setup.submit }).click();
    await expect.poll(() => page.getByRole('heading', { name: farm.name }).isVisible()).toBe(true);
    expect(await page.locator('html').getAttribute('lang')).toBe('km');
    const me = await inPage<{ locale: string }>(context(), '/api/v1/auth/me');
    expect(me.body.locale).toBe('km');

    // A controller with a fan that has reported the house's temperature (made through the API: the
    // English run covers making it through the pages).
    expect(
      (
        await inPage(context(), `/api/v1/farms/${farm.slug}/devices`, {
          method: 'POST',
          body: {
            device_id: device.id,
            name: device.name,
            type: 'relay',
            channels: [{ name: 'fan-1', kind: 'fan', safe_state: 'on' }],
          },
        })
      ).status,
    ).toBe(201);
    const readings = [0, 1, 2].map((i) => ({
      device: device.id,
      metric: 'temperature',
      ts: new Date(Date.now() - i * 60_000).toISOString(),
      value: 29 + i,
    }));
    expect(
      (await inPage(context(), `/api/v1/farms/${farm.slug}/telemetry`, { method: 'POST', body: { readings } })).status,
    ).toBe(200);
  });

  it("says in Khmer why a device cannot be registered (its id is taken), the server's words beneath", async () => {
    const { page } = phone;
    await page.getByRole('navigation', { name: km.nav.label }).getByRole('link', { name: km.nav.devices }).click();
    await page.getByRole('button', { name: km.devices.add }).click();
    await page.getByRole('textbox', { name: km.devices.name, exact: true }).fill(device.name);
    await page.getByRole('textbox', { name: km.devices.label, exact: true }).fill(device.id);
    await page.getByRole('button', { name: km.devices.register }).click();
    const notice = page.getByRole('alert');
    await expect.poll(() => notice.getByText(km.errors.code.DEVICE_ID_TAKEN).isVisible()).toBe(true);
    expect(await notice.textContent()).toContain(`"${device.id}"`); // the server's sentence, with the id it found
    await phone.shot('km-error-words');
  });

  it('schedules the fan, previews the week and marks the conflict', () => schedulesPath(context()));

  it('keeps bees: a queen with her colour, an inspection shown on the hive card', () => beesPath(context()));

  it('draws a field and a bed on the map and finds the bed by GPS', () => mapPath(context()));

  it('applies a starter kit, and Today shows its tasks: one done, one snoozed', () => todayPath(context()));
  it('scans a storage location label from a photo, counts with the stepper and records deaths', () =>
    stockPath(context()));
  it('counts a tray by photo and validates the corrected count into stock', () => photoPath(context()), 240_000);
  it('starts a planting run past a rotation warning, moves a plant forward and is refused a move back', () =>
    plantsPath(context()));
  it('calculates a 10 L mix in Khmer, its steps numbered', () => mixPath(context()));

  it('invites a viewer who can see but change nothing', async () => {
    await viewerPath(context(), 'dara@example.org');
    expect(phone.errors).toEqual([]);
  });
});
