import { expect } from 'vitest';
import { inPage, type PathContext, type Words } from './paths.js';
import { PHONE_TIME_ZONE } from './browser.js';

const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key]));

/** A select's input, searchable or not. */
const field = (phone: PathContext['phone'], label: string) =>
  phone.page
    .getByRole('combobox', { name: label, exact: true })
    .or(phone.page.getByRole('textbox', { name: label, exact: true }));

/** Picks options of a searchable multi-select by typing part of each name. */
async function pickMany({ phone }: PathContext, label: string, names: string[]) {
  const input = field(phone, label);
  for (const name of names) {
    await input.click();
    await input.fill(name);
    await phone.page.getByRole('option', { name, exact: true }).click();
  }
  await phone.page.keyboard.press('Escape');
}

/** The mix calculator: 10 L of coco feed from three products, its doses and numbered steps. */
export async function mixPath(ctx: PathContext): Promise<void> {
  const { page } = ctx.phone;
  const { L } = ctx;
  await page.goto(`/farms/${ctx.farm.slug}/feeding`);
  await expect.poll(() => page.getByRole('heading', { name: L.feeding.title }).isVisible()).toBe(true);
  await page.getByRole('textbox', { name: L.feeding.volume }).fill('10');
  await page.getByRole('textbox', { name: L.feeding.targetEc }).fill('1.6');
  await page.getByRole('textbox', { name: L.feeding.waterEc }).fill('0.3');
  await page.getByRole('textbox', { name: L.feeding.waterTemp }).fill('22');
  await pickMany(ctx, L.feeding.products, [
    'CalMag Liquid (Generic)',
    'Three-Part Base Micro (Generic)',
    'Three-Part Base Grow (Generic)',
  ]);
  await page.getByRole('textbox', { name: L.feeding.targetPh }).fill('5.8');
  await page.getByRole('textbox', { name: L.feeding.waterPh }).fill('7.4');
  await page.getByRole('button', { name: L.feeding.calculate }).click();

  // Fill, three products in mixing order, measure the EC, the pH last: six numbered steps.
  const steps = page.getByTestId('mix-step');
  await expect.poll(() => steps.count()).toBe(6);
  expect(await steps.first().textContent()).toBe(fill(L.feeding.steps.fill, { volume: 10, ec: 0.3, temp: 22 }));
  expect(await page.getByTestId('mix-dose').count()).toBe(3);
  expect(await steps.nth(1).textContent()).toContain('CalMag Liquid (Generic)');
  expect(await steps.last().textContent()).toBe(fill(L.feeding.steps.ph.lower, { delta: 1.6, target: 5.8 }));
  // The answer's own findings, each under its severity's heading.
  await expect.poll(() => page.getByTestId('mix-finding').count()).toBeGreaterThan(0);
  // Each headed in the person's language: its severity, then what its code means.
  const findings = page.getByTestId('mix-finding');
  for (let i = 0; i < (await findings.count()); i++) {
    const code = (await findings.nth(i).getAttribute('data-code')) as keyof Words['feeding']['findings'];
    const severity = (await findings.nth(i).getAttribute('data-severity')) as keyof Words['feeding']['severity'];
    expect(L.feeding.findings[code], code).toBeTruthy();
    expect(await findings.nth(i).textContent()).toContain(
      `${L.feeding.severity[severity]}: ${L.feeding.findings[code]}`,
    );
  }
  expect(await page.getByTestId('mix-unsafe').count()).toBe(0);
  await page.getByTestId('mix-steps').scrollIntoViewIfNeeded();
  await ctx.shot('40-mix');
}

/**
 * The mix, then a treatment applied to a plant (its interval confirmed) and a harvest of that plant the same
 * day, refused by the pre-harvest interval: the page names the ingredient and the day it is safe.
 */
export async function feedingPath(ctx: PathContext): Promise<void> {
  const { page } = ctx.phone;
  const { L } = ctx;
  await mixPath(ctx);

  // A bed with a run of two tomato plants, and spinosad's 3-day interval confirmed by the farm.
  const base = `/api/v1/farms/${ctx.farm.slug}`;
  const house = await inPage<{ id: string }>(ctx, `${base}/locations`, {
    method: 'POST',
    body: { name: 'Tunnel house', type: 'greenhouse' },
  });
  expect(house.status).toBe(201);
  const bed = await inPage<{ id: string }>(ctx, `${base}/locations`, {
    method: 'POST',
    body: { name: 'Tunnel bed', type: 'bed', parent_id: house.body.id },
  });
  expect(bed.status).toBe(201);
  const run = await inPage<{ id: string }>(ctx, `${base}/planting-runs`, {
    method: 'POST',
    body: {
      name: 'Tunnel tomatoes',
      type: 'monoculture',
      location: bed.body.id,
      entries: [{ species: 'solanum-lycopersicum', quantity: 2, id_prefix: 'TOM' }],
    },
  });
  expect(run.status).toBe(201);
  const planted = await inPage<{ plants: Array<{ label: string }> }>(
    ctx,
    `${base}/planting-runs/${run.body.id}/plants`,
    {
      method: 'POST',
      body: {},
    },
  );
  expect(planted.status).toBe(201);
  const plant = planted.body.plants[0]!.label;
  const spinosad = await inPage<{ data: Array<{ id: string; name: string }> }>(ctx, `${base}/treatments?q=spinosad`);
  const treatment = spinosad.body.data.find((x) => x.name === 'Spinosad spray')!;
  const confirmed = await inPage(ctx, `${base}/treatments/${treatment.id}/interval`, {
    method: 'PUT',
    body: { days: 3, confirmed: true },
  });
  expect(confirmed.status).toBe(200);

  // The treatment, applied on the page.
  await page.goto(`/farms/${ctx.farm.slug}/protection/new?plant=${plant}`);
  await expect.poll(() => page.getByTestId('record-target').textContent()).toContain(plant);
  await page.getByTestId('protection-kind').getByText(L.protection.treatmentApplied, { exact: true }).click();
  const choose = field(ctx.phone, L.protection.treatment);
  await choose.click();
  await choose.fill('Spinosad');
  await page.getByRole('option', { name: 'Spinosad spray (spinosad)', exact: true }).click();
  await expect
    .poll(() => page.getByTestId('treatment-interval').textContent())
    .toContain(fill(L.protection.intervalConfirmed, { days: 3 }));
  await page.getByRole('textbox', { name: L.protection.dose }).fill('20');
  await ctx.shot('41-treatment');
  await page.getByRole('button', { name: L.protection.saveTreatment }).click();
  // The farm's day, not the test machine's: a spray late in a UTC evening is already tomorrow in Phnom Penh.
  const safe = new Date(Date.now() + 3 * 86_400_000).toLocaleDateString('en-CA', { timeZone: PHONE_TIME_ZONE });
  await expect
    .poll(() => page.getByTestId('treatment-saved').textContent())
    .toContain(fill(L.protection.harvestFrom, { date: safe }));

  // A harvest today is refused: spinosad blocks it until the safe day.
  await page.getByRole('link', { name: L.protection.toHarvest }).click();
  await expect.poll(() => page.getByRole('heading', { name: L.harvests.title }).isVisible()).toBe(true);
  await page.getByRole('textbox', { name: L.harvests.weight }).fill('850');
  // The check made before saving shows the interval first (and moves the button down as it appears: a tap
  // while it comes in could land on it, so the test waits for it as a person would).
  const blocked = page.getByTestId('harvest-blocked');
  await expect.poll(() => blocked.textContent()).toContain(L.harvests.blocked);
  await page.getByRole('button', { name: L.harvests.save }).click();
  await expect.poll(() => blocked.textContent()).toContain(L.harvests.refused);
  const blocker = page.getByTestId('blocker');
  expect(await blocker.count()).toBe(1);
  expect(await blocker.textContent()).toContain('spinosad');
  expect(await blocker.getByTestId('blocker-safe-date').textContent()).toBe(
    fill(L.harvests.safeFrom, { date: safe, days: 3 }),
  );
  await ctx.shot('42-harvest-refused');
  // Nothing was stored.
  const harvests = await inPage<{ data: unknown[] }>(ctx, `${base}/harvests?plant=${plant}`);
  expect(harvests.body.data).toEqual([]);
}
