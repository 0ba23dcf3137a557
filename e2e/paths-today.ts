import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { inPage, menu, type PathContext } from './paths.js';

interface Small {
  what: string;
  height: number;
}

/**
 * Every visible target on the page is at least 48 px high: buttons, links, menu items, options, tabs,
 * checkboxes, radios, switches, inputs, selects and text areas. A checkbox or radio counts by the label
 * that toggles it with it (what a thumb really hits); a link inside running text (a `p` with words of its
 * own around the link) is left out — none of the pages has one today.
 */
export async function expectTouchTargets(page: Page): Promise<void> {
  const small = (await page.evaluate(MEASURE)) as Small[];
  expect(small).toEqual([]);
}

/** Run in the page (the e2e code is compiled without the DOM's types): the targets under 48 px. */
const MEASURE = `(() => {
  const selector = [
    'button', 'a[href]', '[role=button]', '[role=link]', '[role=menuitem]', '[role=option]', '[role=tab]',
    '[role=checkbox]', '[role=radio]', '[role=switch]', 'input:not([type=hidden])', 'select', 'textarea',
  ].join(',');
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return false;
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.display === 'none' || style.visibility === 'hidden') return false;
      if (node.getAttribute('aria-hidden') === 'true') return false;
    }
    return true;
  };
  // A link inside running text: a paragraph with words of its own around the link.
  const inRunningText = (el) =>
    el.tagName === 'A' && el.parentElement?.tagName === 'P' &&
    (el.parentElement.textContent ?? '').trim() !== (el.textContent ?? '').trim();
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el) || inRunningText(el)) continue;
    let height = el.getBoundingClientRect().height;
    if (el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio')) {
      // The label toggles it too: that is what a thumb hits (a segmented control's radio is hidden in it).
      for (const label of el.labels ?? []) height = Math.max(height, label.getBoundingClientRect().height);
    }
    if (height + 0.5 < 48) {
      const name = el.getAttribute('aria-label') ?? el.getAttribute('data-testid') ?? (el.textContent ?? '').trim().slice(0, 40);
      out.push({ what: el.tagName.toLowerCase() + '[' + (el.getAttribute('role') ?? el.getAttribute('type') ?? '') + '] ' + name, height: Math.round(height) });
    }
  }
  return out;
})()`;

type TodayFarms = {
  data: Array<{ farm: { slug: string }; tasks: Array<{ id: string; title: string; status: string }> }>;
};
type TaskBody = { id: string; status: string; due_at: string; completion_id: string | null };

/**
 * Today: a windowsill-herbs kit applied from the kits page (a refused plant count shown first), Today
 * showing its first tasks; one task done with a tap (done once on the server), one snoozed a day; every
 * target on Today and in the open ☰ menu 48 px high.
 */
export async function todayPath(ctx: PathContext): Promise<void> {
  const { page } = ctx.phone;
  const { L } = ctx;
  const slug = ctx.farm.slug;
  const nav = page.getByRole('navigation', { name: L.nav.label });
  await nav.getByRole('link', { name: L.nav.today }).click();
  await expect.poll(() => page.getByRole('heading', { name: L.today.title, exact: true }).isVisible()).toBe(true);
  await page.getByRole('link', { name: L.today.applyKit }).click();

  const kit = page.getByTestId('kit-windowsill-herbs');
  await expect.poll(() => kit.isVisible()).toBe(true);
  await ctx.shot('31-kits');
  await kit.getByRole('button', { name: L.kits.choose }).click();
  const form = page.getByTestId('kit-apply');
  await form.getByRole('textbox', { name: L.kits.siteName }).fill('Kitchen window');
  // More plants than the kit allows (3 × 6): the server's refusal, in words.
  await form.getByRole('textbox', { name: L.kits.plantCount }).fill('99');
  await form.getByRole('button', { name: L.kits.apply }).click();
  await expect
    .poll(
      async () =>
        (await form
          .getByRole('alert')
          .textContent()
          .catch(() => '')) ?? '',
    )
    .toContain('18');
  await form.getByRole('textbox', { name: L.kits.plantCount }).fill('6');
  await form.getByRole('button', { name: L.kits.apply }).click();

  await expect.poll(() => page.url()).toMatch(new RegExp(`/farms/${slug}/today$`));
  const ours = async () =>
    (await inPage<TodayFarms>(ctx, '/api/v1/tasks/today')).body.data.find((f) => f.farm.slug === slug)?.tasks ?? [];
  const made = await ours();
  expect(made.length).toBeGreaterThan(1);
  const cards = page.getByTestId(`today-farm-${slug}`).getByTestId('task');
  await expect.poll(() => cards.count()).toBe(made.length);
  await ctx.shot('30-today');
  await expectTouchTargets(page);

  // Done with one tap: gone from the list, done once on the server.
  const first = cards.first();
  const doneId = (await first.getAttribute('data-task'))!;
  await first.getByRole('button', { name: L.tasks.done, exact: true }).click();
  await expect.poll(() => page.locator(`[data-task="${doneId}"]`).count()).toBe(0);
  await expect.poll(() => page.getByTestId('closed-notice').isVisible()).toBe(true);
  const done = await inPage<TaskBody>(ctx, `/api/v1/farms/${slug}/tasks/${doneId}`);
  expect(done.body.status).toBe('done');
  expect(done.body.completion_id).not.toBeNull();
  const doneList = await inPage<{ data: TaskBody[] }>(ctx, `/api/v1/farms/${slug}/tasks?status=done&limit=200`);
  expect(doneList.body.data.filter((t) => t.id === doneId)).toHaveLength(1);

  // Snoozed a day: off today's list, still open, due tomorrow or later.
  const next = cards.first();
  const snoozedId = (await next.getAttribute('data-task'))!;
  await next.getByRole('button', { name: L.tasks.snooze, exact: true }).click();
  await page.getByRole('menuitem', { name: L.tasks.snoozeDay }).click();
  await expect.poll(() => page.locator(`[data-task="${snoozedId}"]`).count()).toBe(0);
  const snoozed = await inPage<TaskBody>(ctx, `/api/v1/farms/${slug}/tasks/${snoozedId}`);
  expect(snoozed.body.status).toBe('open');
  expect(new Date(snoozed.body.due_at).getTime()).toBeGreaterThan(Date.now());
  expect((await ours()).map((t) => t.id)).toEqual(
    made.map((t) => t.id).filter((id) => id !== doneId && id !== snoozedId),
  );
  await expect.poll(() => cards.count()).toBe(made.length - 2);

  // The ☰ menu: every item a thumb's height.
  await page.getByTestId('account-menu').click();
  await expect.poll(() => page.getByTestId('menu-overview').isVisible()).toBe(true);
  await expectTouchTargets(page);
  await page.keyboard.press('Escape');
  await expect.poll(() => page.getByTestId('menu-overview').isVisible()).toBe(false);
}

/** 48 px targets on pages made before Today: the farm overview, devices, a hive. */
export async function touchTargetsPath(ctx: PathContext, hive: string): Promise<void> {
  const { page } = ctx.phone;
  const { L } = ctx;
  await menu(ctx, 'menu-overview');
  await expect.poll(() => page.getByTestId('stat-online').isVisible()).toBe(true);
  await expectTouchTargets(page);
  await page.getByRole('navigation', { name: L.nav.label }).getByRole('link', { name: L.nav.devices }).click();
  await expect.poll(() => page.getByRole('button', { name: L.devices.add }).isVisible()).toBe(true);
  await expectTouchTargets(page);
  await menu(ctx, 'menu-apiaries');
  await page.getByTestId(`hive-${hive}`).click();
  await expect.poll(() => page.getByRole('heading', { name: hive }).isVisible()).toBe(true);
  await expectTouchTargets(page);
}
