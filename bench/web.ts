/**
 * How soon each page of the web app is usable, on the embedded default (`croft serve`, PGlite):
 * from navigation until the page's main content is on screen, in headless Chromium on a phone-sized
 * window, cold (empty cache) and warm, with the CPU as is and slowed 4× (a mid-range phone). The
 * baseline, measured in the same run, is loading a small static file from the same server.
 *
 *   npm run bench:web        (needs /usr/bin/chromium; builds first)
 */
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, PHONE, startCroft } from '../e2e/browser.js';
import { generateSyntheticTray } from '../src/modules/photos/index.js';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PASSWORD = 'green fields after the rain';

const croft = await startCroft();
const base = croft.url;
const json = async (method: string, path: string, body?: unknown, token?: string) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
};
const setup = await json('POST', '/api/v1/auth/setup', {
  email: 'bench@example.org',
  name: 'Bench',
  password: PASSWORD,
  farm: { name: 'Bench Farm', timezone: 'Asia/Phnom_Penh' },
});
const token = setup.access_token as string;
const farm = (setup.farm as { slug: string }).slug;
for (let i = 1; i <= 12; i++)
  await json(
    'POST',
    `/api/v1/farms/${farm}/devices`,
    { device_id: `house-${i}`, name: `House ${i}`, type: 'sensor' },
    token,
  );
const now = Date.now();
const readings = [];
for (let m = 0; m < 60; m++)
  for (const metric of ['temperature', 'humidity']) {
    readings.push({
      device: 'house-1',
      metric,
      ts: new Date(now - m * 60_000).toISOString(),
      value: 20 + Math.sin(m / 9) * 3,
    });
  }
await json('POST', `/api/v1/farms/${farm}/telemetry`, { readings }, token);

// A starter kit's plants and first tasks (Today, a plant page), and a photo counted (its review page).
const api = `/api/v1/farms/${farm}`;
await json('POST', `${api}/onboarding/apply`, { kit: 'windowsill-herbs', site_name: 'Kitchen', plant_count: 6 }, token);
const plant = ((await json('GET', `${api}/plants?limit=1`, undefined, token)).data as Array<{ id: string }>)[0]!.id;
const tray = await generateSyntheticTray({ seed: 7 });
const uploaded = await fetch(`${base}${api}/photos/${randomUUID()}`, {
  method: 'PUT',
  headers: { 'content-type': 'image/jpeg', authorization: `Bearer ${token}` },
  body: tray.jpeg,
});
const session = ((await uploaded.json()) as { session_id: string }).session_id;
for (let tries = 0; ; tries++) {
  const { status } = await json('GET', `${api}/photo-sessions/${session}`, undefined, token);
  if (status === 'completed') break;
  if (status === 'failed' || tries > 600) throw new Error(`the photo was not counted (${String(status)})`);
  await new Promise((resolve) => setTimeout(resolve, 200));
}

const pages: Array<{ name: string; path: string; ready: (page: Page) => Promise<unknown> }> = [
  { name: 'today', path: `/farms/${farm}/today`, ready: (p) => p.getByTestId('task').first().waitFor() },
  { name: 'plant', path: `/farms/${farm}/plants/${plant}`, ready: (p) => p.getByTestId('phase-timeline').waitFor() },
  {
    name: 'photo review',
    path: `/farms/${farm}/photo-sessions/${session}`,
    ready: (p) => p.getByTestId('mark').first().waitFor(),
  },
  { name: 'dashboard', path: `/farms/${farm}/overview`, ready: (p) => p.getByTestId('stat-online').waitFor() },
  { name: 'devices', path: `/farms/${farm}/devices`, ready: (p) => p.getByTestId('device-house-12').waitFor() },
  {
    name: 'device live',
    path: `/farms/${farm}/devices/house-1`,
    ready: (p) => p.locator('[data-testid=metric-temperature] [data-points]:not([data-points="0"])').waitFor(),
  },
  {
    name: 'device history',
    path: `/farms/${farm}/devices/house-1?tab=history`,
    ready: (p) => p.getByRole('img').first().waitFor(),
  },
  { name: 'alerts', path: `/farms/${farm}/alerts`, ready: (p) => p.getByText('No active alerts').waitFor() },
  { name: 'inbox', path: `/farms/${farm}/inbox`, ready: (p) => p.getByText('Nothing here').waitFor() },
  { name: 'schedules', path: `/farms/${farm}/schedules`, ready: (p) => p.getByText('No schedules yet').waitFor() },
  { name: 'beehives', path: `/farms/${farm}/apiaries`, ready: (p) => p.getByText('No apiaries yet').waitFor() },
  {
    name: 'map',
    path: `/farms/${farm}/locations`,
    ready: (p) => p.locator('[data-testid=map] .leaflet-control-zoom').waitFor(),
  },
  { name: 'settings', path: `/farms/${farm}/settings`, ready: (p) => p.getByTestId('audit-event').first().waitFor() },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(browser: Browser, throttle: number) {
  const results: Record<string, { cold: number[]; warm: number[] }> = { baseline: { cold: [], warm: [] } };
  for (let round = 0; round < ROUNDS; round++) {
    const context = await browser.newContext({ viewport: PHONE, baseURL: base, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
    for (const kind of ['cold', 'warm'] as const) {
      let start = performance.now();
      await page.goto('/favicon.svg');
      results.baseline![kind].push(performance.now() - start);
      // Signed in once per context (the refresh cookie then carries every page).
      if (kind === 'cold') {
        await page.goto('/');
        await page.locator('input[type=email]').fill('bench@example.org');
        await page.locator('input[type=password]').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByTestId('task').first().waitFor(); // the farm's home is Today once it grows crops
        await cdp.send('Network.clearBrowserCache').catch(() => undefined);
      }
      for (const target of pages) {
        start = performance.now();
        await page.goto(target.path);
        await target.ready(page).catch(async (error: unknown) => {
          await page.screenshot({ path: `/tmp/bench-web-${target.name.replace(' ', '-')}.png` });
          throw new Error(
            `${target.name} did not show (screenshot in /tmp): ${(error as Error).message}\n${await page.locator('body').innerText()}`,
          );
        });
        (results[target.name] ??= { cold: [], warm: [] })[kind].push(performance.now() - start);
      }
    }
    await context.close();
  }
  return results;
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
try {
  for (const throttle of [1, 4]) {
    const results = await measure(browser, throttle);
    const baseline = median(results.baseline!.warm);
    console.log(
      `\nCPU ${throttle === 1 ? 'as is' : `slowed ${throttle}×`}: median of ${ROUNDS}, ms until the page's content shows (× the static-file baseline, ${baseline.toFixed(1)} ms warm)`,
    );
    console.log('page'.padEnd(16), 'cold'.padStart(8), 'warm'.padStart(8), 'warm ×'.padStart(8));
    for (const [name, { cold, warm }] of Object.entries(results)) {
      if (name === 'baseline') continue;
      console.log(
        name.padEnd(16),
        median(cold).toFixed(0).padStart(8),
        median(warm).toFixed(0).padStart(8),
        (median(warm) / baseline).toFixed(0).padStart(8),
      );
    }
  }
} finally {
  await browser.close();
  await croft.close();
}
