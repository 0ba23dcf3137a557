import { describe, expect, it } from 'vitest';
import type { LocationTargets } from '../../platform/targets.js';
import {
  alertType,
  breaches,
  clockTime,
  excluded,
  followedRange,
  inQuietHours,
  isPrivateAddress,
  roundVpd,
  shouldDeliver,
} from './alerts.engine.js';

describe('alert rules', () => {
  it('compare a value with a threshold or a range', () => {
    expect(breaches({ operator: '>', value: 30 }, 30.1)).toBe(true);
    expect(breaches({ operator: '<=', value: 10 }, 10)).toBe(true);
    expect(breaches({ operator: 'outside', low: 18, high: 28 }, 29)).toBe(true);
    expect(breaches({ operator: 'outside', low: 18, high: 28 }, 20)).toBe(false);
    expect(breaches({ operator: 'inside', low: 18, high: 28 }, 20)).toBe(true);
  });

  it('name alerts and silence excluded months and hours', () => {
    expect(alertType({ kind: 'threshold', metric: 'temperature', operator: '>' })).toBe('temperature_high');
    expect(alertType({ kind: 'threshold', metric: 'humidity', operator: '<' })).toBe('humidity_low');
    expect(alertType({ kind: 'offline', metric: null, operator: null })).toBe('device_offline');
    expect(excluded({ exclude_months: [12, 1, 2], exclude_hours: [] }, 1, 10)).toBe(true);
    expect(excluded({ exclude_months: [], exclude_hours: [22, 23] }, 6, 23)).toBe(true);
    expect(excluded({ exclude_months: [], exclude_hours: [] }, 6, 23)).toBe(false);
  });
});

describe('rules that follow crop targets', () => {
  const targets: LocationTargets = {
    locationId: 'gh',
    run: { id: 'run-1', name: 'Tomatoes' },
    phase: 'vegetative',
    photoperiodH: 18,
    day: { temperatureC: 25, humidityPct: 60 },
    night: { temperatureC: 20, humidityPct: 65 },
    vpdKpa: { min: 0.8, max: 1.2 },
    light: { startMinute: 20 * 60, hours: 14, schedule: { id: 'sch-1', name: 'GH lights' } },
    ranges: {
      day: { temperature: { min: 23, max: 27 }, humidity: { min: 55, max: 65 } },
      night: { temperature: { min: 18, max: 22 }, humidity: { min: 60, max: 70 } },
    },
  };
  const light = { start: '20:00', hours: 14, schedule: { id: 'sch-1', name: 'GH lights' } };

  it('take the day or night range by the light period, across midnight', () => {
    // Lights on 20:00 for 14 h: day until 10:00, night from 10:00 to 20:00.
    expect(followedRange(targets, 'temperature', 23 * 60)).toEqual({
      run: { id: 'run-1', name: 'Tomatoes' },
      phase: 'vegetative',
      period: 'day',
      low: 23,
      high: 27,
      light,
    });
    expect(followedRange(targets, 'temperature', 9 * 60 + 59)).toMatchObject({ period: 'day', low: 23 });
    expect(followedRange(targets, 'temperature', 10 * 60)).toMatchObject({ period: 'night', low: 18, high: 22 });
    expect(followedRange(targets, 'humidity', 15 * 60)).toMatchObject({ period: 'night', low: 60, high: 70 });
  });

  it('take the one VPD range day and night, and nothing where the phase sets none', () => {
    expect(followedRange(targets, 'vpd', 23 * 60)).toMatchObject({ period: 'day', low: 0.8, high: 1.2 });
    expect(followedRange(targets, 'vpd', 15 * 60)).toMatchObject({ period: 'night', low: 0.8, high: 1.2 });
    expect(followedRange({ ...targets, vpdKpa: null }, 'vpd', 23 * 60)).toBeNull();
    const noNight = { ...targets, ranges: { ...targets.ranges, night: { temperature: null, humidity: null } } };
    expect(followedRange(noNight, 'temperature', 15 * 60)).toBeNull();
    expect(followedRange(targets, 'co2', 23 * 60)).toBeNull();
  });

  it('show times as HH:MM and VPD to 2 decimals', () => {
    expect(clockTime(6 * 60)).toBe('06:00');
    expect(clockTime(0)).toBe('00:00');
    expect(clockTime(23 * 60 + 59)).toBe('23:59');
    expect(clockTime(1440 + 75)).toBe('01:15');
    expect(roundVpd(1.8462)).toBe(1.85);
    expect(roundVpd(1.2049)).toBe(1.2);
    expect(roundVpd(0)).toBe(0);
  });
});

describe('notifications', () => {
  const sub = {
    alert_type: null,
    min_severity: 'warning' as const,
    quiet_start: '20:00',
    quiet_end: '06:00',
    muted_until: null,
  };
  const now = new Date('2026-06-10T12:00:00Z');

  it('keep quiet hours across midnight, letting only critical through', () => {
    expect(inQuietHours('20:00', '06:00', 23 * 60)).toBe(true);
    expect(inQuietHours('20:00', '06:00', 5 * 60 + 59)).toBe(true);
    expect(inQuietHours('20:00', '06:00', 6 * 60)).toBe(false);
    expect(inQuietHours('13:00', '14:00', 13 * 60 + 30)).toBe(true);
    expect(shouldDeliver(sub, { type: 'temp_high', severity: 'warning' }, now, 23 * 60)).toBe(false);
    expect(shouldDeliver(sub, { type: 'temp_high', severity: 'critical' }, now, 23 * 60)).toBe(true);
    expect(shouldDeliver(sub, { type: 'temp_high', severity: 'warning' }, now, 12 * 60)).toBe(true);
  });

  it('respect severity, type and mute', () => {
    expect(shouldDeliver(sub, { type: 'x', severity: 'info' }, now, 600)).toBe(false);
    expect(
      shouldDeliver({ ...sub, alert_type: 'device_offline' }, { type: 'temp_high', severity: 'critical' }, now, 600),
    ).toBe(false);
    expect(
      shouldDeliver(
        { ...sub, muted_until: new Date('2026-06-10T13:00:00Z') },
        { type: 'x', severity: 'critical' },
        now,
        600,
      ),
    ).toBe(false);
    expect(
      shouldDeliver(
        { ...sub, muted_until: new Date('2026-06-10T11:00:00Z') },
        { type: 'x', severity: 'critical' },
        now,
        600,
      ),
    ).toBe(true);
  });

  it('refuse webhook targets inside the network', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      'example.org',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '2606:2800:220:1::1', '172.32.0.1']) expect(isPrivateAddress(a), a).toBe(false);
  });
  it.each([
    // [address, refused, why]
    ['::ffff:127.0.0.1', true, 'IPv4-mapped loopback'],
    ['[::ffff:127.0.0.1]', true, 'as a URL writes it'],
    ['::ffff:7f00:1', true, 'IPv4-mapped loopback, hex form'],
    ['::ffff:10.0.0.1', true, 'IPv4-mapped private'],
    ['::ffff:8.8.8.8', false, 'IPv4-mapped public'],
    ['64:ff9b::7f00:1', true, 'NAT64 of loopback'],
    ['64:ff9b::10.0.0.1', true, 'NAT64 of a private address'],
    ['64:ff9b::808:808', false, 'NAT64 of a public address'],
    ['64:ff9b:1::a00:1', true, 'local-use NAT64 prefix'],
    ['2002:7f00:1::', true, '6to4 of loopback'],
    ['2002:a9fe:a9fe::1', true, '6to4 of the metadata address'],
    ['2002:808:808::1', false, '6to4 of a public address'],
    ['2001::1', true, 'Teredo'],
    ['::127.0.0.1', true, 'IPv4-compatible'],
    ['::', true, 'unspecified'],
    ['224.0.0.1', true, 'multicast'],
    ['239.255.255.250', true, 'multicast (SSDP)'],
    ['ff02::1', true, 'IPv6 multicast'],
    ['255.255.255.255', true, 'broadcast'],
    ['198.18.0.1', true, 'benchmarking 198.18/15'],
    ['198.19.255.254', true, 'benchmarking 198.18/15, upper half'],
    ['100.64.0.1', true, 'shared address space'],
    ['192.0.2.1', true, 'documentation'],
    ['2001:db8::1', true, 'IPv6 documentation'],
    ['240.0.0.1', true, 'reserved'],
    ['fec0::1', true, 'site-local (deprecated)'],
    ['0x7f000001', true, 'not dotted decimal'],
    ['017700000001', true, 'not dotted decimal'],
    ['localhost', true, 'a name, not an address'],
    ['8.8.8.8', false, 'public'],
    ['198.20.0.1', false, 'public, just past 198.18/15'],
    ['2606:4700::1111', false, 'public IPv6'],
  ])('judge %s (refused: %s, %s)', (address, refused) => {
    expect(isPrivateAddress(address)).toBe(refused);
  });
});
