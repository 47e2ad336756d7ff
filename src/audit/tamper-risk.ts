import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../db/client.js';
import { rowsOf } from '../../db/migrate.js';

export type AuditTamperRisk = { canBypassAuditTriggers: boolean; reasons: string[] };

/**
 * Whether the role the service connects as could rewrite the audit trail past its append-only
 * triggers, and so delete the rows written since the last signed checkpoint without a trace:
 *
 * - `superuser`: bypasses every privilege, disables triggers, sets session_replication_role;
 * - `can set session_replication_role`: `replica` turns ordinary triggers off for the session
 *   (superusers only before PostgreSQL 15, grantable with `GRANT SET ON PARAMETER` since);
 * - `owns the audit trail`: the owner of audit_events, audit_checkpoints or the trigger
 *   function can `ALTER TABLE … DISABLE TRIGGER` or replace the function.
 *
 * Both the current role and the session (login) role count, since the login role can `RESET ROLE`.
 * On embedded PGlite the answer is undefined: its one user is a superuser by nature, and
 * whoever can reach that database can reach its files too, so there is no role boundary to report.
 */
export async function auditTamperRisk(database: DatabaseHandle): Promise<AuditTamperRisk | undefined> {
  if (database.kind === 'pglite') return undefined;
  const [row] = rowsOf<{ superuser: boolean; replication: boolean; owner: boolean }>(
    await database.db.execute(sql`
      with roles(name) as (values (current_user::text), (session_user::text)),
           owners(oid) as (
             select relowner from pg_class where oid in (to_regclass('audit_events'), to_regclass('audit_checkpoints'))
             union select proowner from pg_proc where proname = 'audit_append_only')
      select
        exists (select 1 from roles join pg_roles r on r.rolname = roles.name where r.rolsuper) as superuser,
        case when current_setting('server_version_num')::int >= 150000
          then exists (select 1 from roles where has_parameter_privilege(roles.name, 'session_replication_role', 'SET'))
          else false end as replication,
        exists (select 1 from roles, owners where pg_has_role(roles.name, owners.oid, 'MEMBER')) as owner`),
  );
  const reasons: string[] = [];
  if (row?.superuser) reasons.push('superuser');
  if (row?.replication) reasons.push('can set session_replication_role');
  if (row?.owner) reasons.push('owns the audit trail');
  return { canBypassAuditTriggers: reasons.length > 0, reasons };
}

export const TAMPER_WARNING =
  'The database role can bypass the audit trail’s append-only triggers, so rows written since the last signed checkpoint could be deleted unseen. ' +
  'Run the service as a login role that is a member of cadap_app (see the README).';
