import type { Executor } from '../../db/client.js';
import { auditEvents } from '../../db/schema.js';
import type { Actor } from '../auth/authenticator.js';
import type { DataClass } from '../domain.js';

export type AuditOutcome = 'success' | 'denied';

export type AuditEntry = {
  actor: Actor;
  action: string;
  subjectType: string;
  subjectId?: string | undefined;
  participantId?: string | undefined;
  dataClasses?: readonly DataClass[];
  purpose?: string | undefined;
  basis?: string | undefined;
  requestId: string | undefined;
  outcome: AuditOutcome;
  at: Date;
};

/**
 * Appends one row to the audit trail. Writes pass their transaction, so the row exists if
 * and only if the change does; reads call this before their response is sent.
 */
export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  await db.insert(auditEvents).values({
    at: entry.at,
    actorSub: entry.actor.sub,
    organisationId: entry.actor.organisation.id,
    roles: entry.actor.roles,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId ?? null,
    participantId: entry.participantId ?? null,
    dataClasses: [...(entry.dataClasses ?? [])],
    purpose: entry.purpose ?? null,
    basis: entry.basis ?? null,
    requestId: entry.requestId ?? null,
    outcome: entry.outcome,
  });
}
