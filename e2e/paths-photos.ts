import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { generateSyntheticTray } from '../src/modules/photos/synthetic/tray.js';
import { inPage, languageOf, type PathContext } from './paths.js';

const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key]));

interface Movement {
  id: string;
  source: string;
}

/**
 * A bench set up for stock (a product and packaging, one tray of a 10 × 12 bin type) holding one batch,
 * made through the API as a manager would have set it up.
 */
async function stockedBench(ctx: PathContext) {
  const farm = `/api/v1/farms/${ctx.farm.slug}`;
  const made = async <T>(path: string, body: unknown, method = 'POST', status = 201): Promise<T> => {
    const res = await inPage<T>(ctx, `${farm}${path}`, { method, body });
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(status);
    return res.body;
  };
  // Codes of their own: other paths may have set up products in the same farm.
  const tag = randomUUID().slice(0, 6).toUpperCase().replace(/-/g, '');
  const house = await made<{ id: string }>('/locations', { name: 'Shadehouse', type: 'warehouse' });
  const area = await made<{ id: string }>('/locations', { name: 'North', type: 'storage_area', parent_id: house.id });
  const bench = await made<{ id: string; name: string }>('/locations', {
    name: `Bench ${tag}`,
    code: `B${tag}`,
    type: 'storage_location',
    parent_id: area.id,
  });
  const tray = await made<{ id: string }>('/locations', { name: 'Tray 1', type: 'storage_bin', parent_id: bench.id });
  const binType = await made<{ id: string }>('/stock/bin-types', {
    code: `T${tag}`,
    name: 'Tray 10 × 12',
    category: 'seedling_tray',
    rows: 10,
    columns: 12,
    length_cm: 60,
    width_cm: 40,
  });
  await made(`/locations/${tray.id}/bin-type`, { bin_type: binType.id }, 'PUT', 200);
  const category = await made<{ id: string }>('/product-categories', { code: `C${tag}`, name: 'Cacti' });
  const family = await made<{ id: string }>('/product-families', { category: category.id, name: 'Echinocactus' });
  await made('/products', { family: family.id, sku: `ECH-${tag}`, name: 'Golden barrel' });
  await made('/packaging', { sku: `P8-${tag}`, name: 'Pot 8 cm', type: 'pot' });
  await made(`/locations/${bench.id}/stock-config`, { product: `ECH-${tag}`, packaging: `P8-${tag}` }, 'PUT', 200);
  const batch = await made<{ id: string; code: string }>('/stock/batches', {
    movement_id: randomUUID(),
    location: bench.id,
    product: `ECH-${tag}`,
    packaging: `P8-${tag}`,
    quantity: 150,
    occurred_at: new Date(Date.now() - 3600_000).toISOString(),
  });
  return { bench, batch };
}

/**
 * Counting by photo: a refused file shown in words, a synthetic tray photo sent with its progress, the
 * review page counting it and drawing every detection over the photo, the count corrected by one and
 * validated, and exactly one stock count of that number in the ledger; then a photo of no known place,
 * whose place the worker picks on the review page.
 */
export async function photoPath(ctx: PathContext): Promise<void> {
  const { page } = ctx.phone;
  const { L } = ctx;
  const farm = `/api/v1/farms/${ctx.farm.slug}`;
  const { bench, batch } = await stockedBench(ctx);
  const tray = await generateSyntheticTray({ seed: 26, width: 1600, height: 1200 });

  await page.goto(`/farms/${ctx.farm.slug}/photos/new?location=${bench.id}`);
  await expect.poll(() => page.getByRole('heading', { name: L.photos.new.title }).isVisible()).toBe(true);
  const input = page.locator('input[type=file][accept="image/*"]');
  expect(await input.getAttribute('capture')).toBe('environment');

  // Not a photo: refused by the server (415), said in the page's language.
  await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') });
  await expect.poll(() => page.getByRole('alert').isVisible()).toBe(true);
  // English shows the server's own sentence; another language its words for the code, the server's beneath.
  if (languageOf(L) !== 'en')
    expect(await page.getByRole('alert').textContent()).toContain(L.errors.code.UNSUPPORTED_MEDIA_TYPE);
  expect(await page.getByRole('button', { name: L.photos.new.again }).isVisible()).toBe(true);

  // The tray, on a slow uplink so its progress shows.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 50,
    downloadThroughput: -1,
    uploadThroughput: Math.ceil(tray.jpeg.length / 4),
  });
  try {
    await input.setInputFiles({ name: 'tray.jpg', mimeType: 'image/jpeg', buffer: tray.jpeg });
    const progress = page.getByTestId('upload-progress');
    await expect.poll(() => progress.isVisible()).toBe(true);
    await expect.poll(() => progress.getByRole('progressbar').isVisible()).toBe(true);
    await ctx.shot('31-photo-upload');
    await expect.poll(() => page.url(), { timeout: 30_000 }).toMatch(/\/photo-sessions\/[0-9a-f-]{36}$/);
  } finally {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await cdp.detach();
  }
  const session = page.url().split('/').pop()!;

  // Counted on the server (a second or so, longer on a busy machine), then drawn.
  await expect.poll(() => page.getByTestId('session-total').isVisible(), { timeout: 60_000 }).toBe(true);
  const found = await inPage<{ data: unknown[] }>(ctx, `${farm}/photo-sessions/${session}/detections`);
  expect(found.body.data.length).toBeGreaterThan(10);
  await expect.poll(() => page.getByTestId('overlay').getByTestId('mark').count()).toBe(found.body.data.length);
  const total = Number(await page.getByTestId('session-total').textContent());
  expect(total).toBeGreaterThan(0);
  // Roughly the tray's plants (the counter's error is measured by the bench, not here).
  expect(Math.abs(total - tray.truth.plants)).toBeLessThan(tray.truth.plants * 0.5);
  expect(await page.getByTestId('session-place').textContent()).toContain(bench.name);
  await ctx.shot('32-count');

  // One more than the photo counted, and validated into stock.
  const corrected = total + 1;
  await page.getByRole('button', { name: L.photos.validate.more }).click();
  expect(await page.getByRole('textbox', { name: L.photos.validate.count }).inputValue()).toBe(String(corrected));
  expect(await page.getByTestId('validate-hint').textContent()).toBe(fill(L.photos.validate.corrected, { total }));
  await page.getByTestId('validate-hint').scrollIntoViewIfNeeded();
  await ctx.shot('34-count-correct');
  await page.getByRole('button', { name: fill(L.photos.validate.submit, { count: corrected }) }).click();
  const written = page.getByTestId('written');
  await expect.poll(() => written.isVisible()).toBe(true);
  expect(await written.textContent()).toContain(fill(L.photos.written.manual, { count: corrected }));
  expect(await page.getByTestId('written-batch').textContent()).toBe(
    fill(L.photos.written.batch, { batch: batch.code, expected: 150 }),
  );
  await written.scrollIntoViewIfNeeded();
  await ctx.shot('33-count-validated');

  // The ledger: exactly one count, of that number, from this photo; a second validation writes nothing.
  const held = await inPage<{
    validation: { count: number; source: string; stock_count_id: string; movement_id: string | null };
  }>(ctx, `${farm}/photo-sessions/${session}`);
  expect(held.body.validation).toMatchObject({ count: corrected, source: 'manual' });
  const again = await inPage<{ error_code: string }>(ctx, `${farm}/photo-sessions/${session}/validate`, {
    method: 'POST',
    body: {},
  });
  expect(again.status).toBe(409);
  expect(again.body.error_code).toBe('ALREADY_VALIDATED');
  const moves = (await inPage<{ data: Movement[] }>(ctx, `${farm}/stock/batches/${batch.id}/movements`)).body.data;
  expect(moves).toHaveLength(2);
  expect(moves.filter((m) => m.id === held.body.validation.stock_count_id)).toEqual([
    expect.objectContaining({ source: 'manual' }),
  ]);
  expect((await inPage<{ quantity: number }>(ctx, `${farm}/stock/batches/${batch.id}`)).body.quantity).toBe(corrected);

  // A photo with no place given and no GPS: the review asks which place it shows, and the answer is kept.
  const small = await generateSyntheticTray({ seed: 27, width: 480, height: 360 });
  await page.goto(`/farms/${ctx.farm.slug}/photos/new`);
  await expect.poll(() => page.getByRole('heading', { name: L.photos.new.title }).isVisible()).toBe(true);
  await input.setInputFiles({ name: 'tray.jpg', mimeType: 'image/jpeg', buffer: small.jpeg });
  await expect.poll(() => page.getByTestId('warning-needs_location').isVisible()).toBe(true);
  expect(await page.getByTestId('session-place').textContent()).toContain(L.photos.review.noPlace);
  await page.getByRole('combobox', { name: L.photos.place.which, exact: true }).click();
  await page.getByRole('option', { name: bench.name }).click();
  await ctx.shot('35-count-place');
  await page.getByRole('button', { name: L.photos.place.set }).click();
  await expect.poll(() => page.getByTestId('warning-needs_location').count()).toBe(0);
  expect(await page.getByTestId('session-place').textContent()).toContain(bench.name);
  const placed = page.url().split('/').pop()!;
  expect((await inPage<{ location_id: string }>(ctx, `${farm}/photo-sessions/${placed}`)).body.location_id).toBe(
    bench.id,
  );
}
