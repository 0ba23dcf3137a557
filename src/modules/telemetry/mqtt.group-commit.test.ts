import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/helpers/app.js';
import { setupAdmin } from '../../../test/helpers/factories.js';
import { createLogger } from '../../platform/logger.js';
import type { DevicesService, CommandsService } from '../devices/index.js';
import { GroupCommit, telemetryBrokerHooks, unstorable, type MqttOutcome } from './mqtt.ingest.js';
import type { RawReading } from './telemetry.engine.js';
import type { TelemetryService } from './telemetry.service.js';

/** A telemetry service whose ingest fails for any batch holding a reading of the metric "poison". */
function fakeTelemetry(stored: RawReading[]) {
  return {
    ingest(_scope: unknown, readings: RawReading[]) {
      if (readings.some((r) => r.metric === 'poison')) return Promise.reject(new Error('cannot be stored'));
      stored.push(...readings);
      return Promise.resolve({ accepted: readings.length, duplicate: 0, rejected: 0, rejections: [] });
    },
  } as unknown as TelemetryService;
}

describe('the group commit', () => {
  it('fails only the message that cannot be stored, not the others gathered with it', async () => {
    const stored: RawReading[] = [];
    const commit = new GroupCommit(fakeTelemetry(stored), 60_000);
    const good = commit.add('farm-1', [{ device: 'a', metric: 'temperature', value: 1 }]);
    const bad = commit.add('farm-1', [{ device: 'b', metric: 'poison', value: 2 }]);
    const alsoGood = commit.add('farm-1', [{ device: 'c', metric: 'humidity', value: 3 }]);
    await commit.flush();
    await expect(good).resolves.toBeUndefined();
    await expect(alsoGood).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow('cannot be stored');
    expect(stored.map((r) => r.device)).toEqual(['a', 'c']);
  });
});

describe('a message through an external broker', () => {
  it('that can never be stored is told from a failure that may pass', () => {
    expect(unstorable(Object.assign(new Error('value out of range'), { code: '22003' }))).toBe(true);
    expect(unstorable(Object.assign(new Error('check violation'), { code: '23514' }))).toBe(true);
    expect(unstorable(new RangeError('Invalid time value'))).toBe(true);
    expect(unstorable(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(unstorable(Object.assign(new Error('admin shutdown'), { code: '57P01' }))).toBe(false);
    expect(unstorable(new Error('timeout'))).toBe(false);
  });

  it('is acknowledged and counted when it can never be stored, and not acknowledged when the failure may pass', async () => {
    const t = await createTestApp();
    try {
      const { farm } = await setupAdmin(t.app);
      const failures: Record<number, Error> = {
        1: Object.assign(new Error('value out of range'), { code: '22003' }),
        2: Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }),
      };
      const telemetry = {
        ingest: (_scope: unknown, readings: RawReading[]) => Promise.reject(failures[readings[0]!.value as number]!),
      } as unknown as TelemetryService;
      const counted: MqttOutcome[] = [];
      const hooks = telemetryBrokerHooks({
        db: t.deps.db,
        devices: {} as DevicesService,
        commands: {} as CommandsService,
        telemetry,
        log: createLogger({ logLevel: 'silent', logFormat: 'json' }),
        batchMs: 1,
        anonymousFarm: undefined,
        count: (outcome) => void counted.push(outcome),
      });
      const topic = `croft/${farm.slug}/sensor-1/telemetry`;
      const message = (value: number) => Buffer.from(JSON.stringify({ readings: { temperature: value } }));
      await expect(hooks.external(topic, message(1))).resolves.toBeUndefined();
      expect(counted).toEqual(['malformed']);
      await expect(hooks.external(topic, message(2))).rejects.toThrow('connection refused');
      expect(counted).toEqual(['malformed']);
    } finally {
      await t.close();
    }
  });
});
