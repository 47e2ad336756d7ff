import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { caseParties, cases, deadlines, organisations, participants, type consents } from '../../db/schema.js';
import { addDays, DEADLINE_HOUR, zonedInstant } from '../../protocols/time.js';
import { CONSENT_WATCHES } from '../../protocols/index.js';
import { consentedOrganisations, todayFor } from '../access/consents.js';
import { LIVE_DEADLINE_STATES, retireDeadlines } from '../deadlines/rows.js';

/* The rows consents put in the work queue: the expiry reminder and the lost-consent item. */

type ConsentRow = typeof consents.$inferSelect;

/**
 * A consent expiring within 14 days reminds the case owner: a reminder row due 14 days before
 * `validUntil`, 09:00 in the owner's time zone, for the owner of the case it was recorded on,
 * else of the person's open cases where the consented organisation takes part, else the
 * record owner. Revocation voids it.
 */
export async function scheduleExpiryReminder(tx: Executor, consent: ConsentRow, now: Date): Promise<void> {
  if (!consent.validUntil) return;
  let owners: { caseId: string | null; owner: string }[];
  if (consent.caseId) {
    owners = await tx.select({ caseId: cases.id, owner: cases.ownerOrganisationId }).from(cases).where(eq(cases.id, consent.caseId));
  } else {
    owners = await tx
      .selectDistinct({ caseId: cases.id, owner: cases.ownerOrganisationId })
      .from(cases)
      .innerJoin(caseParties, eq(caseParties.caseId, cases.id))
      .where(and(eq(cases.participantId, consent.participantId), eq(caseParties.organisationId, consent.organisationId), isNull(cases.closedAt)));
  }
  if (owners.length === 0) {
    const [participant] = await tx.select({ owner: participants.ownerOrganisationId }).from(participants).where(eq(participants.id, consent.participantId));
    if (participant) owners = [{ caseId: null, owner: participant.owner }];
  }
  if (owners.length === 0) return;
  const [zone] = await tx.select({ timeZone: organisations.timeZone }).from(organisations).where(eq(organisations.id, owners[0]!.owner));
  const dueAt = zonedInstant(addDays(consent.validUntil, -14), DEADLINE_HOUR, zone?.timeZone ?? 'UTC');
  await tx
    .insert(deadlines)
    .values({
      id: randomUUID(),
      caseId: owners[0]!.caseId,
      participantId: consent.participantId,
      rule: 'consent_expiring',
      kind: 'reminder',
      dueAt,
      concerns: [...new Set(owners.map((entry) => entry.owner))].sort(),
      status: 'open',
      dedupeKey: `consent:${consent.id}:expiring`,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: deadlines.dedupeKey });
}

/**
 * DOMAIN.md, "Consent attestation": when the NGO of a person's open pre-release plan or
 * patronage case (the part the protocol data's `consent.watchedPart` names) no longer has a valid consent naming it (revoked, voided), the case owner
 * gets a work-queue item (`consent_lost`, told in-app and by e-mail) to record a new consent
 * or replace the NGO. It stays in the queue until one of them happens or the case closes.
 * (An expiry is announced 14 days ahead by the `consent_expiring` reminder.) Called after
 * anything that can change the answer: a consent recorded, confirmed, revoked or voided, a
 * case's parties changed or the case closed.
 */
export async function reconcileConsentWorkItems(tx: Executor, participantId: string, now: Date): Promise<void> {
  const needing = await tx
    .select({ caseId: cases.id, owner: cases.ownerOrganisationId, ngo: caseParties.organisationId })
    .from(cases)
    .innerJoin(caseParties, eq(caseParties.caseId, cases.id))
    .where(
      and(
        eq(cases.participantId, participantId),
        isNull(cases.closedAt),
        // The part each protocol's data watches (`consent.watchedPart`: the NGO of a pre-release plan or a patronage case).
        or(...CONSENT_WATCHES.map((watch) => and(eq(cases.protocol, watch.protocol), eq(caseParties.part, watch.part)))),
      ),
    );
  const consented = needing.length > 0 ? await consentedOrganisations(tx, participantId, await todayFor(tx, participantId, now)) : new Set<string>();
  const lacking = new Map(needing.filter((row) => !consented.has(row.ngo)).map((row) => [row.caseId, row]));
  const live = await tx
    .select({ id: deadlines.id, caseId: deadlines.caseId })
    .from(deadlines)
    .where(and(eq(deadlines.participantId, participantId), eq(deadlines.rule, 'consent_lost'), inArray(deadlines.status, LIVE_DEADLINE_STATES)));
  const settled = live.filter((row) => !row.caseId || !lacking.has(row.caseId)).map((row) => row.id);
  if (settled.length > 0) await retireDeadlines(tx, inArray(deadlines.id, settled), now);
  for (const row of lacking.values()) {
    if (live.some((item) => item.caseId === row.caseId)) continue;
    // One live item per case (checked above); each lapse after a settled one is a new item.
    const id = randomUUID();
    await tx.insert(deadlines).values({
      id,
      caseId: row.caseId,
      participantId,
      rule: 'consent_lost',
      kind: 'deadline',
      dueAt: now,
      concerns: [row.owner],
      status: 'open',
      dedupeKey: `consent-lost:${row.caseId}:${id}`,
      createdAt: now,
      updatedAt: now,
    });
  }
}
