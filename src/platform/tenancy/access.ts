/**
 * Who may do what on a farm: one declared matrix of role × permission. Farm-scoped routes declare the
 * permission they need (`x-permission` in their schema, shown in the OpenAPI document); the farm
 * context hook refuses callers whose role lacks it before anything else runs, and services ask
 * {@link can} for finer rules.
 */
export const ROLES = ['viewer', 'worker', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  /** See the farm and everything on it. */
  'farm.read': 'viewer',
  /** Record what happened: readings, events, inspections, harvests, commands to devices. */
  'records.write': 'worker',
  /** Configure: devices, schedules, alert rules, locations. */
  'config.write': 'manager',
  /** Change the farm's name, time zone, position. */
  'farm.update': 'manager',
  'members.read': 'viewer',
  /** Invite people and remove members whose role is below admin. */
  'members.manage': 'manager',
  /** Change members' roles, including to and from admin. */
  'members.change_role': 'admin',
  'api_keys.manage': 'admin',
  /** Upload, delete and choose the farm's own detection models (photo counting). */
  'detector_models.manage': 'admin',
  'audit.read': 'manager',
  /** Download everything of the farm as one archive (its secrets and hashes left out). */
  'farm.export': 'admin',
  'farm.delete': 'admin',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof PERMISSIONS;

export const rank = (role: Role): number => ROLES.indexOf(role);

/** Whether `role` holds `permission`: each role holds what the roles below it hold. */
export function can(role: Role, permission: Permission): boolean {
  return rank(role) >= rank(PERMISSIONS[permission]);
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && Object.hasOwn(PERMISSIONS, value);
}
