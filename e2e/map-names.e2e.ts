import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPhone, startCroft, type Croft, type Phone } from './browser.js';
import { inPage, type PathContext } from './paths.js';

/**
 * A place's name is whatever someone typed or imported: the map shows it as text, never as markup, and
 * every page of the app — `/index.html` too — comes with the app's content policy.
 */
describe('place names on the map', () => {
  let croft: Croft;
  let phone: Phone;
  const farm = { slug: 'markup-farm', name: 'Markup Farm' };
  const NAME = '<b data-testid="injected">Bold</b><img src=x data-testid="injected-img"> field';

  beforeAll(async () => {
    croft = await startCroft();
    phone = await openPhone(croft.url);
  });
  afterAll(async () => {
    await phone?.close();
    await croft?.close();
  });

  it('shows a name with markup in it as the same text in the tooltip', async () => {
    const { page } = phone;
    await page.goto('/');
    await page.getByRole('textbox', { name: 'Your name' }).fill('Sophea Chan');
    await page.getByRole('textbox', { name: 'Email' }).fill('sophea@example.org');
    await page.locator('input[type=password]').fill('green fields after the rain');
    await page.getByRole('textbox', { name: 'Farm name' }).fill(farm.name);
    await page.getByRole('button', { name: 'Create account and farm' }).click();
    await expect.poll(() => page.getByRole('heading', { name: farm.name }).isVisible()).toBe(true);

    const ctx = { phone, croft, farm } as unknown as PathContext;
    const created = await inPage(ctx, `/api/v1/farms/${farm.slug}/locations`, {
      method: 'POST',
      body: {
        name: NAME,
        type: 'field',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [104.9, 11.5],
              [104.901, 11.5],
              [104.901, 11.501],
              [104.9, 11.501],
              [104.9, 11.5],
            ],
          ],
        },
      },
    });
    expect(created.status).toBe(201);

    await page.goto(`/farms/${farm.slug}/locations`);
    await expect.poll(() => page.locator('.leaflet-interactive').count()).toBe(1);
    // The map fits the field: its middle is the map's middle. Hovering there opens the tooltip.
    const box = (await page.getByTestId('map').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.move(box.x + box.width / 2 + 2, box.y + box.height / 2 + 2);
    const tooltip = page.locator('.leaflet-tooltip');
    await expect.poll(() => tooltip.count()).toBe(1);
    expect(await tooltip.textContent()).toBe(NAME);
    expect(await page.locator('[data-testid=injected], [data-testid=injected-img]').count()).toBe(0);
    await phone.shot('map-name-as-text');
    expect(phone.errors).toEqual([]);
  });

  it('sends /index.html with the same content policy as every other page', async () => {
    const policies = await Promise.all(
      ['/', '/index.html', `/farms/${farm.slug}/locations`].map(async (path) => {
        const res = await fetch(new URL(path, croft.url));
        expect(res.status, path).toBe(200);
        return res.headers.get('content-security-policy');
      }),
    );
    expect(policies[0]).toContain("script-src 'self'");
    expect(new Set(policies).size).toBe(1);
  });
});
