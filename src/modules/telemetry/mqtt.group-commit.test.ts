import { describe, expect, it } from 'vitest';
import { GroupCommit } from './mqtt.ingest.js';
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
