import { expect } from 'vitest';
import { inPage, languageOf, type PathContext } from './paths.js';

const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key]));

/**
 * Plants and runs: a run started through the page where a tomato grew last year (the rotation check
 * warns first, the server refuses, the administrator plants anyway with a reason), one of its plants
 * moved a phase forward, then refused a move back with the reason in the page's language.
 */
export async function plantsPath(ctx: PathContext): Promise<void> {
  const { page } = ctx.phone;
  const { L, farm } = ctx;
  const year = new Date().getFullYear();
  const api = `/api/v1/farms/${farm.slug}`;

  // The page settled first (its own sign-in refreshed), so the API calls below never race it.
  await page.goto(`/farms/${farm.slug}/plants`);
  await expect.poll(() => page.getByRole('heading', { name: L.plants.title, exact: true }).isVisible()).toBe(true);

  // A bed where a tomato grew last summer (made through the API: the page under test plants the next one).
  const field = await inPage<{ id: string }>(ctx, `${api}/locations`, {
    method: 'POST',
    body: { name: 'Kitchen garden', type: 'field' },
  });
  expect(field.status).toBe(201);
  const bed = await inPage<{ id: string }>(ctx, `${api}/locations`, {
    method: 'POST',
    body: { name: 'Tomato bed', type: 'bed', parent_id: field.body.id },
  });
  expect(bed.status).toBe(201);
  const earlier = await inPage<{ id: string }>(ctx, `${api}/plants`, {
    method: 'POST',
    body: { species: 'solanum-lycopersicum', location: bed.body.id, planted_on: `${year - 1}-05-01` },
  });
  expect(earlier.status).toBe(201);
  const removed = await inPage(ctx, `${api}/plants/${earlier.body.id}`, {
    method: 'PATCH',
    body: { removed_on: `${year - 1}-09-30` },
  });
  expect(removed.status).toBe(200);

  await page.reload();
  await page.getByRole('button', { name: L.runs.start, exact: true }).click();
  const species = page.getByRole('combobox', { name: L.runs.species, exact: true });
  await species.click();
  await species.fill('Solanum lycopersicum');
  await page.getByRole('option', { name: /· Solanum lycopersicum$/ }).click();
  const place = page.getByRole('combobox', { name: L.runs.place, exact: true });
  await place.click();
  await place.fill('Tomato bed');
  await page.getByRole('option', { name: `Tomato bed (${L.locationTypes.bed})`, exact: true }).click();
  await page.getByRole('textbox', { name: L.runs.quantity }).fill('3');

  // The check before planting: the family is back too soon, and the year it may return.
  const rotation = page.getByTestId('placement-rotation');
  await expect.poll(() => rotation.getAttribute('data-status')).toBe('violation');
  expect(await rotation.textContent()).toContain(fill(L.plants.placement.allowedFrom, { year: year + 3 }));
  expect(await page.getByTestId('placement').getAttribute('data-ok')).toBe('false');
  await rotation.scrollIntoViewIfNeeded();
  await ctx.shot('30-start-run');

  // Refused by the server; the administrator (a manager) plants anyway, with a reason.
  await page.getByRole('button', { name: L.runs.create, exact: true }).click();
  await expect.poll(() => page.getByTestId('acknowledge').isVisible()).toBe(true);
  await page.getByRole('textbox', { name: L.runs.reason }).fill('Grafted plants on a resistant rootstock');
  await page.getByRole('button', { name: L.runs.plantAnyway, exact: true }).click();
  await expect.poll(() => page.getByTestId('run-plant').count()).toBe(3);
  expect(page.url()).toMatch(/\/runs\/[0-9a-f-]{36}$/);
  expect(await page.getByTestId('run-status').textContent()).toBe(L.runs.status.active);

  // A plant: forward from germination to seedling.
  await page.getByTestId('run-plant').first().click();
  const current = page.getByTestId('current-phase');
  await expect.poll(() => current.getAttribute('data-phase')).toBe('germination');
  expect(await page.getByTestId('days-in-phase').isVisible()).toBe(true);
  await page.getByRole('button', { name: L.phases.move, exact: true }).click();
  await expect.poll(() => current.getAttribute('data-phase')).toBe('seedling');
  await expect.poll(() => page.getByTestId('phase-germination').getAttribute('data-state')).toBe('done');

  // Back to germination: refused, with the reason.
  const moveTo = page.getByRole('combobox', { name: L.phases.moveTo, exact: true });
  await moveTo.click();
  await page.getByRole('option', { name: L.phases.name.germination, exact: true }).click();
  await page.getByRole('button', { name: L.phases.move, exact: true }).click();
  const refusal = page.getByTestId('change-phase').getByRole('alert');
  await expect.poll(() => refusal.isVisible()).toBe(true);
  const words = (await refusal.textContent()) ?? '';
  // In English the server's own sentence; in another language the code's words, the server's beneath.
  expect(words).toContain('Moving back from "seedling" to "germination" needs force');
  if (languageOf(L) !== 'en') expect(words).toContain(L.errors.code.PHASE_TRANSITION_INVALID);
  expect(await current.getAttribute('data-phase')).toBe('seedling');
  await ctx.shot('31-plant');

  const plantId = page.url().split('/').pop()!;
  const history = await inPage<{ data: { phase: string }[] }>(ctx, `${api}/plants/${plantId}/phases`);
  expect(history.body.data.map((h) => h.phase)).toEqual(['germination', 'seedling']);

  // The administrator (a manager) moves it back anyway: only with a reason, recorded as forced.
  const force = page.getByTestId('force-back');
  await expect.poll(() => force.isVisible()).toBe(true);
  const anyway = page.getByRole('button', { name: L.phases.forceBack, exact: true });
  expect(await anyway.isDisabled()).toBe(true);
  await page
    .getByRole('textbox', { name: L.phases.forceReason })
    .fill('Seedlings damped off; resown in the same cells');
  await anyway.click();
  await expect.poll(() => current.getAttribute('data-phase')).toBe('germination');
  const after = await inPage<{ data: { phase: string; reason: string }[] }>(ctx, `${api}/plants/${plantId}/phases`);
  expect(after.body.data.map((h) => [h.phase, h.reason])).toEqual([
    ['germination', 'initial'],
    ['seedling', 'manual'],
    ['germination', 'forced'],
  ]);
}
