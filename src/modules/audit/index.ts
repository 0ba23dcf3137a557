import type { Database } from '../../platform/db/database.js';
import { defineModule } from '../../platform/module.js';
import { auditRoutes } from './audit.routes.js';

export { recordAudit, recordAudits, type AuditEvent } from './audit.service.js';

/** The farm's audit log: every module records into it in its own transaction; managers read it. */
export const auditModule = defineModule({
  name: 'audit',
  create: (_deps: { db: Database }) => ({}),
  routes: auditRoutes,
});
