import { describe, expect, it } from 'vitest';
import {
  classify,
  environmentAgainstTargets,
  HUMIDITY_TOLERANCE_PCT,
  saturationVaporPressureKpa,
  TEMPERATURE_TOLERANCE_C,
  targetRanges,
  vpdKpa,
  type ClimateTargets,
} from './environment.engine.js';

/** The vegetative defaults of crops-corrections.md item 8: a whole catalogue profile, as the service passes it. */
const vegetative = {
  lightPpfd: 400,
  photoperiodH: 18,
  dayTempC: 25,
  nightTempC: 20,
  dayHumidity: 60,
  nightHumidity: 65,
  vpdMin: 0.8,
  vpdMax: 1.2,
  npk: [3, 1, 2],
  ecMs: 1.5,
  ph: 6,
};
const empty: ClimateTargets = {
  dayTempC: null,
  nightTempC: null,
  dayHumidity: null,
  nightHumidity: null,
  vpdMin: null,
  vpdMax: null,
};

describe('vapour pressure', () => {
  it('matches the FAO-56 saturation table', () => {
    expect(saturationVaporPressureKpa(0)).toBeCloseTo(0.611, 3);
    expect(saturationVaporPressureKpa(10)).toBeCloseTo(1.228, 3);
    expect(saturationVaporPressureKpa(20)).toBeCloseTo(2.338, 3);
    expect(saturationVaporPressureKpa(25)).toBeCloseTo(3.168, 3);
    expect(saturationVaporPressureKpa(30)).toBeCloseTo(4.243, 3);
  });

  it('takes the deficit as SVP·(1 − RH/100)', () => {
    expect(vpdKpa(25, 60)).toBeCloseTo(1.267, 3);
    expect(vpdKpa(20, 70)).toBeCloseTo(0.701, 3);
    expect(vpdKpa(25, 100)).toBe(0);
    expect(vpdKpa(25, 0)).toBeCloseTo(3.168, 3);
  });

  it('keeps a humidity reading beyond 0–100 % at the limit', () => {
    expect(vpdKpa(25, 103)).toBe(0);
    expect(vpdKpa(25, -2)).toBe(saturationVaporPressureKpa(25));
  });
});

describe('classify', () => {
  it('counts the bounds as optimal', () => {
    const range = { min: 18, max: 27 };
    expect(classify(17.99, range)).toBe('low');
    expect(classify(18, range)).toBe('optimal');
    expect(classify(27, range)).toBe('optimal');
    expect(classify(27.01, range)).toBe('high');
  });
});

describe('targetRanges', () => {
  it('spans day and night, widened by the tolerances', () => {
    expect(TEMPERATURE_TOLERANCE_C).toBe(2);
    expect(HUMIDITY_TOLERANCE_PCT).toBe(5);
    expect(targetRanges(vegetative)).toEqual({
      temperature: { min: 18, max: 27 },
      humidity: { min: 55, max: 70 },
      vpd: { min: 0.8, max: 1.2 },
    });
  });

  it('handles zero and negative DIF (a night as warm as or warmer than the day)', () => {
    expect(targetRanges({ ...vegetative, dayTempC: 22, nightTempC: 22 }).temperature).toEqual({ min: 20, max: 24 });
    expect(targetRanges({ ...vegetative, dayTempC: 18, nightTempC: 22 }).temperature).toEqual({ min: 16, max: 24 });
  });

  it('handles frost-hardy targets below zero', () => {
    expect(targetRanges({ ...vegetative, dayTempC: 2, nightTempC: -4 }).temperature).toEqual({ min: -6, max: 4 });
  });

  it('keeps humidity within 0–100', () => {
    expect(targetRanges({ ...vegetative, dayHumidity: 90, nightHumidity: 98 }).humidity).toEqual({
      min: 85,
      max: 100,
    });
    expect(targetRanges({ ...vegetative, dayHumidity: 3, nightHumidity: 10 }).humidity).toEqual({ min: 0, max: 15 });
  });

  it('uses the one target given, and none when neither is', () => {
    expect(targetRanges({ ...vegetative, nightTempC: null }).temperature).toEqual({ min: 23, max: 27 });
    expect(targetRanges({ ...vegetative, dayHumidity: null }).humidity).toEqual({ min: 60, max: 70 });
    expect(targetRanges(empty)).toEqual({ temperature: null, humidity: null, vpd: null });
    expect(targetRanges({ ...vegetative, vpdMax: null }).vpd).toBeNull();
  });

  it('puts VPD bounds given the wrong way round in order', () => {
    expect(targetRanges({ ...vegetative, vpdMin: 1.5, vpdMax: 1.0 }).vpd).toEqual({ min: 1.0, max: 1.5 });
  });
});

describe('environmentAgainstTargets', () => {
  const t = new Date('2026-06-01T10:00:00Z');
  const older = new Date('2026-06-01T09:55:00Z');

  it('rates temperature, humidity and VPD against the phase', () => {
    expect(
      environmentAgainstTargets({
        temperature: { value: 28, ts: t },
        humidity: { value: 62, ts: older },
        profile: vegetative,
      }),
    ).toEqual({
      temperature: { value: 28, ts: t, target: { min: 18, max: 27 }, level: 'high' },
      humidity: { value: 62, ts: older, target: { min: 55, max: 70 }, level: 'optimal' },
      // SVP(28) = 3.780 kPa; × 0.38 = 1.436 kPa: above 1.2.
      vpd: { value: 1.436, ts: older, target: { min: 0.8, max: 1.2 }, level: 'high' },
    });
  });

  it('rates cold, damp air low and its VPD low', () => {
    const result = environmentAgainstTargets({
      temperature: { value: 16, ts: t },
      humidity: { value: 88, ts: t },
      profile: vegetative,
    });
    expect(result.temperature?.level).toBe('low');
    expect(result.humidity?.level).toBe('high');
    expect(result.vpd).toEqual({ value: 0.218, ts: t, target: { min: 0.8, max: 1.2 }, level: 'low' });
  });

  it('answers no VPD without both readings', () => {
    const onlyT = environmentAgainstTargets({ temperature: { value: 24, ts: t }, humidity: null, profile: vegetative });
    expect(onlyT).toEqual({
      temperature: { value: 24, ts: t, target: { min: 18, max: 27 }, level: 'optimal' },
      humidity: null,
      vpd: null,
    });
    const onlyH = environmentAgainstTargets({ temperature: null, humidity: { value: 60, ts: t }, profile: vegetative });
    expect(onlyH.vpd).toBeNull();
    expect(onlyH.humidity?.level).toBe('optimal');
    expect(environmentAgainstTargets({ temperature: null, humidity: null, profile: vegetative })).toEqual({
      temperature: null,
      humidity: null,
      vpd: null,
    });
  });

  it('answers the readings with no level when there is no target', () => {
    const noPhase = environmentAgainstTargets({
      temperature: { value: 24, ts: t },
      humidity: { value: 60, ts: t },
      profile: null,
    });
    expect(noPhase.temperature).toEqual({ value: 24, ts: t, target: null, level: null });
    expect(noPhase.vpd).toEqual({ value: 1.194, ts: t, target: null, level: null });
    const noVpdTarget = environmentAgainstTargets({
      temperature: { value: 24, ts: t },
      humidity: { value: 60, ts: t },
      profile: { ...vegetative, vpdMin: null, vpdMax: null },
    });
    expect(noVpdTarget.vpd?.level).toBeNull();
    expect(noVpdTarget.temperature?.level).toBe('optimal');
  });
});
