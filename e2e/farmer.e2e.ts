import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../web/src/i18n/locales/en.json' with { type: 'json' };
import km from '../web/src/i18n/locales/km.json' with { type: 'json' };
import { spawnCroft, type CroftProcess } from '../test/helpers/process.js';
import { openPhone, startCroft, stepsInOrder, type Croft, type Phone } from './browser.js';
import { beesPath, mapPath, menu, schedulesPath, viewerPath, type PathContext } from './paths.js';
import { todayPath, touchTargetsPath } from './paths-today.js';
import { photoPath } from './paths-photos.js';
import { plantsPath } from './paths-plants.js';
import { feedingPath } from './paths-feeding.js';
import { stockPath } from './paths-stock.js';

/** The words of a shell command line (single quotes as a shell reads them). */
const shellWords = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);

/**
 * The path a new farmer takes on a phone, in one browser session: set up, register a controller, give it
 * credentials, start the simulator with the command the page shows, watch its readings arrive live, send
 * it a command, get an alert and acknowledge it, then read it all in Khmer.
 */
describe('a farmer on a phone', () => {
  let croft: Croft;
  let phone: Phone;
  let simulator: CroftProcess | undefined;
  const credentials = { username: '', password: '', host: '', port: '', topic: '', simulate: '' };

  beforeAll(async () => {
    croft = await startCroft();
    phone = await openPhone(croft.url);
  });

  stepsInOrder(() => phone);

  afterAll(async () => {
    simulator?.child.kill('SIGTERM');
    await simulator?.exited;
    await phone?.close();
    await croft?.close();
  });

  const select = async (label: string, option: string) => {
    await phone.page.getByRole('combobox', { name: label, exact: true }).click();
    await phone.page.getByRole('option', { name: option, exact: true }).click();
  };

  it('sets up the administrator and the first farm', async () => {
    const { page } = phone;
    await page.goto('/');
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome to Croft' }).isVisible()).toBe(true);
    await phone.shot('01-setup', true);
    await page.getByRole('textbox', { name: 'Your name' }).fill('Sophea Chan');
    await page.getByRole('textbox', { name: 'Email' }).fill('sophea@example.org');
    await page.locator('input[type=password]').fill('short');
    await page.getByRole('textbox', { name: 'Farm name' }).fill('Riverside Poultry');
    await page.getByRole('button', { name: 'Create account and farm' }).click();
    // The server's words for a weak password, shown as words.
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toMatch(/^Something in the form needs fixing.*8 characters/);
    await page.locator('input[type=password]').fill('green fields after the rain');
    await page.getByRole('button', { name: 'Create account and farm' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Riverside Poultry' }).isVisible()).toBe(true);
    expect(page.url()).toMatch(/\/farms\/riverside-poultry$/);
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status')).toBe('live');
    await phone.shot('02-dashboard-new', true);
  });

  it('registers a controller with a fan channel', async () => {
    const { page } = phone;
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Devices' }).click();
    await expect.poll(() => page.getByText('No devices yet').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Add a device' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('House 1 controller');
    expect(await page.getByRole('textbox', { name: 'Device id' }).inputValue()).toBe('house-1-controller');
    await select('Type', 'Relay controller');
    await page.getByRole('button', { name: 'Add a channel' }).click();
    await page.getByRole('textbox', { name: 'Channel', exact: true }).fill('fan-1');
    await phone.shot('03-device-new');
    await page.getByRole('button', { name: 'Register device' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'House 1 controller' }).isVisible()).toBe(true);
    expect(page.url()).toMatch(/\/devices\/house-1-controller$/);
    expect(await page.getByTestId('offline').isVisible()).toBe(true);
  });

  it('gives it credentials with the MQTT details to flash into it', async () => {
    const { page } = phone;
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Create credentials' }).click();
    await expect.poll(() => page.getByTestId('credentials').isVisible()).toBe(true);
    for (const [key, id] of [
      ['username', 'cred-username'],
      ['password', 'cred-password'],
      ['host', 'cred-host'],
      ['port', 'cred-port'],
      ['topic', 'cred-topic'],
      ['simulate', 'simulate-command'],
    ] as const) {
      credentials[key] = (await page.getByTestId(id).textContent()) ?? '';
    }
    // By the farm's id, which never changes (a slug may).
    expect(credentials.topic).toMatch(/^croft\/[0-9a-f-]{36}\/house-1-controller\/telemetry$/);
    expect(Number(credentials.port)).toBeGreaterThan(0);
    await phone.shot('04-device-credentials', true);
  });

  it('shows the simulated device online and its readings moving on the live chart', async () => {
    const { page } = phone;
    // The command the page shows, run as a farmer would paste it (npm run croft -- … is node dist/main.js …).
    const words = shellWords(credentials.simulate);
    expect(words.slice(0, 4)).toEqual(['npm', 'run', 'croft', '--']);
    expect(words).toContain(`${credentials.username}:${credentials.password}`);
    simulator = spawnCroft('dist/main.js', words.slice(4), {});
    await page.getByRole('tab', { name: 'Live' }).click();
    await expect.poll(() => page.getByTestId('online').isVisible(), { timeout: 15_000 }).toBe(true);
    const chart = page.getByTestId('metric-temperature').getByRole('img');
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 15_000 })
      .toBeGreaterThan(1);
    const before = Number(await chart.getAttribute('data-points'));
    const valueBefore = await page.getByTestId('metric-temperature').getByTestId('current-value').textContent();
    // The chart moves without reloading: more points, a newer value.
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 15_000 })
      .toBeGreaterThan(before + 2);
    await expect
      .poll(() => page.getByTestId('metric-temperature').getByTestId('current-value').textContent(), {
        timeout: 10_000,
      })
      .not.toBe(valueBefore);
    await phone.shot('05-device-live', true);
  });

  it('sends a command and watches it go from queued to completed', async () => {
    const { page } = phone;
    await page.getByRole('tab', { name: 'Commands' }).click();
    await select('Action', 'Turn on');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const command = page.getByTestId('command').first();
    await expect.poll(() => command.getAttribute('data-status'), { timeout: 15_000 }).toBe('completed');
    expect(simulator!.output()).toContain('fan-1');
    await phone.shot('06-device-command', true);
  });

  it('raises an alert from a rule, badges the inbox live, and is acknowledged', async () => {
    const { page } = phone;
    await menu({ phone }, 'menu-alerts');
    await expect.poll(() => page.getByText('No active alerts').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'New rule' }).click();
    // Just under the house's temperature now: the next reading crosses it.
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Devices' }).click();
    await page.getByTestId('device-house-1-controller').click();
    const current = page.getByTestId('metric-temperature').getByTestId('current-value');
    await expect
      .poll(async () => parseFloat((await current.textContent()) ?? ''), { timeout: 10_000 })
      .toBeGreaterThan(0);
    const now = parseFloat((await current.textContent())!);
    await menu({ phone }, 'menu-alerts');
    await page.getByRole('button', { name: 'New rule' }).click();
    await select('Goes', 'above');
    await page.getByRole('textbox', { name: 'Value' }).fill(String(Math.floor(now - 5)));
    await page.getByRole('button', { name: 'Create rule' }).click();
    await expect.poll(() => page.getByTestId('rule').count()).toBe(1);
    const alert = page.getByTestId('alert').first();
    await expect.poll(() => alert.getAttribute('data-state'), { timeout: 20_000 }).toBe('triggered');
    await expect.poll(() => page.getByTestId('unread-badge').first().textContent(), { timeout: 10_000 }).toBe('1');
    await phone.shot('07-alerts', true);
    await alert.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => alert.getAttribute('data-state')).toBe('acknowledged');

    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Inbox' }).click();
    const notification = page.getByTestId('notification').first();
    await expect.poll(() => notification.getAttribute('data-read')).toBe('false');
    await phone.shot('08-inbox', true);
    await notification.getByRole('button', { name: 'Mark read' }).click();
    await expect.poll(() => notification.getAttribute('data-read')).toBe('true');
    await expect.poll(() => page.getByTestId('unread-badge').count()).toBe(0);
  });

  it('shows the dashboard with what needs attention', async () => {
    const { page } = phone;
    await menu({ phone }, 'menu-overview');
    await expect.poll(() => page.getByTestId('stat-online').textContent()).toBe('1');
    expect(await page.getByTestId('stat-alerts').textContent()).toBe('1');
    // The acknowledged alert still waits to be resolved; the latest readings move without a reload.
    expect(await page.getByText(/Acknowledged, not yet resolved/).isVisible()).toBe(true);
    const reading = page.getByTestId('latest-house-1-controller-temperature');
    const first = await reading.textContent();
    await expect.poll(() => reading.textContent(), { timeout: 10_000 }).not.toBe(first);
    await phone.shot('09-dashboard', true);
  });

  const paths = (): PathContext => ({
    phone,
    croft,
    L: en,
    farm: { slug: 'riverside-poultry', name: 'Riverside Poultry' },
    device: { id: 'house-1-controller', name: 'House 1 controller' },
    shot: (name) => phone.shot(name, true),
  });

  it('schedules the fan at a time and on a reading, previews the week and marks the conflict', () =>
    schedulesPath(paths()));

  it('keeps bees: an apiary and a hive, a queen with her colour, an inspection in a few taps shown on the hive card', () =>
    beesPath(paths()));

  it('draws a field and a bed on the map, finds the bed by GPS, and opens it from its QR label', () =>
    mapPath(paths()));

  it('applies a starter kit, and Today shows its tasks: one done with a tap, one snoozed; 48 px targets', () =>
    todayPath(paths()));

  it('keeps every target 48 px high on the farm overview, the devices and a hive', () =>
    touchTargetsPath(paths(), 'Hive 1'));

  it('scans a storage location label from a photo, counts its batch with the stepper (stored once), records deaths and a refused one', () =>
    stockPath(paths()));
  it(
    'counts a tray by photo: sent with its progress, the detections drawn, the count corrected and validated into stock',
    () => photoPath(paths()),
    240_000,
  );
  it('starts a planting run past a rotation warning (acknowledged), moves a plant forward and is refused a move back', () =>
    plantsPath(paths()));
  it('calculates a 10 L mix with its steps; a treatment on a plant, then its harvest refused by the interval', () =>
    feedingPath(paths()));

  it('switches to Khmer, and a deep link reloads into the same page in Khmer', async () => {
    const { page } = phone;
    await page.getByTestId('account-menu').click();
    await page.getByTestId('language-km').click();
    const nav = page.getByRole('navigation', { name: km.nav.label });
    await expect.poll(() => nav.getByRole('link', { name: km.nav.devices }).isVisible()).toBe(true);
    expect(await page.locator('html').getAttribute('lang')).toBe('km');
    await nav.getByRole('link', { name: km.nav.devices }).click();
    await page.getByTestId('device-house-1-controller').click();
    await page.reload();
    await expect.poll(() => page.getByRole('tab', { name: km.devices.tabs.live }).isVisible()).toBe(true);
    // The Khmer font is the app's own (no font from the internet), and it is the one in use.
    expect(await page.evaluate('document.fonts.check(\'16px "Noto Sans Khmer"\', "ខ្មែរ")')).toBe(true);
    await phone.shot('10-device-khmer', true);
  });

  it('keeps the sign-in when Croft cannot be reached for a while, and carries on when it can', async () => {
    const { page } = phone;
    await page.route('**/api/v1/auth/**', (route) => route.abort('internetdisconnected'));
    await page.reload();
    // The person signed in last on this phone works on with what it kept, and is told Croft cannot be reached.
    await expect.poll(() => page.getByTestId('offline-banner').textContent()).toBe(km.offline.working);
    await expect.poll(() => page.getByRole('tab', { name: km.devices.tabs.live }).isVisible()).toBe(true);
    await phone.shot('unreachable');
    await page.unroute('**/api/v1/auth/**');
    // Croft is asked again in the background (every 10 s): the sign-in is renewed and the banner goes.
    await expect.poll(() => page.getByTestId('offline-banner').count(), { timeout: 25_000 }).toBe(0);
    await expect.poll(() => page.getByRole('tab', { name: km.devices.tabs.live }).isVisible()).toBe(true);
  });

  it('changes the password, signs out and signs in with the new one', async () => {
    const { page } = phone;
    await page.goto('/farms/riverside-poultry/account');
    await select(km.account.language, 'English');
    await expect.poll(() => page.getByRole('heading', { name: 'Account' }).isVisible()).toBe(true);
    await page.locator('input[autocomplete=current-password]').fill('green fields after the rain');
    await page.locator('input[autocomplete=new-password]').fill('rain on the tin roof at dusk');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Password changed' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await page.getByRole('textbox', { name: 'Email' }).fill('sophea@example.org');
    await page.locator('input[type=password]').fill('green fields after the rain');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').isVisible()).toBe(true);
    await phone.shot('11-sign-in-error', true);
    await page.locator('input[type=password]').fill('rain on the tin roof at dusk');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Account' }).isVisible()).toBe(true);
    expect(phone.errors).toEqual([]);
  });

  it('sets the farm up: time zone and retention, an API key shown once, the audit log', async () => {
    const { page } = phone;
    await page.getByTestId('account-menu').click();
    await page.getByTestId('menu-settings').click();
    await expect.poll(() => page.getByRole('heading', { name: 'Farm settings' }).isVisible()).toBe(true);
    await page.getByRole('textbox', { name: 'Raw readings (days)' }).fill('120');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved' }).count()).toBeGreaterThan(0);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Weather gateway');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(async () => (await page.getByTestId('api-key').textContent()) ?? '').toMatch(/^croft_/);
    const key = (await page.getByTestId('api-key').textContent())!;
    // The key works at once, with the role it was given.
    const res = await fetch(`${croft.url}/api/v1/farms/riverside-poultry/devices`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    await expect.poll(() => page.getByTestId('audit-event').count()).toBeGreaterThan(3);
    // Everything of the farm, as one archive saved on the phone.
    const [archive] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download everything' }).click(),
    ]);
    expect(archive.suggestedFilename()).toMatch(/^croft-riverside-poultry-\d{4}-\d{2}-\d{2}\.tar\.gz$/);
    const saved = fs.readFileSync((await archive.path())!);
    expect([saved[0], saved[1]]).toEqual([0x1f, 0x8b]); // gzip
    expect(saved.length).toBeGreaterThan(1000);
    await phone.shot('12-settings', true);
  });

  it('invites a viewer by link, who joins from another phone and can see but change nothing', () =>
    viewerPath(paths(), 'dara@example.org'));

  it('makes a second farm and switches between the two', async () => {
    const { page } = phone;
    await page.getByTestId('account-menu').click();
    await page.getByTestId('menu-new-farm').click();
    await page.getByRole('dialog').getByRole('textbox', { name: 'Farm name' }).fill('Hill Farm');
    await page.getByRole('button', { name: 'Create farm' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Hill Farm' }).isVisible()).toBe(true);
    expect(page.url()).toMatch(/\/farms\/hill-farm$/);
    await page
      .getByRole('textbox', { name: 'Switch farm' })
      .or(page.getByRole('combobox', { name: 'Switch farm' }))
      .click();
    await page.getByRole('option', { name: 'Riverside Poultry' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Riverside Poultry' }).isVisible()).toBe(true);
    expect(phone.errors).toEqual([]);
  });
});
