import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GENERATED_DIR, renderContract } from '../scripts/api-contract.js';
import { createTestApp } from './helpers/app.js';

describe("the web app's typed contract", () => {
  it('matches the API: the generated types are what the OpenAPI and AsyncAPI documents give now (else: npm run api:types)', async () => {
    const t = await createTestApp();
    let files: Record<string, string>;
    try {
      const openapi = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as object;
      const asyncapi = (await t.app.inject({ method: 'GET', url: '/api/v1/asyncapi.json' })).json() as object;
      files = await renderContract(openapi, asyncapi);
    } finally {
      await t.close();
    }
    expect(Object.keys(files).sort()).toEqual(['live.d.ts', 'openapi.d.ts', 'permissions.ts']);
    for (const [name, text] of Object.entries(files)) {
      expect(
        await readFile(`${GENERATED_DIR}${name}`, 'utf8'),
        `web/src/api/generated/${name} is stale: run npm run api:types`,
      ).toBe(text);
    }
    // The live messages the app switches on are all there.
    expect(files['live.d.ts']).toMatch(/export type LiveServerMessage = .*LiveReading/);
    expect(files['live.d.ts']).toMatch(/export type LiveClientMessage = .*LiveAuth/);
  });
});
