import type { CommandAction, CommandStatus, DeviceType, SafeState } from './devices.tables.js';

/**
 * The rules of device commands (Tokkatot's, made general): what each device type can do, value
 * ranges, priorities, the lifecycle, and safe states for an emergency stop. Pure: no I/O, no clock.
 */

export type Priority = 'high' | 'normal' | 'low';
/** Stored order: emergency first, then high, normal, low. */
export const PRIORITY_RANK: Record<Priority | 'emergency', number> = { emergency: 0, high: 1, normal: 2, low: 3 };
export const priorityName = (rank: number): Priority | 'emergency' =>
  (Object.entries(PRIORITY_RANK).find(([, r]) => r === rank)?.[0] ?? 'normal') as Priority | 'emergency';

/** What each device type can be told to do; sensors, ADCs and manual devices take no commands. */
export const ACTIONS_BY_TYPE: Record<DeviceType, readonly CommandAction[]> = {
  relay: ['on', 'off', 'toggle'],
  gpio: ['on', 'off', 'toggle'],
  pwm: ['on', 'off', 'toggle', 'set_value', 'set_speed'],
  servo: ['on', 'off', 'set_angle'],
  adc: [],
  sensor: [],
  manual: [],
};

export const VALUE_RANGE: Partial<Record<CommandAction, { min: number; max: number }>> = {
  set_value: { min: 0, max: 255 },
  set_angle: { min: 0, max: 180 },
  set_speed: { min: 0, max: 100 },
};

export interface CommandInput {
  action: CommandAction;
  value?: number | undefined;
  channel?: string | undefined;
  duration_ms?: number | undefined;
}

export type Refusal = { code: string; message: string; field?: string; status: 'invalid' | 'rule' };
export type Checked = { ok: true } | ({ ok: false } & Refusal);

/** Whether a device of `type` with these channels can take the command. */
export function checkCommand(type: DeviceType, channels: readonly string[], input: CommandInput): Checked {
  const allowed = ACTIONS_BY_TYPE[type];
  if (allowed.length === 0) {
    return { ok: false, status: 'rule', code: 'NOT_AN_ACTUATOR', message: `A ${type} device takes no commands` };
  }
  if (!allowed.includes(input.action)) {
    return {
      ok: false,
      status: 'rule',
      code: 'ACTION_NOT_SUPPORTED',
      field: 'body.action',
      message: `A ${type} device cannot ${input.action} (it can ${allowed.join(', ')})`,
    };
  }
  const range = VALUE_RANGE[input.action];
  if (range) {
    if (input.value === undefined)
      return {
        ok: false,
        status: 'invalid',
        code: 'VALIDATION_FAILED',
        field: 'body.value',
        message: `${input.action} needs a value (${range.min}–${range.max})`,
      };
    if (input.value < range.min || input.value > range.max) {
      return {
        ok: false,
        status: 'invalid',
        code: 'VALUE_OUT_OF_RANGE',
        field: 'body.value',
        message: `${input.action} takes ${range.min}–${range.max} (got ${input.value})`,
      };
    }
  } else if (input.value !== undefined) {
    return {
      ok: false,
      status: 'invalid',
      code: 'VALIDATION_FAILED',
      field: 'body.value',
      message: `${input.action} takes no value`,
    };
  }
  if (input.channel !== undefined && !channels.includes(input.channel)) {
    return {
      ok: false,
      status: 'invalid',
      code: 'UNKNOWN_CHANNEL',
      field: 'body.channel',
      message:
        channels.length === 0
          ? 'This device has no channels'
          : `No channel "${input.channel}" (it has ${channels.join(', ')})`,
    };
  }
  return { ok: true };
}

/** Statuses a command can still move from. */
export const OPEN_STATUSES: readonly CommandStatus[] = ['queued', 'sent', 'executing'];
export const isFinal = (status: CommandStatus) => !OPEN_STATUSES.includes(status);

/**
 * A device's report (`commands/ack`) applied to a command: the new status, or null when it changes
 * nothing (a repeated or stale acknowledgement). A late `completed`/`failed` after a timeout is taken:
 * the device knows best what it did.
 */
export function afterAck(current: CommandStatus, reported: 'executing' | 'completed' | 'failed'): CommandStatus | null {
  if (current === 'sent' || current === 'queued') return reported;
  if (current === 'executing') return reported === 'executing' ? null : reported;
  if (current === 'timeout' && reported !== 'executing') return reported;
  return null;
}

/**
 * When an open command has waited too long, given its timestamps (ms): a queued one expires at its
 * time to live; a sent one times out without a first answer within `ackTimeoutMs`; an executing one
 * with a duration must finish within that duration plus the timeout.
 */
export function overdue(
  command: {
    status: CommandStatus;
    expires_at: number;
    sent_at: number | null;
    executing_at: number | null;
    duration_ms: number | null;
  },
  now: number,
  ackTimeoutMs: number,
): 'expired' | 'timeout' | null {
  if (command.status === 'queued') return now >= command.expires_at ? 'expired' : null;
  if (command.status === 'sent')
    return command.sent_at !== null && now >= command.sent_at + ackTimeoutMs ? 'timeout' : null;
  if (command.status === 'executing' && command.duration_ms !== null && command.executing_at !== null) {
    return now >= command.executing_at + command.duration_ms + ackTimeoutMs ? 'timeout' : null;
  }
  return null;
}

export interface ChannelSafeState {
  name: string;
  safe_state: SafeState;
  safe_value: number | null;
}

/**
 * The commands that bring a device to its safe state: one per channel that has one (a value goes as
 * set_value, or set_angle for a servo); an actuator without channels is switched off.
 */
export function safeStateCommands(type: DeviceType, channels: readonly ChannelSafeState[]): CommandInput[] {
  if (ACTIONS_BY_TYPE[type].length === 0) return [];
  if (channels.length === 0) return [{ action: 'off' }];
  return channels.flatMap((c): CommandInput[] => {
    if (c.safe_state === 'unchanged') return [];
    if (c.safe_state === 'value')
      return [{ action: type === 'servo' ? 'set_angle' : 'set_value', value: c.safe_value ?? 0, channel: c.name }];
    return [{ action: c.safe_state, channel: c.name }];
  });
}

/** Whether a device has missed enough heartbeats to count as offline. */
export function missedHeartbeats(
  lastHeartbeat: number | null,
  now: number,
  intervalS: number,
  missed: number,
): boolean {
  return lastHeartbeat === null || now - lastHeartbeat > intervalS * missed * 1000;
}

/** A configuration value against its bounds (numbers only are bounded). */
export function checkConfigValue(value: unknown, min: number | null, max: number | null): string | undefined {
  if (min === null && max === null) return undefined;
  if (typeof value !== 'number') return 'a bounded parameter takes a number';
  if (min !== null && value < min) return `must be at least ${min}`;
  if (max !== null && value > max) return `must be at most ${max}`;
  return undefined;
}

/**
 * The topics Croft publishes a device's commands or configuration on: the farm named by its id and by
 * its slug, as the broker lets a device subscribe to either. The id form never changes, so a device
 * flashed with it keeps hearing its commands when the farm's slug changes; a device subscribed to both
 * hears each command twice, with one `command_id` (it runs an id once).
 */
export function deviceTopics(
  farm: { id: string; slug: string },
  label: string,
  channel: 'commands' | 'config',
): string[] {
  return [...new Set([farm.id, farm.slug])].map((ref) => `croft/${ref}/${label}/${channel}`);
}
