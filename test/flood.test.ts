import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { setupAdmin, type FarmRef } from './helpers/factories.js';

/**
 * A bounded flood on loopback: anonymous 16 MB bodies, a dozen at a time, at the bulk endpoints.
 * Croft must refuse each before reading it (401 in onRequest) and keep serving. The process's
 * memory before and after is printed (not asserted: these machines are shared).
 */
const BODY_BYTES = 16 * 1024 * 1024;
const AT_ONCE = 12;
const ROUNDS = 2;

let t: TestApp;
let farm: FarmRef;
let base: string;

beforeAll(async () => {
  t = await createTestApp();
  ({ farm } = await setupAdmin(t.app));
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});

afterAll(() => t.close());

/**
 * Sends `bytes` of NDJSON-looking body in 1 MB chunks; resolves once an answer comes, with its status
 * and how much of the body had been handed to the socket by then.
 */
function flood(path: string, contentType: string, bytes: number): Promise<{ status: number; sent: number }> {
  const line = Buffer.from(`${JSON.stringify({ device: 'd', metric: 'm', value: 1 })}\n`);
  const chunk = Buffer.alloc(1024 * 1024, line.toString());
  let sent = 0;
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'content-length': String(bytes) },
    });
    request.on('response', (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, sent });
      request.destroy();
    });
    // The server may answer and close before the body is sent: a write error after that is expected.
    request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
    const write = () => {
      while (sent < bytes && !request.destroyed) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', write);
      }
      if (!request.destroyed) request.end();
    };
    write();
  });
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

describe('a flood of anonymous 16 MB bodies', () => {
  it('is refused before the bodies are read, and the server keeps serving', async () => {
    const targets: Array<[string, string]> = [
      [`/api/v1/farms/${farm.slug}/telemetry`, 'application/x-ndjson'],
      [`/api/v1/farms/${farm.slug}/telemetry`, 'text/csv'],
      [`/api/v1/farms/${farm.slug}/locations/import`, 'application/json'],
    ];
    const before = process.memoryUsage().rss;
    const answers: Array<{ status: number; sent: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: AT_ONCE }, (_, i) => flood(...targets[i % targets.length]!, BODY_BYTES)),
        )),
      );
    }
    const after = process.memoryUsage().rss;
    console.log(`flood: ${answers.length} anonymous 16 MB bodies; RSS before ${mb(before)}, after ${mb(after)}`);

    // Refused unread: 401, or 413 where the declared length alone is over the route's limit — and each
    // answer came before its whole body was sent (a server that parsed first answers only after it all).
    const statuses = answers.map((a) => a.status).join(',');
    expect(
      answers.every((a) => a.status === 401 || a.status === 413),
      statuses,
    ).toBe(true);
    expect(answers.filter((a) => a.sent >= BODY_BYTES).length, statuses).toBe(0);
    const health = await fetch(`${base}/api/v1/health`);
    expect(health.status).toBe(200);
  });
});
