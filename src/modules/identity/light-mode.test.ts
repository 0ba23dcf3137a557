import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.js';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { CROFT_AUTH: 'none' } });
});

afterAll(() => t.close());

describe('light mode (CROFT_AUTH=none)', () => {
  it('acts as the admin of one local farm without signing in', async () => {
    const farms = await t.app.inject({ method: 'GET', url: '/api/v1/farms' });
    expect(farms.statusCode).toBe(200);
    expect(farms.json().data).toHaveLength(1);
    expect(farms.json().data[0]).toMatchObject({ name: 'My farm', role: 'admin' });
    const status = await t.app.inject({ method: 'GET', url: '/api/v1/auth/status' });
    expect(status.json()).toMatchObject({ light_mode: true, needs_setup: false });
  });

  it('is refused in production', () => {
    expect(() => loadConfig({ CROFT_AUTH: 'none', CROFT_ENV: 'production' }, false)).toThrow(
      /CROFT_AUTH: none \(no sign-in\) is refused/,
    );
  });
});
