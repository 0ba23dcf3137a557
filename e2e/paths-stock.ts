import fs from 'node:fs';
import { expect } from 'vitest';
import { inPage, languageOf, type PathContext } from './paths.js';

const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key]));

interface Batch {
  id: string;
  code: string;
  quantity: number;
}
interface Movement {
  id: string;
  type: string;
  quantity: number;
}

// The little of the page's DOM used here (the e2e files compile without the DOM library).
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    fillStyle: string;
    fillRect(x: number, y: number, w: number, h: number): void;
    drawImage(image: unknown, x: number, y: number, w: number, h: number): void;
  } | null;
  toDataURL(type: string): string;
}
declare const document: { createElement(tag: 'canvas'): PageCanvas };
declare const history: { pushState(state: unknown, unused: string, url: string): void };
declare const dispatchEvent: (event: unknown) => void;
declare const PopStateEvent: new (type: string) => unknown;
declare const Image: new () => { src: string; decode(): Promise<void> };

/** The place's printed label (its SVG, as the server draws it) photographed: a PNG of it. */
async function labelPhoto(ctx: PathContext, location: string): Promise<Buffer> {
  const base64 = await ctx.phone.page.evaluate(async (path) => {
    const refresh = await fetch('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'test' },
      body: '{}',
    });
    const { access_token: token } = (await refresh.json()) as { access_token: string };
    const svg = await (await fetch(path, { headers: { authorization: `Bearer ${token}` } })).text();
    const image = new Image();
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
    await image.decode();
    // 70 × 37 mm at 12 px a millimetre, on white paper.
    const canvas = document.createElement('canvas');
    canvas.width = 840;
    canvas.height = 444;
    const g = canvas.getContext('2d')!;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(image, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL('image/png').split(',')[1]!;
  }, `/api/v1/farms/${ctx.farm.slug}/locations/${location}/label.svg`);
  return Buffer.from(base64, 'base64');
}

/**
 * Nursery stock: a bench with its stock config and a batch of 40; its label scanned from a photo opens it;
 * counted with the stepper (38: a shortfall of 2 recorded as sold, stored once); two deaths recorded, a
 * death of more than it holds refused in words; the batch's history.
 */
export async function stockPath(ctx: PathContext): Promise<void> {
  const { page } = ctx.phone;
  const { L } = ctx;
  const farm = `/api/v1/farms/${ctx.farm.slug}`;
  const post = async <T>(path: string, body: unknown, method = 'POST') => {
    const answer = await inPage<T>(ctx, `${farm}${path}`, { method, body });
    expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
    return answer.body;
  };
  const house = await post<{ id: string }>('/locations', { name: 'Shadehouse', type: 'warehouse', code: 'SH' });
  const area = await post<{ id: string }>('/locations', {
    name: 'North',
    type: 'storage_area',
    parent_id: house.id,
  });
  const bench = await post<{ id: string }>('/locations', {
    name: 'Bench 1',
    type: 'storage_location',
    code: 'B1',
    parent_id: area.id,
  });
  const benchTwo = await post<{ id: string }>('/locations', {
    name: 'Bench 2',
    type: 'storage_location',
    code: 'B2',
    parent_id: area.id,
  });
  await post('/product-categories', { code: 'CACT', name: 'Cacti', ready_days: 365 });
  const family = await post<{ id: string }>('/product-families', { category: 'CACT', name: 'Echinocactus' });
  await post('/products', { family: family.id, sku: 'ECH-GRU', name: 'Golden barrel' });
  await post('/packaging', { sku: 'P8', name: 'Pot 8 cm', type: 'pot', pot_code: 'P3.5/8' });
  await post('/packaging', { sku: 'P12', name: 'Pot 12 cm', type: 'pot', pot_code: 'P5/12' });
  await post(`/locations/${bench.id}/stock-config`, { product: 'ECH-GRU', packaging: 'P8' }, 'PUT');
  const batch = await post<Batch>('/stock/batches', {
    movement_id: crypto.randomUUID(),
    location: bench.id,
    product: 'ECH-GRU',
    packaging: 'P8',
    quantity: 40,
    planted_on: '2026-01-15',
  });

  // The stock page: what the nursery has; a photo of the bench's label opens the bench.
  // Opened as a link inside the app opens it, without reloading the app (the menu entry is the lead's).
  await page.evaluate((path) => {
    history.pushState({}, '', path);
    dispatchEvent(new PopStateEvent('popstate'));
  }, `/farms/${ctx.farm.slug}/stock`);
  const line = page.getByTestId('availability-ECH-GRU');
  await expect.poll(() => line.textContent()).toContain('40');
  await ctx.shot('40-stock');
  await page.getByRole('button', { name: L.stock.scan }).click();
  await page.getByTestId('qr-photo').waitFor();
  await page
    .locator('input[type=file]')
    .setInputFiles({ name: 'label.png', mimeType: 'image/png', buffer: await labelPhoto(ctx, bench.id) });
  await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Bench 1' }).isVisible()).toBe(true);
  const card = page.getByTestId(`batch-${batch.code}`);
  await expect.poll(() => card.getByTestId('batch-quantity').textContent()).toBe('40');

  // Counted with the stepper: 40 − 3 + 1 = 38.
  const count = page.getByTestId('count-card');
  for (let i = 0; i < 3; i++) await count.getByRole('button', { name: L.stock.less }).click();
  await count.getByRole('button', { name: L.stock.more }).click();
  expect(await count.getByRole('textbox', { name: L.stock.counted }).inputValue()).toBe('38');
  await count.getByRole('button', { name: L.stock.saveCount }).click();
  await expect
    .poll(() => count.getByTestId('count-result').textContent())
    .toBe(fill(L.stock.countDiffers.sale, { counted: 38, expected: 40, difference: 2 }));
  await expect.poll(() => card.getByTestId('batch-quantity').textContent()).toBe('38');
  await expect.poll(() => page.getByTestId('stock-config').textContent()).toContain('Golden barrel (ECH-GRU)');
  await ctx.shot('41-stock-count');
  // Stored once: one sale of 2 in the ledger, the batch at 38.
  const movements = async () =>
    (await inPage<{ data: Movement[] }>(ctx, `${farm}/stock/batches/${batch.id}/movements`)).body.data;
  expect((await movements()).filter((m) => m.type === 'sale').map((m) => m.quantity)).toEqual([-2]);
  expect((await inPage<Batch>(ctx, `${farm}/stock/batches/${batch.id}`)).body.quantity).toBe(38);

  // Two died; more than it holds is refused, in words.
  await card.getByRole('button', { name: L.stock.kinds.death }).click();
  const death = card.getByTestId('action-death');
  await death.getByRole('button', { name: L.stock.more }).click();
  await death.getByRole('button', { name: L.stock.save.death }).click();
  await expect.poll(() => card.getByTestId('batch-quantity').textContent()).toBe('36');
  expect((await movements()).filter((m) => m.type === 'death').map((m) => m.quantity)).toEqual([-2]);

  await card.getByRole('button', { name: L.stock.kinds.death }).click();
  await death.getByRole('textbox', { name: L.stock.howMany.death }).fill('99');
  await death.getByRole('button', { name: L.stock.save.death }).click();
  const refusal = death.getByRole('alert');
  await expect.poll(() => refusal.isVisible()).toBe(true);
  if (languageOf(L) !== 'en') expect(await refusal.textContent()).toContain(L.errors.code.INSUFFICIENT_STOCK);
  await ctx.shot('42-stock-refused');
  await death.getByRole('button', { name: L.common.cancel }).click();
  expect((await movements()).length).toBe(3);

  // The batch: its quantity and its history, newest first.
  await card.getByRole('link', { name: batch.code }).click();
  await expect.poll(() => page.getByTestId('movement').count()).toBe(3);
  expect(await page.getByTestId('batch-quantity').textContent()).toBe('36');
  expect(await page.getByTestId('movement').first().textContent()).toContain(L.stock.movementTypes.death);
  await ctx.shot('43-stock-batch');

  // Its label, saved as a file for the label printer's software: an SVG that names the batch.
  const [label] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: L.stock.saveLabel }).click(),
  ]);
  expect(label.suggestedFilename()).toBe(`${batch.code}.svg`);
  const svg = fs.readFileSync((await label.path())!, 'utf8');
  expect(svg).toMatch(/<svg[\s>]/);
  expect(svg).toContain(batch.code);

  // Six moved into a bigger pot: refused at this bench (set up for the 8 cm pot), in words; at Bench 2 a new
  // batch of 6, 30 left in this one.
  await page.getByTestId('batch-actions').getByRole('button', { name: L.stock.kinds.transplant }).click();
  const transplant = page.getByTestId('action-transplant');
  await transplant.getByRole('textbox', { name: L.stock.howMany.transplant }).fill('6');
  await transplant.getByRole('combobox', { name: L.stock.toPacking, exact: true }).click();
  await page.getByRole('option', { name: 'P5/12', exact: true }).click();
  await transplant.getByRole('button', { name: L.stock.save.transplant }).click();
  await expect.poll(() => transplant.getByRole('alert').isVisible()).toBe(true);
  await transplant.getByRole('combobox', { name: L.stock.toPlace, exact: true }).click();
  await page.getByRole('option', { name: 'Bench 2 (B2)', exact: true }).click();
  await transplant.getByRole('button', { name: L.stock.save.transplant }).click();
  await expect.poll(() => page.getByTestId('batch-quantity').textContent()).toBe('30');
  const there = await inPage<{ data: (Batch & { status: string })[] }>(
    ctx,
    `${farm}/stock/batches?location=${benchTwo.id}`,
  );
  expect(there.body.data.map((b) => [b.quantity, b.status])).toEqual([[6, 'active']]);
  expect((await movements()).length).toBe(4);

  // Closed with a reason, after a second tap: it takes no more changes.
  await page.getByRole('button', { name: L.stock.close }).click();
  await page.getByRole('textbox', { name: L.stock.closeReason }).fill('Sold off as a lot');
  await page.getByRole('button', { name: L.stock.closeConfirm }).click();
  await expect.poll(() => page.getByText(L.stock.status.closed, { exact: true }).isVisible()).toBe(true);
  expect(await page.getByTestId('batch-actions').count()).toBe(0);
  expect(await page.getByRole('button', { name: L.stock.close }).count()).toBe(0);
  const closed = await inPage<Batch & { status: string }>(ctx, `${farm}/stock/batches/${batch.id}`);
  expect(closed.body.status).toBe('closed');
  await ctx.shot('44-stock-closed');
}
