import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterEach, beforeEach } from 'vitest';
import { spawnCroft, type CroftProcess } from '../test/helpers/process.js';

/** Debian's Chromium, headless, kept off the network it cannot reach (see .library env notes). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** A phone: the width the app is designed for first. */
export const PHONE = { width: 360, height: 740 };

/** Every step's screenshot (ignored by git); CROFT_SCREENSHOTS=docs/screenshots also refreshes the curated set. */
const SHOTS = 'e2e/screenshots';
const CURATED = process.env.CROFT_SCREENSHOTS;

export interface Croft {
  process: CroftProcess;
  url: string;
  close(): Promise<void>;
}

/** `croft serve` as a new user runs it: the built app, the embedded database in a fresh folder, the embedded broker. */
export async function startCroft(env: Record<string, string> = {}): Promise<Croft> {
  const dataDir = mkdtempSync(join(tmpdir(), 'croft-e2e-'));
  const croft = spawnCroft('dist/main.js', ['serve'], {
    CROFT_DATA_DIR: dataDir,
    CROFT_MQTT_PORT: '0',
    CROFT_LOG_LEVEL: 'info',
    ...env,
  });
  // A first start makes the embedded database (~10 s alone; minutes on a machine loaded with other work).
  const url = await croft.url(240_000).catch(async (error: unknown) => {
    // A server that did not come up in time is stopped, not left running behind the failed suite.
    croft.child.kill('SIGKILL');
    await croft.exited;
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    process: croft,
    url,
    async close() {
      croft.child.kill('SIGTERM');
      await croft.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Phone {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Browser errors seen (uncaught exceptions and console errors): a test ends by asserting there are none. */
  errors: string[];
  shot(name: string, curated?: boolean): Promise<void>;
  close(): Promise<void>;
}

/** The phone's time zone; a farm made on the phone takes it, so the farm's days are counted in it. */
export const PHONE_TIME_ZONE = 'Asia/Phnom_Penh';

export async function openPhone(baseURL: string): Promise<Phone> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  const context = await browser.newContext({
    baseURL,
    viewport: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'en-GB',
    timezoneId: PHONE_TIME_ZONE,
    permissions: ['clipboard-read', 'clipboard-write', 'geolocation'],
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A refused request already shows in the page as words; the console line is the browser's own note of it.
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text()))
      errors.push(`console: ${message.text()}`);
  });
  mkdirSync(SHOTS, { recursive: true });
  if (CURATED) mkdirSync(CURATED, { recursive: true });
  return {
    browser,
    context,
    page,
    errors,
    async shot(name, curated = false) {
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
      if (curated && CURATED) await page.screenshot({ path: join(CURATED, `${name}.png`), fullPage: false });
    },
    async close() {
      await browser.close();
    },
  };
}

/**
 * A suite whose steps stand on the ones before: after a failure the rest are skipped (they would only fail
 * for the same reason), and the failing step's screen is kept as `failed-<prefix><step>.png`.
 */
export function stepsInOrder(phone: () => Phone | undefined, prefix = ''): void {
  let broken = false;
  beforeEach((context) => {
    if (broken) context.skip();
  });
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    broken = true;
    const step = context.task.name.slice(0, 40).replace(/\W+/g, '-');
    await phone()
      ?.shot(`failed-${prefix}${step}`)
      .catch(() => undefined);
  });
}
