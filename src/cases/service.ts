import { and, asc, desc, eq, gt, inArray, isNull, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { caseAssignees, caseEvents, caseParties, cases, participants } from '../../db/schema.js';
import { protocolById } from '../../protocols/index.js';
import type { Party } from '../../protocols/model.js';
import { basesOf, isVisible, participantDisclosure } from '../access/policy.js';
import { closedCaseWindowStart } from '../access/sharing-table.js';
import { classesNamed } from '../access/consents.js';
import { audit, auditedTransaction } from '../audit/audit.js';
import { AppError, forbidden, notFound, validationFailed } from '../errors.js';
import { afterKey, decodeCursor, decodeTimeCursor, toPage } from '../pagination.js';
import type { RequestFacts } from '../request-facts.js';
import { refuseErased } from '../retention/erasure.js';
import { foreignHolderField } from './capacity.js';
import { actorParts } from '../../protocols/engine.js';
import { definitionOf, engineActorOf, partiesOf } from './facts.js';
import { deniedCase, disclosureFor, loadCase, loadCaseForEvent, maySee, participantFactsOf, presentCase, presentEvent, viewerOf, visibleCase } from './present.js';
import { isUuid } from '../uuid.js';
import { applyEventTx, lockAtVersion, openCaseTx, partRefusals, type EventResult } from './transitions.js';
import { mayObserve, recordObservation } from './observations.js';

/* The API's operations on cases. Break-glass is in break-glass.ts, occupancy in capacity.ts. */

export async function openCase(db: Executor, facts: RequestFacts, body: { protocol: string; participantId: string; parties: Party[]; data: Record<string, unknown> }) {
  const definition = protocolById(body.protocol);
  if (!definition) throw validationFailed('Unknown protocol.', [{ path: 'body.protocol', message: `Not one of the published protocols.` }]);
  if (!definition.opening.roles.some((role) => facts.actor.roles.includes(role))) {
    throw forbidden(`A ${definition.id} case is opened by ${definition.opening.roles.join(' or ')}.`);
  }
  const [participant] = await db.select().from(participants).where(eq(participants.id, body.participantId));
  const disclosure = participant ? await participantDisclosure(db, facts.actor, participant, facts.now) : undefined;
  // Only who may see the person now may open a case for them: a former party whose 90-day
  // window has closed gets the same answer as for a person who does not exist (DOMAIN.md,
  // "The 90-day window"); otherwise opening a case would give it the record back.
  if (!participant || !(disclosure && isVisible(disclosure))) {
    await audit(db, facts, { action: 'case.open', subjectType: 'participant', subjectId: body.participantId, participantId: participant?.id, outcome: 'denied' });
    throw validationFailed('No such participant.', [{ path: 'body.participantId', message: 'No participant with this id that your organisation may see.' }]);
  }
  const foreign = await foreignHolderField(db, definition, body.data ?? {}, facts.actor.organisation.id);
  if (foreign) throw validationFailed('The unit is not one of your prison’s units.', [{ path: `body.data.${foreign}`, message: 'Not a unit of your prison.' }]);
  return auditedTransaction(db, async (tx) => {
    await refuseErased(tx, participant.id, () =>
      validationFailed('The person’s personal data was erased under the retention rule.', [
        { path: 'body.participantId', message: 'This person was erased under the retention rule: register them again.' },
      ]),
    );
    const row = await openCaseTx(
      tx,
      { protocol: definition.id, participantId: participant.id, ownerOrganisationId: facts.actor.organisation.id, parties: body.parties, data: body.data, parentCaseId: null },
      { engine: engineActorOf(facts.actor), sub: facts.actor.sub, organisationId: facts.actor.organisation.id, request: facts },
    );
    const presented = await presentCase(tx, row, await partiesOf(tx, row.id), viewerOf(facts));
    return presented.body;
  });
}

export async function readCase(db: Executor, facts: RequestFacts, id: string) {
  const { row, parties, prefetched } = await visibleCase(db, facts, id, 'case.read');
  const presented = await presentCase(db, row, parties, viewerOf(facts), prefetched);
  await audit(db, facts, {
    action: 'case.read',
    subjectType: 'case',
    subjectId: id,
    participantId: row.participantId,
    dataClasses: [...presented.shown],
    basis: presented.basis,
    outcome: 'success',
  });
  return presented.body;
}

/**
 * An event in one transaction: the case read and locked with everything a read needs and the
 * engine's facts (one statement, `loadCaseForEvent`), visibility decided on the locked row (404
 * and audited otherwise, after the rollback), the update and the history row, and the audit
 * row appended last (`auditedTransaction`; sent with the update and the history row when nothing
 * else is written, `applyEventTx`), so a chain head is held only for the append and the commit.
 * The answer is presented from the rows in hand when the event changed no one's view
 * (`sameAudience`); otherwise the case is read again in the transaction.
 *
 * An observation (`mayObserve`: the state unchanged, decided on what the load reads) is read
 * without the lock and decided first. When it writes nothing but the case's data, its history row
 * and the audit row (a drug test), that is one statement, which changes the case only at the
 * version read (`recordObservation`): two statements in all, and no transaction around them.
 * Otherwise (a contact moves its deadline, an assignment changes a party) a transaction locks the
 * case's row, refuses if its version moved since the read (`lockAtVersion`), and records the event
 * decided on that read as above.
 */
export async function recordEvent(db: Executor, facts: RequestFacts, id: string, body: { type: string; data?: Record<string, unknown>; expectedVersion: number }) {
  const action = `case.event.${body.type}`;
  if (!isUuid(id)) return deniedCase(db, facts, id, action, undefined);
  const organisationId = facts.actor.organisation.id;
  const event = { type: body.type, data: body.data ?? {} };
  const author = { engine: engineActorOf(facts.actor), sub: facts.actor.sub, organisationId, request: facts };
  let seen: { participantId?: string | undefined; hidden: boolean } = { hidden: false };
  /** The case as the event decides on it, locked or not: 404 when the caller may not see it, STALE_VERSION when not at the version sent. */
  const visible = async (tx: Executor, lock: boolean) => {
    const found = await loadCaseForEvent(tx, id, organisationId, facts.now, event, lock);
    seen = { participantId: found?.row.participantId, hidden: !found || !(await maySee(tx, facts, found)) };
    if (!found || seen.hidden) throw notFound('case');
    if (found.row.version !== body.expectedVersion) {
      throw new AppError('STALE_VERSION', `The case is at version ${found.row.version}; you sent ${body.expectedVersion}. Read it again and retry.`, {
        extra: { currentVersion: found.row.version },
      });
    }
    return found;
  };
  const answer = async (tx: Executor, found: Awaited<ReturnType<typeof visible>>, result: EventResult) => {
    const viewer = viewerOf(facts);
    const consentedClasses = classesNamed(result.consents.filter((consent) => consent.organisationId === organisationId));
    const after = result.sameAudience
      ? { row: result.row, parties: found.parties, prefetched: { ...found.prefetched, consentedClasses } }
      : (await loadCase(tx, id, organisationId, facts.now))!;
    const presented = await presentCase(tx, after.row, after.parties, viewer, after.prefetched);
    const disclosure = await disclosureFor(tx, viewer, after.prefetched.participant, after.prefetched);
    return { event: presentEvent(result.row.protocol, result.event, disclosure, organisationId, presented.body.yourParts).body, case: presented.body };
  };
  /** The event recorded in a transaction on the case as found (locked by the caller), and the answer. */
  const applied = async (tx: Executor, found: Awaited<ReturnType<typeof visible>>) =>
    answer(tx, found, await applyEventTx(tx, found.row, event, author, { parties: found.parties, facts: found.facts }));
  const observed = async () => {
    if (!mayObserve(body.type)) return undefined;
    const found = await visible(db, false);
    const entry = { action, subjectType: 'case', subjectId: id, participantId: found.row.participantId, outcome: 'success' } as const;
    const known = { parties: found.parties, facts: found.facts };
    const observation = await recordObservation(db, found.row, event, author, known, entry, (result) => answer(db, found, result));
    if (observation) return observation.answer;
    // The decision writes more than that: in a transaction, on the case as read, once its row is locked at that version.
    return auditedTransaction(db, async (tx) => {
      await lockAtVersion(tx, found.row);
      return applied(tx, found);
    });
  };
  return observed()
    .then((done) => done ?? auditedTransaction(db, async (tx) => applied(tx, await visible(tx, true))))
    .catch(async (error: unknown) => {
      // Nothing was written (the transaction rolled back, or the observation's statement changed nothing); a denial's row is committed on its own.
      if (seen.hidden) return deniedCase(db, facts, id, action, seen.participantId);
      if (error instanceof AppError && partRefusals.has(error)) {
        await audit(db, facts, { action, subjectType: 'case', subjectId: id, participantId: seen.participantId, outcome: 'denied' });
      }
      throw error;
    });
}

export async function caseHistory(db: Executor, facts: RequestFacts, id: string, query: { limit: number; cursor?: string | undefined }) {
  const { row, parties } = await visibleCase(db, facts, id, 'case.history');
  const viewerParts = actorParts(definitionOf(row.protocol), { parties }, engineActorOf(facts.actor));
  const after = decodeCursor(query.cursor, 1) as [number] | undefined;
  const rows = await db
    .select()
    .from(caseEvents)
    .where(and(eq(caseEvents.caseId, id), afterKey('asc', [caseEvents.version], after)))
    .orderBy(asc(caseEvents.version))
    .limit(query.limit + 1);
  const page = toPage(rows, query.limit, (event) => [event.version]);
  const disclosure = await participantDisclosure(db, facts.actor, await participantFactsOf(db, row.participantId), facts.now);
  const items = page.items.map((event) => presentEvent(row.protocol, event, disclosure, facts.actor.organisation.id, viewerParts));
  const shown = new Set(items.flatMap((item) => [...item.shown]));
  const authored = items.some((item) => item.byAuthorship.length > 0);
  await audit(db, facts, {
    action: 'case.history',
    subjectType: 'case',
    subjectId: id,
    participantId: row.participantId,
    dataClasses: [...shown],
    basis: [basesOf(disclosure, shown), authored ? 'author' : undefined].filter(Boolean).join(',') || undefined,
    outcome: 'success',
  });
  return { items: items.map((item) => item.body), nextCursor: page.nextCursor };
}

export async function listCases(
  db: Executor,
  facts: RequestFacts,
  query: {
    protocol?: string | undefined;
    state?: string | undefined;
    participantId?: string | undefined;
    assignee?: 'me' | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const after = decodeTimeCursor(query.cursor, 'uuid');
  const mine = db.select({ caseId: caseParties.caseId }).from(caseParties).where(eq(caseParties.organisationId, facts.actor.organisation.id));
  // The people the caller is still a party for: a case of theirs open or closed less than 90 days ago (as in `visibleCase`).
  const windowStart = closedCaseWindowStart(facts.now);
  const current = db
    .select({ participantId: cases.participantId })
    .from(caseParties)
    .innerJoin(cases, eq(cases.id, caseParties.caseId))
    .where(and(eq(caseParties.organisationId, facts.actor.organisation.id), or(isNull(cases.closedAt), gt(cases.closedAt, windowStart))));
  const filters: (SQL | undefined)[] = [
    inArray(cases.id, mine),
    inArray(cases.participantId, current),
    query.protocol ? eq(cases.protocol, query.protocol) : undefined,
    query.state ? eq(cases.state, query.state) : undefined,
    query.participantId ? eq(cases.participantId, query.participantId) : undefined,
    // "My cases": those the caller's organisation assigned to the caller (assignees.ts).
    query.assignee === 'me'
      ? inArray(
          cases.id,
          db
            .select({ caseId: caseAssignees.caseId })
            .from(caseAssignees)
            .where(and(eq(caseAssignees.organisationId, facts.actor.organisation.id), eq(caseAssignees.assigneeSub, facts.actor.sub))),
        )
      : undefined,
    afterKey('desc', [cases.openedAt, cases.id], after),
  ];
  const rows = await db
    .select()
    .from(cases)
    .where(and(...filters))
    .orderBy(desc(cases.openedAt), desc(cases.id))
    .limit(query.limit + 1);
  const page = toPage(rows, query.limit, (row) => [row.openedAt.toISOString(), row.id]);
  const viewer = viewerOf(facts);
  const presented: Awaited<ReturnType<typeof presentCase>>[] = [];
  for (const row of page.items) presented.push(await presentCase(db, row, await partiesOf(db, row.id), viewer));
  if (presented.length > 0) {
    await db.transaction(async (tx) => {
      for (const item of presented) {
        await audit(tx, facts, {
          action: 'case.list',
          subjectType: 'case',
          subjectId: item.body.id,
          participantId: item.body.participant.id,
          dataClasses: [...item.shown],
          basis: item.basis,
          outcome: 'success',
        });
      }
    });
  }
  return { items: presented.map((item) => item.body), nextCursor: page.nextCursor };
}
