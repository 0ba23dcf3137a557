import { expect } from 'vitest';
import type en from '../web/src/i18n/locales/en.json';
import { openPhone, type Croft, type Phone } from './browser.js';

/**
 * The web app's part-2 paths, written once and walked in each language: every label is looked up in the
 * language's strings, so the Khmer run proves the Khmer pages as the English run proves the English ones.
 */
export type Words = typeof en;

export interface PathContext {
  phone: Phone;
  croft: Croft;
  L: Words;
  farm: { slug: string; name: string };
  /** A controller with a `fan-1` channel that has sent temperature readings. */
  device: { id: string; name: string };
  /** Names screenshots; curated ones only for the English run. */
  shot: (name: string) => Promise<void>;
}

const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key]));

const select = async ({ phone }: PathContext, label: string, option: string) => {
  await phone.page.getByRole('combobox', { name: label, exact: true }).click();
  await phone.page.getByRole('option', { name: option, exact: true }).click();
};

/** Opens a page of the ☰ menu by its test id (`menu-schedules`, `menu-alerts`, `menu-overview`, …). */
export async function menu({ phone }: Pick<PathContext, 'phone'>, testId: string): Promise<void> {
  await phone.page.getByTestId('account-menu').click();
  // The menu is taller than a phone's screen: it must keep to the screen and scroll, not flip or overflow.
  const dropdown = phone.page.getByRole('menu');
  await expect
    .poll(async () => {
      const box = await dropdown.boundingBox();
      const height = phone.page.viewportSize()?.height ?? 0;
      return box !== null && box.y >= 0 && box.y + box.height <= height;
    })
    .toBe(true);
  await phone.page.getByTestId(testId).click();
}

/** A token of the page's own sign-in, for checking what the server holds. */
export async function inPage<T>(
  ctx: PathContext,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  return ctx.phone.page.evaluate(
    async ({ path, init }) => {
      const refresh = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-requested-with': 'test' },
        body: '{}',
      });
      const { access_token: token } = (await refresh.json()) as { access_token: string };
      const res = await fetch(path, {
        method: init.method ?? 'GET',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      return { status: res.status, body: (await res.json().catch(() => null)) as T };
    },
    { path, init },
  );
}

/** Schedules: at a time (previewed for a week), on a reading, and a conflict the higher priority wins. */
export async function schedulesPath(ctx: PathContext): Promise<void> {
  const { page } = ctx.phone;
  const { L } = ctx;
  const newSchedule = async (kind: string, name: string) => {
    await menu(ctx, 'menu-schedules');
    await page.getByRole('button', { name: L.schedules.new }).click();
    await page.getByTestId('schedule-kind').getByText(kind, { exact: true }).click();
    await page.getByRole('textbox', { name: L.schedules.name }).fill(name);
    await select(ctx, L.schedules.device, ctx.device.name);
    await select(ctx, L.commands.channel, `fan-1 (${L.channelKinds.fan})`);
  };
  await menu(ctx, 'menu-schedules');
  await expect.poll(() => page.getByText(L.schedules.empty).isVisible()).toBe(true);

  await newSchedule(L.scheduleKinds.time, 'Morning fan');
  await page.getByRole('button', { name: L.schedules.create }).click();
  await expect.poll(() => page.getByRole('heading', { name: 'Morning fan' }).isVisible()).toBe(true);
  expect(await page.getByText(fill(L.schedules.everyDayAtTime, { time: '06:00' })).isVisible()).toBe(true);
  await expect.poll(() => page.getByTestId('firing').count()).toBe(7);

  await newSchedule(L.scheduleKinds.condition, 'Cool the house');
  await select(ctx, L.schedules.when, ctx.device.name);
  await select(ctx, L.rules.metric, L.metrics.temperature);
  await select(ctx, L.rules.operator, L.operators['>']);
  await page.getByRole('textbox', { name: L.rules.value, exact: true }).fill('31');
  await ctx.shot('15-schedule-condition');
  await page.getByRole('button', { name: L.schedules.create }).click();
  await expect.poll(() => page.getByRole('heading', { name: 'Cool the house' }).isVisible()).toBe(true);
  await expect.poll(() => page.getByRole('heading', { name: L.schedules.preview }).isVisible()).toBe(true);

  // A second time schedule on the same channel at the same time, with a higher priority, wins.
  await newSchedule(L.scheduleKinds.time, 'Morning fan off');
  await select(ctx, L.commands.action, L.actions.off);
  await page.getByRole('textbox', { name: L.schedules.priority }).fill('5');
  await page.getByRole('button', { name: L.schedules.create }).click();
  await expect.poll(() => page.getByRole('heading', { name: 'Morning fan off' }).isVisible()).toBe(true);
  await menu(ctx, 'menu-schedules');
  await expect.poll(() => page.getByTestId('schedule').count()).toBe(3);
  await ctx.shot('16-schedules');
  await page.getByRole('link', { name: 'Morning fan', exact: true }).click();
  await expect.poll(() => page.getByTestId('firing-skipped').count()).toBe(7);
  await page.getByRole('button', { name: L.schedules.runNow }).click();
  await expect.poll(() => page.getByTestId('execution').count()).toBeGreaterThan(0);
  await ctx.shot('17-schedule-preview');

  // The emergency stop: two taps to hold, one to release.
  await menu(ctx, 'menu-schedules');
  await page.getByRole('button', { name: L.stop.button }).click();
  await page.getByRole('button', { name: L.stop.confirm }).click();
  await expect.poll(() => page.getByTestId('emergency-holding').isVisible()).toBe(true);
  expect((await inPage<{ holding: boolean }>(ctx, `/api/v1/farms/${ctx.farm.slug}/emergency-stop`)).body.holding).toBe(
    true,
  );
  await page.getByRole('button', { name: L.stop.release }).click();
  await expect.poll(() => page.getByTestId('emergency-holding').count()).toBe(0);
}

/** Beehives: an apiary and a hive, a queen with her colour, an inspection in a few taps shown on the card. */
export async function beesPath(ctx: PathContext): Promise<void> {
  const { page } = ctx.phone;
  const { L } = ctx;
  await page.getByTestId('account-menu').click();
  await page.getByTestId('menu-apiaries').click();
  await expect.poll(() => page.getByText(L.apiaries.empty).isVisible()).toBe(true);
  await page.getByRole('textbox', { name: L.apiaries.new }).fill('Orchard apiary');
  await page.getByRole('button', { name: L.apiaries.add }).click();
  const apiary = page.getByTestId('apiary-Orchard apiary');
  await apiary.getByRole('button', { name: L.hives.add }).click();
  await page.getByRole('textbox', { name: L.hives.name }).fill('Hive 1');
  await page.getByRole('button', { name: L.hives.add }).last().click();
  const card = page.getByTestId('hive-Hive 1');
  await expect.poll(() => card.getByTestId('last-inspection').textContent()).toBe(L.hives.neverInspected);

  await card.click();
  await page.getByRole('button', { name: L.queens.new }).click();
  await page.getByRole('textbox', { name: L.queens.name }).fill('Sophea I');
  await page.getByRole('button', { name: L.queens.add }).click();
  const queen = page.getByTestId('queen').first();
  await expect.poll(() => queen.textContent()).toContain(L.queens.current);
  // The marking colour follows the birth year (this year): white 1/6, yellow 2/7, red 3/8, green 4/9, blue 5/0.
  const colour = (['blue', 'white', 'yellow', 'red', 'green'] as const)[new Date().getFullYear() % 5]!;
  expect(await queen.textContent()).toContain(L.colours[colour]);

  await page.getByRole('button', { name: L.inspection.record }).click();
  await page.getByTestId('inspection-form').getByText('5', { exact: true }).first().click();
  await page.getByRole('textbox', { name: L.inspection.varroa }).fill('3');
  await ctx.shot('18-inspection');
  await page.getByRole('button', { name: L.inspection.save }).click();
  await expect.poll(() => page.getByTestId('hive-event').count()).toBe(1);
  await page.getByRole('link', { name: `← ${L.apiaries.title}` }).click();
  // "today" from the browser's own words where it has the language (Chromium has none for Khmer), else Croft's.
  const today =
    languageOf(L) === 'km'
      ? L.time.today
      : new Intl.RelativeTimeFormat(languageOf(L), { numeric: 'auto' }).format(0, 'day');
  await expect
    .poll(() => card.getByTestId('last-inspection').textContent())
    .toBe(fill(L.hives.lastInspection, { when: today }));
  expect(await card.textContent()).toContain(fill(L.hives.queen, { name: 'Sophea I' }));
  await ctx.shot('19-apiary');
}

/** The map: draw a field and a bed in it, find the bed by GPS, open it from its QR label's link. */
export async function mapPath(ctx: PathContext): Promise<void> {
  const { page, context } = ctx.phone;
  const { L } = ctx;
  await page.getByTestId('account-menu').click();
  await page.getByTestId('menu-locations').click();
  // The apiary made before is a place too.
  await expect.poll(() => page.getByTestId('tree-Orchard apiary').isVisible()).toBe(true);
  const map = page.getByTestId('map');
  const drawAt = async (points: Array<[number, number]>) => {
    await page.getByRole('button', { name: L.locations.draw }).click();
    await page.waitForTimeout(200);
    const box = (await map.boundingBox())!;
    for (const [x, y] of [...points, points[0]!]) {
      await page.mouse.click(box.x + box.width * x, box.y + box.height * y);
      await page.waitForTimeout(120);
    }
    await expect.poll(() => page.getByTestId('new-shape').isVisible()).toBe(true);
  };
  await drawAt([
    [0.15, 0.15],
    [0.85, 0.15],
    [0.85, 0.7],
    [0.15, 0.7],
  ]);
  await page.getByRole('textbox', { name: L.locations.name }).fill('North field');
  await page.getByRole('button', { name: L.locations.save }).click();
  await expect.poll(() => page.getByTestId('tree-North field').isVisible()).toBe(true);

  // The map now fits the field: the bed goes in its middle.
  await drawAt([
    [0.4, 0.35],
    [0.6, 0.35],
    [0.6, 0.55],
    [0.4, 0.55],
  ]);
  await page.getByRole('textbox', { name: L.locations.name }).fill('Bed 1');
  await select(ctx, L.locations.type, L.locationTypes.bed);
  await select(ctx, L.locations.parent, 'North field');
  await ctx.shot('20-map-draw');
  await page.getByRole('button', { name: L.locations.save }).click();
  await expect.poll(() => page.getByTestId('tree-Bed 1').isVisible()).toBe(true);

  // Stand in the bed: its centroid, as the server has it.
  const places = await inPage<{
    data: Array<{ name: string; qr_code: string; centroid: { coordinates: [number, number] } }>;
  }>(ctx, `/api/v1/farms/${ctx.farm.slug}/locations`);
  const bed = places.body.data.find((p) => p.name === 'Bed 1')!;
  await context.setGeolocation({ longitude: bed.centroid.coordinates[0], latitude: bed.centroid.coordinates[1] });
  await page.reload();
  await page.getByRole('button', { name: L.locations.whereAmI }).click();
  await expect
    .poll(() => page.getByTestId('where-am-i').textContent())
    .toBe(fill(L.locations.youAreIn, { path: 'North field › Bed 1' }));
  expect(await page.getByTestId('place').getByRole('heading').textContent()).toBe('Bed 1');
  await ctx.shot('21-map-gps');

  // A GeoJSON file of the farm's tanks comes in as places.
  await page.locator('input[type=file][accept*=geojson]').setInputFiles({
    name: 'tanks.geojson',
    mimeType: 'application/geo+json',
    buffer: Buffer.from(
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            geometry: { type: 'Point', coordinates: bed.centroid.coordinates },
            properties: { name: 'Tank A', type: 'tank' },
          },
        ],
      }),
    ),
  });
  await expect.poll(() => page.getByTestId('tree-Tank A').isVisible()).toBe(true);

  // What the printed label encodes opens the place.
  await page.goto(`/farms/${ctx.farm.slug}/locations/qr/${encodeURIComponent(bed.qr_code)}`);
  await expect
    .poll(
      async () =>
        (await page
          .getByTestId('place')
          .getByRole('heading')
          .textContent()
          .catch(() => '')) ?? '',
    )
    .toBe('Bed 1');
}

/** Settings: invite a viewer by link; they join from another phone and can see but change nothing. */
export async function viewerPath(ctx: PathContext, email: string): Promise<void> {
  const { page } = ctx.phone;
  const { L } = ctx;
  await page.getByTestId('account-menu').click();
  await page.getByTestId('menu-settings').click();
  await expect.poll(() => page.getByRole('heading', { name: L.settings.invitations }).isVisible()).toBe(true);
  await page.keyboard.press('Escape'); // the menu, if it is still closing
  await page.getByRole('combobox', { name: L.settings.role, exact: true }).first().click();
  await page.getByRole('option', { name: L.roles.viewer, exact: true }).click();
  await page.getByRole('button', { name: L.settings.invite }).click();
  const link = (await page.getByTestId('invitation-link').textContent())!;
  expect(link).toMatch(/\/invite\//);
  expect(await page.getByRole('img', { name: L.settings.inviteQr }).isVisible()).toBe(true);
  await ctx.shot('13-invitation');

  const other = await openPhone(ctx.croft.url);
  try {
    const guest = other.page;
    await guest.goto(link);
    // The guest's phone speaks the same language as the one who invited them.
    await guest.getByTestId('language-select').click();
    await guest
      .getByRole('option', { name: { en: 'English', km: 'ខ្មែរ', de: 'Deutsch', es: 'Español' }[languageOf(L)] })
      .click();
    await guest.getByRole('textbox', { name: L.setup.yourName }).fill('Dara Viewer');
    await guest.getByRole('textbox', { name: L.auth.email }).fill(email);
    await guest.locator('input[type=password]').fill('watching the hens all day');
    await guest.getByRole('button', { name: L.invite.createAndJoin }).click();
    await expect.poll(() => guest.getByRole('heading', { name: ctx.farm.name }).isVisible()).toBe(true);
    const nav = guest.getByRole('navigation', { name: L.nav.label });
    await nav.getByRole('link', { name: L.nav.devices }).click();
    await guest.getByTestId(`device-${ctx.device.id}`).click();
    await expect.poll(() => guest.getByRole('tab', { name: L.devices.tabs.live }).isVisible()).toBe(true);
    expect(await guest.getByRole('tab', { name: L.devices.tabs.commands }).count()).toBe(0);
    await guest.getByRole('tab', { name: L.devices.tabs.settings }).click();
    expect(await guest.getByRole('button', { name: L.credentials.generate }).count()).toBe(0);
    await nav.getByRole('link', { name: L.nav.devices }).click();
    expect(await guest.getByRole('button', { name: L.devices.add }).count()).toBe(0);
    await menu({ phone: other }, 'menu-schedules');
    expect(await guest.getByRole('button', { name: L.schedules.new }).count()).toBe(0);
    await menu({ phone: other }, 'menu-alerts');
    expect(await guest.getByRole('button', { name: L.alerts.acknowledge }).count()).toBe(0);
    expect(await guest.getByRole('button', { name: L.rules.new }).count()).toBe(0);
    await other.shot(`14-viewer-alerts${L.nav.label === 'Main navigation' ? '' : `-${languageOf(L)}`}`);
    // And the server agrees: a viewer's change is refused, whatever the page shows.
    const refused = await inPage(
      { ...ctx, phone: other },
      `/api/v1/farms/${ctx.farm.slug}/devices/${ctx.device.id}/commands`,
      { method: 'POST', body: { action: 'off' } },
    );
    expect(refused.status).toBe(403);
    expect(other.errors).toEqual([]);
  } finally {
    await other.close();
  }
  // The admin sees the new member with their role.
  await page.reload();
  await expect.poll(() => page.getByTestId(`member-${email}`).isVisible()).toBe(true);
}

/** Which language a strings file is (by a word no two share). */
export function languageOf(L: Words): 'en' | 'km' | 'de' | 'es' {
  return ({ Farm: 'en', Hof: 'de', Granja: 'es' } as Record<string, 'en' | 'de' | 'es'>)[L.nav.dashboard] ?? 'km';
}
