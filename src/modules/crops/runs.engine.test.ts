import { describe, expect, it } from 'vitest';
import { checkRunStatus, RUN_STATUSES, runEditable, type RunStatus } from './runs.engine.js';

describe('planting-run status', () => {
  const allowed: Array<[RunStatus, RunStatus]> = [
    ['planned', 'active'],
    ['planned', 'cancelled'],
    ['active', 'harvesting'],
    ['active', 'completed'],
    ['active', 'cancelled'],
    ['harvesting', 'completed'],
    ['harvesting', 'cancelled'],
  ];

  it('allows exactly the listed moves and refuses every other pair', () => {
    for (const from of RUN_STATUSES) {
      for (const to of RUN_STATUSES) {
        const expected = allowed.some(([f, t]) => f === from && t === to);
        const result = checkRunStatus(from, to);
        expect(result.ok, `${from} → ${to}`).toBe(expected);
        if (!result.ok) expect(result.code).toBe('INVALID_RUN_STATE');
      }
    }
  });

  it('says why a move is refused', () => {
    expect(checkRunStatus('active', 'active')).toEqual({
      ok: false,
      code: 'INVALID_RUN_STATE',
      reason: 'The run is already active',
    });
    expect(checkRunStatus('completed', 'active')).toEqual({
      ok: false,
      code: 'INVALID_RUN_STATE',
      reason: 'A completed run is final',
    });
    expect(checkRunStatus('planned', 'harvesting')).toEqual({
      ok: false,
      code: 'INVALID_RUN_STATE',
      reason: 'A planned run cannot become harvesting (it can become active or cancelled)',
    });
  });

  it('keeps a run editable only while planned', () => {
    expect(RUN_STATUSES.filter(runEditable)).toEqual(['planned']);
  });
});
