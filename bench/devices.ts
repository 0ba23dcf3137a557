/**
 * Devices for the benches that load telemetry: a farm's devices with MQTT/HTTP credentials (secret
 * `bench-secret`), and the load generator (bench/load.worker.mjs) run on its own thread.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Database } from '../src/platform/db/database.js';
import { hashToken } from '../src/platform/secrets.js';

export const DEVICE_SECRET = 'bench-secret';

/** Devices dev-0 … dev-{count − 1} of a farm, each with a credential `{slug}.dev-N` / DEVICE_SECRET. */
export async function seedDevices(db: Database, farmId: string, slug: string, count: number): Promise<string[]> {
  const now = new Date();
  const deviceIds = Array.from({ length: count }, (_, i) => `dev-${i}`);
  await db.system(async (tx) => {
    await sql`insert into devices (farm_id, device_id, name, type, created_at, updated_at)
      select ${farmId}::uuid, d, d, 'sensor', ${now}::timestamptz, ${now}::timestamptz from unnest(${deviceIds}::text[]) as d`.execute(
      tx,
    );
    await sql`insert into device_credentials (device_id, farm_id, username, secret_hash, created_at)
      select id, farm_id, ${slug} || '.' || device_id, ${hashToken(DEVICE_SECRET)}, ${now}::timestamptz
        from devices where farm_id = ${farmId} and device_id = any(${deviceIds}::text[])`.execute(tx);
  });
  return deviceIds;
}

/** A farm made straight in the database (no owner), with `devices` + 1 devices (dev-0 … dev-{devices}). */
export async function seedFarm(
  db: Database,
  devices: number,
): Promise<{ farmId: string; slug: string; deviceIds: string[] }> {
  const farmId = randomUUID();
  const slug = `bench-${farmId.slice(0, 8)}`;
  const now = new Date();
  await db.system((tx) =>
    sql`insert into farms (id, name, slug, time_zone, created_at, updated_at) values (${farmId}, 'Bench', ${slug}, 'UTC', ${now}, ${now})`.execute(
      tx,
    ),
  );
  return { farmId, slug, deviceIds: await seedDevices(db, farmId, slug, devices + 1) };
}

/**
 * Runs the load generator on its own thread and waits for its figures: `kind: 'http'` (batches through the
 * HTTP API) or `kind: 'mqtt'` (devices dev-1 … dev-N publishing at QoS 1, 20 readings a message).
 */
export function runLoad(data: Record<string, unknown>): Promise<{ accepted: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load.worker.mjs', import.meta.url), { workerData: data });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}
