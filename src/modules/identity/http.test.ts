import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let worker: Actor;
let viewer: Actor;

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  worker = await member(t.app, admin, farm, 'worker');
  viewer = await member(t.app, admin, farm, 'viewer');
});

afterAll(() => t.close());

/** A body that streams `lines` lines, 100 a chunk, counting the chunks anyone pulled from it. */
function streamed(lines: number, line: (i: number) => string) {
  let pulled = 0;
  function* chunks() {
    for (let i = 0; i < lines; i += 100) {
      pulled++;
      yield Array.from({ length: Math.min(100, lines - i) }, (_, j) => `${line(i + j)}\n`).join('');
    }
  }
  return { body: Readable.from(chunks()), pulled: () => pulled };
}

const reading = (i: number) =>
  JSON.stringify({ device: 'house-1', metric: 'temperature', ts: '2026-06-01T00:00:00Z', value: i });

const post = (payload: string | Readable, contentType: string, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/farms/${farm.slug}/telemetry`,
    headers: { 'content-type': contentType, ...headers },
    payload,
  });

describe('a request is refused before its body is read', () => {
  it('without a credential, or with a bad one: 401, the body never parsed', async () => {
    // An unreadable CSV would answer 400 if it were parsed.
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer x' },
      { authorization: 'Bearer croft_x' },
    ];
    for (const headers of attempts) {
      const res = await post('what,ever\n1,2\n', 'text/csv', headers);
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json().error_code).toBe('UNAUTHENTICATED');
    }
    // Half a million readings (about 40 MB) streamed at an anonymous request: barely touched.
    const big = streamed(500_000, reading);
    const res = await post(big.body, 'application/x-ndjson');
    expect(res.statusCode).toBe(401);
    expect(big.pulled()).toBeLessThan(50);
  });

  it("without the route's permission, or outside the farm: refused before parsing", async () => {
    const forbidden = await post('what,ever\n1,2\n', 'text/csv', viewer.headers);
    expect(forbidden.statusCode, forbidden.body).toBe(403);
    expect(forbidden.json().details).toMatchObject({ permission: 'records.write', role: 'viewer' });
    const elsewhere = await t.app.inject({
      method: 'POST',
      url: '/api/v1/farms/no-such-farm/telemetry',
      headers: { 'content-type': 'text/csv', ...worker.headers },
      payload: 'what,ever\n1,2\n',
    });
    expect(elsewhere.statusCode).toBe(404);
    // A member who may write gets the parser's own answer.
    expect((await post('what,ever\n1,2\n', 'text/csv', worker.headers)).statusCode).toBe(400);
  });
});

describe('NDJSON and CSV batches', () => {
  it('are refused at the reading past the batch limit, while still streaming', async () => {
    for (const [contentType, header] of [
      ['application/x-ndjson', undefined],
      ['text/csv', 'device,metric,ts,value'],
    ] as const) {
      const line = (i: number) =>
        header === undefined ? reading(i) : i === 0 ? header : `house-1,temperature,2026-06-01T00:00:00Z,${i}`;
      // 200,000 readings (over 3 MB: within the body limit, so only the count can stop it early).
      const body = streamed(200_001, line);
      const res = await post(body.body, contentType, worker.headers);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ error_code: 'BATCH_TOO_LARGE' });
      expect(body.pulled()).toBeLessThan(150); // 10,001 readings are 101 chunks; the whole body 2,001
    }
  });

  it('take at most the body a full batch needs', async () => {
    const res = await post('x'.repeat(4 * 1024 * 1024 + 1), 'application/x-ndjson', worker.headers);
    expect(res.statusCode).toBe(413);
    expect(res.json().error_code).toBe('PAYLOAD_TOO_LARGE');
    const json = await post(JSON.stringify({ readings: [], pad: 'x'.repeat(4 * 1024 * 1024) }), 'application/json', {
      ...worker.headers,
    });
    expect(json.statusCode).toBe(413);
  });
});
