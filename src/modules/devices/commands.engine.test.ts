import { describe, expect, it } from 'vitest';
import {
  afterAck,
  checkCommand,
  checkConfigValue,
  missedHeartbeats,
  overdue,
  safeStateCommands,
} from './commands.engine.js';

describe('command rules', () => {
  it('lets each device type do what it can, with values in range', () => {
    expect(checkCommand('relay', ['fan'], { action: 'on', channel: 'fan' }).ok).toBe(true);
    expect(checkCommand('sensor', [], { action: 'on' })).toMatchObject({
      ok: false,
      code: 'NOT_AN_ACTUATOR',
      status: 'rule',
    });
    expect(checkCommand('relay', [], { action: 'set_value', value: 3 })).toMatchObject({
      ok: false,
      code: 'ACTION_NOT_SUPPORTED',
    });
    expect(checkCommand('pwm', [], { action: 'set_value', value: 255 }).ok).toBe(true);
    expect(checkCommand('pwm', [], { action: 'set_value', value: 256 })).toMatchObject({ code: 'VALUE_OUT_OF_RANGE' });
    expect(checkCommand('pwm', [], { action: 'set_speed', value: 101 })).toMatchObject({ code: 'VALUE_OUT_OF_RANGE' });
    expect(checkCommand('servo', [], { action: 'set_angle', value: 180 }).ok).toBe(true);
    expect(checkCommand('servo', [], { action: 'set_angle' })).toMatchObject({ field: 'body.value' });
    expect(checkCommand('relay', ['fan'], { action: 'off', channel: 'pump' })).toMatchObject({
      code: 'UNKNOWN_CHANNEL',
    });
  });

  it('moves only forward on acknowledgements; a repeat changes nothing; a late answer beats a timeout', () => {
    expect(afterAck('sent', 'executing')).toBe('executing');
    expect(afterAck('sent', 'completed')).toBe('completed');
    expect(afterAck('executing', 'executing')).toBeNull();
    expect(afterAck('executing', 'failed')).toBe('failed');
    expect(afterAck('completed', 'completed')).toBeNull();
    expect(afterAck('completed', 'executing')).toBeNull();
    expect(afterAck('timeout', 'completed')).toBe('completed');
    expect(afterAck('cancelled', 'completed')).toBeNull();
  });

  it('expires queued commands at their time to live and times out unanswered and overlong ones', () => {
    const base = { expires_at: 10_000, sent_at: null, executing_at: null, duration_ms: null };
    expect(overdue({ ...base, status: 'queued' }, 9_999, 30_000)).toBeNull();
    expect(overdue({ ...base, status: 'queued' }, 10_000, 30_000)).toBe('expired');
    expect(overdue({ ...base, status: 'sent', sent_at: 0 }, 29_999, 30_000)).toBeNull();
    expect(overdue({ ...base, status: 'sent', sent_at: 0 }, 30_000, 30_000)).toBe('timeout');
    expect(overdue({ ...base, status: 'executing', executing_at: 0 }, 1e9, 30_000)).toBeNull();
    expect(overdue({ ...base, status: 'executing', executing_at: 0, duration_ms: 60_000 }, 89_999, 30_000)).toBeNull();
    expect(overdue({ ...base, status: 'executing', executing_at: 0, duration_ms: 60_000 }, 90_000, 30_000)).toBe(
      'timeout',
    );
  });

  it('brings each channel to its safe state; an actuator without channels is switched off; sensors get nothing', () => {
    expect(
      safeStateCommands('relay', [
        { name: 'fan', safe_state: 'on', safe_value: null },
        { name: 'heat', safe_state: 'off', safe_value: null },
        { name: 'feeder', safe_state: 'unchanged', safe_value: null },
      ]),
    ).toEqual([
      { action: 'on', channel: 'fan' },
      { action: 'off', channel: 'heat' },
    ]);
    expect(safeStateCommands('pwm', [{ name: 'vent', safe_state: 'value', safe_value: 128 }])).toEqual([
      { action: 'set_value', value: 128, channel: 'vent' },
    ]);
    expect(safeStateCommands('servo', [{ name: 'flap', safe_state: 'value', safe_value: 90 }])).toEqual([
      { action: 'set_angle', value: 90, channel: 'flap' },
    ]);
    expect(safeStateCommands('relay', [])).toEqual([{ action: 'off' }]);
    expect(safeStateCommands('sensor', [])).toEqual([]);
  });

  it('counts heartbeats and bounds configuration values', () => {
    expect(missedHeartbeats(0, 90_000, 30, 3)).toBe(false);
    expect(missedHeartbeats(0, 90_001, 30, 3)).toBe(true);
    expect(missedHeartbeats(null, 0, 30, 3)).toBe(true);
    expect(checkConfigValue(35, 20, 45)).toBeUndefined();
    expect(checkConfigValue(60, 20, 45)).toBe('must be at most 45');
    expect(checkConfigValue('hot', 20, 45)).toBe('a bounded parameter takes a number');
    expect(checkConfigValue('anything', null, null)).toBeUndefined();
  });
});
