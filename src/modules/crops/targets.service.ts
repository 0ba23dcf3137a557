import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { invalid } from '../../platform/errors.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Caller, FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import {
  DEFAULT_LIGHTS_ON_MINUTE,
  type LocationTargets,
  type Range,
  type TargetProvider,
  type TargetsAnswer,
} from '../../platform/targets.js';
import type { AlertsService } from '../alerts/index.js';
import { recordAudit } from '../audit/index.js';
import { catalogReads } from '../catalog/index.js';
import { locationReads } from '../locations/index.js';
import type { PhotoperiodChange, SchedulesService } from '../schedules/index.js';
import { HUMIDITY_TOLERANCE_PCT, TEMPERATURE_TOLERANCE_C } from './environment.engine.js';
import { cropsRepository, type RunRow } from './crops.repository.js';
import { locationOr } from './crops.moves.js';

interface Deps {
  db: Database;
  clock: Clock;
  live: LiveEvents;
  schedules: SchedulesService;
  alerts: AlertsService;
}

/** Who made a change that moved targets (absent: the daily job). */
export interface ChangeScope {
  farmId: string;
  timeZone: string;
  caller?: Caller | undefined;
  meta?: RequestMeta | undefined;
}

/** A rule's range as the audit log and the live event name it: per light period, or one for VPD. */
type RuleRange = { day: Range | null; night: Range | null } | Range | null;

interface TargetsChange {
  locationId: string;
  locationName: string;
  from: TargetsAnswer;
  to: TargetsAnswer;
  schedules: PhotoperiodChange[];
  rules: Array<{ id: string; name: string; metric: string; from: RuleRange; to: RuleRange }>;
}

/** What a change of targets leaves to do after the commit: send the lights' commands, tell live clients. */
export type AfterTargets = () => Promise<void>;

const NOTHING: AfterTargets = () => Promise.resolve();

/**
 * A place's climate targets from its crop: which planting run sets them (the target source), what its
 * phase asks for, and what follows when that changes. Alert rules and light schedules ask through the
 * platform's `Targets` door (they never import crops); when a change here moves a place's targets, the
 * schedules following its photoperiod take the new hours (through the schedules module's door), and
 * the change — which schedules and rules, old and new values — goes to the audit log and live clients.
 */
export class CropTargets implements TargetProvider {
  constructor(private readonly deps: Deps) {}

  /**
   * A location's climate targets now: from its chosen run, else the one active run growing there;
   * none, or several with none chosen, answer why (naming the runs) — never a guess.
   */
  async targets(tx: Tx, farmId: string, locationId: string): Promise<TargetsAnswer> {
    const chosen = await cropsRepository.targetSource(tx, farmId, locationId);
    const run = chosen ? await cropsRepository.findRun(tx, farmId, chosen) : undefined;
    const growing =
      run && ['active', 'harvesting'].includes(run.status)
        ? [run]
        : await cropsRepository.runsGrowingAt(tx, farmId, locationId);
    const described = async (r: RunRow) => {
      const species = (await catalogReads.speciesForGrowth(tx, [r.species_id])).get(r.species_id);
      const counts = await cropsRepository.runPhases(tx, farmId, r.id);
      // The phase most of its plants are in; a tie goes to the later phase (the run moves on together).
      const phases = species?.sequence.phases ?? [];
      const best = counts
        .map((c) => ({ ...c, phase: phases.find((p) => p.id === c.phase_id) }))
        .filter((c) => c.phase !== undefined)
        .sort((a, b) => b.n - a.n || b.phase!.position - a.phase!.position)[0];
      return { run: r, phase: best?.phase ?? null };
    };
    if (growing.length !== 1) {
      const runs = await Promise.all(growing.map(described));
      const list = runs.map((r) => ({ id: r.run.id, name: r.run.name, phase: r.phase?.key ?? null }));
      return growing.length === 0
        ? { ok: false, code: 'NO_TARGET_SOURCE', message: 'No active planting run grows at this location', runs: list }
        : {
            ok: false,
            code: 'TARGET_SOURCE_AMBIGUOUS',
            message: `${growing.length} planting runs grow here (${list.map((r) => r.name).join(', ')}): choose the one that sets the targets (PUT …/locations/{id}/target-source)`,
            runs: list,
          };
    }
    const { run: source, phase } = await described(growing[0]!);
    if (!phase)
      return {
        ok: false,
        code: 'NO_TARGET_SOURCE',
        message: `Planting run ${source.name} has no plants in a phase`,
        runs: [{ id: source.id, name: source.name, phase: null }],
      };
    const p = phase.profile;
    // The light period: the schedule following this place's photoperiod keeps it; else 06:00 for the phase's hours.
    const light = (await this.deps.schedules.lightPeriod(tx, farmId, locationId)) ?? {
      startMinute: DEFAULT_LIGHTS_ON_MINUTE,
      hours: p.photoperiodH ?? 12,
      schedule: null,
    };
    return {
      ok: true,
      targets: {
        locationId,
        run: { id: source.id, name: source.name },
        phase: phase.key,
        photoperiodH: p.photoperiodH,
        day: { temperatureC: p.dayTempC, humidityPct: p.dayHumidity },
        night: { temperatureC: p.nightTempC, humidityPct: p.nightHumidity },
        vpdKpa: p.vpdMin !== null && p.vpdMax !== null ? { min: p.vpdMin, max: p.vpdMax } : null,
        light,
        ranges: {
          day: { temperature: around(p.dayTempC, TEMPERATURE_TOLERANCE_C), humidity: humidityAround(p.dayHumidity) },
          night: {
            temperature: around(p.nightTempC, TEMPERATURE_TOLERANCE_C),
            humidity: humidityAround(p.nightHumidity),
          },
        },
      },
    };
  }

  targetSource(ctx: FarmContext, locationId: string) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await locationOr(tx, ctx.farmId, locationId, 'path.id');
      return {
        chosen: (await cropsRepository.targetSource(tx, ctx.farmId, locationId)) ?? null,
        answer: await this.targets(tx, ctx.farmId, locationId),
      };
    });
  }

  /** Chooses the run that sets a location's targets (null: the one growing there, when there is one). */
  async setTargetSource(ctx: FarmContext, locationId: string, runId: string | null, meta: RequestMeta) {
    const now = this.deps.clock.now();
    const after = await this.deps.db.farm(ctx.farmId, async (tx) => {
      await locationOr(tx, ctx.farmId, locationId, 'path.id');
      if (runId !== null) {
        const run = await cropsRepository.findRun(tx, ctx.farmId, runId);
        if (!run)
          throw invalid('No such planting run in this farm', {
            fields: [{ field: 'body.run', message: 'no such run' }],
          });
      }
      const scope = { ...ctx, meta };
      const { after } = await this.around(tx, scope, async () => {
        await cropsRepository.setTargetSource(tx, ctx.farmId, locationId, runId, now);
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'location.target_source_set',
          category: 'crops',
          message: runId
            ? 'The planting run setting a location’s targets chosen'
            : 'A location’s target source cleared',
          data: { location_id: locationId, run_id: runId },
        });
      });
      return after;
    });
    await after();
    return this.targetSource(ctx, locationId);
  }

  // What follows a change

  /**
   * Runs `change` (in the caller's transaction) and then brings what follows each watched place's
   * targets up to date: where the targets moved, the light schedules following its photoperiod take the
   * new hours, and the audit log records the change with every schedule and rule and their old and new
   * values. Returns what is left for after the commit (the lights' commands, the live events).
   */
  async around<T>(tx: Tx, scope: ChangeScope, change: () => Promise<T>): Promise<{ value: T; after: AfterTargets }> {
    const before = await this.snapshot(tx, scope.farmId);
    const value = await change();
    return { value, after: await this.settle(tx, scope, before) };
  }

  /** The targets of every place something follows (a light schedule, an alert rule), before a change. */
  async snapshot(tx: Tx, farmId: string): Promise<Map<string, TargetsAnswer>> {
    const before = new Map<string, TargetsAnswer>();
    for (const id of await this.#watched(tx, farmId)) before.set(id, await this.targets(tx, farmId, id));
    return before;
  }

  /**
   * After a change: where a watched place's targets moved since `before`, the light schedules following
   * its photoperiod take the new hours, and the audit log records it (every schedule and rule, old and
   * new values). Returns what is left for after the commit.
   */
  async settle(tx: Tx, scope: ChangeScope, before: Map<string, TargetsAnswer>): Promise<AfterTargets> {
    if (before.size === 0) return NOTHING;
    const now = this.deps.clock.now();
    const rules = await this.deps.alerts.followingRules(tx, scope.farmId);
    const changes: TargetsChange[] = [];
    const sends: AfterTargets[] = [];
    for (const [locationId, from] of before) {
      let to = await this.targets(tx, scope.farmId, locationId);
      if (fingerprint(from) === fingerprint(to)) continue;
      const photoperiod = to.ok ? to.targets.photoperiodH : null;
      const followed = await this.deps.schedules.followPhotoperiod(
        tx,
        scope.farmId,
        scope.timeZone,
        locationId,
        photoperiod,
        now,
      );
      sends.push(followed.send);
      // The light period moved with the schedules: the targets' view of it too.
      if (followed.changed.length > 0) to = await this.targets(tx, scope.farmId, locationId);
      const location = await locationReads.find(tx, scope.farmId, locationId);
      const change: TargetsChange = {
        locationId,
        locationName: location?.name ?? locationId,
        from,
        to,
        schedules: followed.changed,
        rules: rules
          .filter((r) => r.location_id === locationId && r.metric !== null)
          .map((r) => ({
            id: r.id,
            name: r.name,
            metric: r.metric!,
            from: ruleRange(from, r.metric!),
            to: ruleRange(to, r.metric!),
          })),
      };
      changes.push(change);
      await recordAudit(tx, this.deps.clock, {
        farmId: scope.farmId,
        ...(scope.caller ? { caller: scope.caller } : {}),
        ...(scope.meta ? { meta: scope.meta } : {}),
        eventType: 'location.targets_changed',
        category: 'crops',
        message: describe(change),
        data: eventData(change),
      });
    }
    if (changes.length === 0) return NOTHING;
    return async () => {
      for (const send of sends) await send();
      for (const change of changes) this.deps.live.farmEvent(scope.farmId, { type: 'targets', ...eventData(change) });
    };
  }

  /** The places whose targets something follows: a light schedule or an alert rule. */
  async #watched(tx: Tx, farmId: string): Promise<string[]> {
    const rules = await this.deps.alerts.followingRules(tx, farmId);
    const places = new Set(await this.deps.schedules.followedLocations(tx, farmId));
    for (const rule of rules) if (rule.location_id) places.add(rule.location_id);
    return [...places].sort();
  }
}

/** What decides whether a place's targets moved (not the light period, which follows from them). */
function fingerprint(answer: TargetsAnswer): string {
  if (!answer.ok) return JSON.stringify({ code: answer.code, runs: answer.runs.map((r) => r.id).sort() });
  const { run, phase, photoperiodH, ranges, vpdKpa } = answer.targets;
  return JSON.stringify({ run: run.id, phase, photoperiodH, ranges, vpdKpa });
}

function ruleRange(answer: TargetsAnswer, metric: string): RuleRange {
  if (!answer.ok) return null;
  const t: LocationTargets = answer.targets;
  if (metric === 'vpd') return t.vpdKpa;
  if (metric !== 'temperature' && metric !== 'humidity') return null;
  return { day: t.ranges.day[metric], night: t.ranges.night[metric] };
}

const summary = (answer: TargetsAnswer) =>
  answer.ok
    ? {
        run: answer.targets.run,
        phase: answer.targets.phase,
        photoperiod_h: answer.targets.photoperiodH,
      }
    : { problem: answer.code };

function eventData(change: TargetsChange) {
  return {
    location_id: change.locationId,
    location: change.locationName,
    from: summary(change.from),
    to: summary(change.to),
    schedules: change.schedules,
    rules: change.rules,
  };
}

/** "Greenhouse 2: Tomatoes vegetative → flowering; Lights 18 h → 12 h; 1 rule follows" */
function describe(change: TargetsChange): string {
  const phase = (a: TargetsAnswer) => (a.ok ? a.targets.phase : 'no targets');
  const run = change.to.ok ? change.to.targets.run.name : change.from.ok ? change.from.targets.run.name : '';
  const parts = [`${change.locationName}: ${run ? `${run} ` : ''}${phase(change.from)} → ${phase(change.to)}`];
  for (const s of change.schedules) parts.push(`${s.schedule.name} ${s.hours.from ?? '?'} h → ${s.hours.to} h`);
  if (change.rules.length > 0)
    parts.push(
      `${change.rules.length} alert rule${change.rules.length === 1 ? ' follows' : 's follow'} the new targets`,
    );
  return parts.join('; ');
}

/** A target value widened by a tolerance each side (null without a value). */
function around(value: number | null, tolerance: number) {
  return value === null ? null : { min: value - tolerance, max: value + tolerance };
}

function humidityAround(value: number | null) {
  const range = around(value, HUMIDITY_TOLERANCE_PCT);
  return range && { min: Math.max(0, range.min), max: Math.min(100, range.max) };
}
