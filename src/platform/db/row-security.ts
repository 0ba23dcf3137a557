import { DomainError } from '../errors.js';
import { APP_ROLE, type Database } from './database.js';

/**
 * Refuses to serve when the role scoped transactions work as could bypass row-level security
 * (a superuser or BYPASSRLS role sees every farm's rows whatever the policies say).
 */
export async function assertRowSecurityHolds(db: Database, role = APP_ROLE): Promise<void> {
  const { rows } = await db.raw.executeSql('select rolsuper, rolbypassrls from pg_roles where rolname = $1', [role]);
  const row = rows[0] as { rolsuper: boolean; rolbypassrls: boolean } | undefined;
  if (!row)
    throw new DomainError('internal', 'APP_ROLE_MISSING', `The database role ${role} is missing: run the migrations`);
  if (row.rolsuper || row.rolbypassrls) {
    throw new DomainError(
      'internal',
      'APP_ROLE_BYPASSES_RLS',
      `The database role ${role} can bypass row-level security (superuser or BYPASSRLS), so farms would not be kept apart. ` +
        `Fix it with: ALTER ROLE ${role} NOSUPERUSER NOBYPASSRLS`,
      { role },
    );
  }
}
