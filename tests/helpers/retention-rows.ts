import { randomUUID } from 'node:crypto';
import type { notifications, outbox } from '../../db/schema.js';

/**
 * Rows for the retention tests, dated as a test needs them: an e-mail in the outbox (its `.eml`
 * file is named by its Message-ID) and an in-app notice. They name a person by reference code
 * only, as the real ones do.
 */
function common(organisationId: string) {
  const id = randomUUID();
  return { id, dedupeKey: `retention-test:${id}`, organisationId, rule: 'test', subject: 'Reminder P-TEST-0001', text: 'A reminder' };
}

export function messageRow(
  organisationId: string,
  at: { status: string; createdAt: Date; sentAt: Date | null; nextAttemptAt?: Date },
): typeof outbox.$inferInsert & { messageId: string } {
  const row = common(organisationId);
  return {
    ...row,
    locale: 'en',
    toAddresses: ['staff@example.org'],
    messageId: `<${row.id}@cadap.invalid>`,
    status: at.status,
    attempts: 1,
    nextAttemptAt: at.nextAttemptAt ?? at.createdAt,
    createdAt: at.createdAt,
    sentAt: at.sentAt,
    updatedAt: at.sentAt ?? at.createdAt,
  };
}

export function noticeRow(organisationId: string, at: { createdAt: Date; readAt: Date | null }): typeof notifications.$inferInsert & { id: string } {
  return { ...common(organisationId), kind: 'reminder', participantReference: 'P-TEST-0001', createdAt: at.createdAt, readAt: at.readAt, readBySub: at.readAt ? 'staff-1' : null };
}
