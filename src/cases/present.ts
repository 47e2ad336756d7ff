import { and, eq, getTableColumns, gt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { qualified } from '../../db/qualified.js';
import { preparedPerDatabase } from '../../db/prepared.js';
import { breakGlassGrants, caseAssignees, type caseEvents, caseParties, cases, organisations, organisationStaff, participants } from '../../db/schema.js';
import { localDateOf } from '../../protocols/time.js';
import { classesNamed, inForceOn, type ConsentDates } from '../access/consents.js';
import { consentsOf, viewerPartsOf } from '../access/viewer-facts.js';
import { allowedEvents, actorParts } from '../../protocols/engine.js';
import type { EngineEvent, Party } from '../../protocols/model.js';
import { basesOf, NOTHING, participantDisclosure, type Disclosure, type ParticipantFacts, type ViewerPart } from '../access/policy.js';
import { redactCaseData, redactEventData } from '../access/redaction.js';
import { closedCaseWindowStart } from '../access/sharing-table.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../auth/authenticator.js';
import { DATA_CLASSES, type DataClass } from '../domain.js';
import { notFound } from '../errors.js';
import type { RequestFacts } from '../request-facts.js';
import { definitionOf, engineActorOf, eventOrganisationIds, factColumns, holidayWindow, organisationIdsInSql, type CaseRow } from './facts.js';
import { isUuid } from '../uuid.js';

/* Loading a case the caller may see, and presenting it and its events redacted to what the caller may read. */

/** A case exists for an organisation when it is a party, or holds a live break-glass grant on it; for anyone else it is 404, audited. */
export type Prefetched = {
  participant: ParticipantFacts & { referenceCode: string };
  viewerParts: ViewerPart[];
  /** The viewer organisation's named caseworker on the case, read with it. */
  assignee: Assignee | null;
  /** The classes the viewer's valid consents name today, when a statement of the caller read them already (the case load and an event's facts do). */
  consentedClasses?: ReadonlySet<DataClass>;
};

/**
 * A case with everything a read needs in one round trip: the row, its parties, the person's
 * reference and record facts, the viewer's parts in the person's cases (rule 1 of the policy),
 * the viewer's consents from the person (read fresh with the case: a revocation applies to the
 * next read), and the viewer's assignee.
 */
const caseColumns = () => ({
  row: getTableColumns(cases),
  parties: sql<Party[]>`coalesce((select json_agg(json_build_object('part', cp.part, 'organisationId', cp.organisation_id) order by cp.part)
        from ${caseParties} cp where cp.case_id = ${qualified(cases.id)}), '[]'::json)`,
  viewerParts: viewerPartsOf(qualified(cases.participantId), sql`${sql.placeholder('organisationId')}::uuid`, sql`${sql.placeholder('windowStart')}::timestamptz`),
  // At most one row: (case_id, organisation_id) is the key of case_assignees.
  assignee: sql<Assignee | null>`(select json_build_object('sub', ca.assignee_sub, 'name', st.name) from ${caseAssignees} ca
        join ${organisationStaff} st on st.organisation_id = ca.organisation_id and st.sub = ca.assignee_sub
        where ca.case_id = ${qualified(cases.id)} and ca.organisation_id = ${sql.placeholder('organisationId')}::uuid)`,
  participant: { id: participants.id, referenceCode: participants.referenceCode, ownerOrganisationId: participants.ownerOrganisationId, region: participants.region },
  timeZone: organisations.timeZone,
});

const caseLoadQuery = preparedPerDatabase('cadap_case_load', (db) =>
  db
    .select({
      ...caseColumns(),
      // The viewer's consents from the person, in force whatever their dates: `loadCase` applies the dates in the record owner's zone (read here too).
      viewerConsents: consentsOf(qualified(cases.participantId), sql`${sql.placeholder('organisationId')}::uuid`),
    })
    .from(cases)
    .innerJoin(participants, eq(participants.id, cases.participantId))
    .innerJoin(organisations, eq(organisations.id, participants.ownerOrganisationId))
    .where(eq(cases.id, sql.placeholder('id'))),
);

/**
 * An event's load: the case as above, its row locked (`for update of cases`), with the engine's
 * facts (`factColumns`, src/cases/facts.ts) for the organisations of the parties, the case's owner
 * and those the case's and the event's data name, and every consent of the person (the viewer's are among them),
 * so an event reads what it decides on in the statement that locks the case. An observation
 * recorded in one statement (`recordObservation`, src/cases/transitions.ts) reads the same without
 * the lock: its write changes the case only at the version read.
 */
const eventLoad = (lock: boolean) =>
  preparedPerDatabase(lock ? 'cadap_case_load_event' : 'cadap_case_load_observation', (db) => {
    const query = db
      .select({
        ...caseColumns(),
        facts: factColumns(
          // As `factOrganisationIds`, with the event's from Node: the parties', the owner's, those the case's data names (a patronage case names the probation service, not a party).
          sql`(array(select cp.organisation_id from ${caseParties} cp where cp.case_id = ${qualified(cases.id)}) || ${qualified(cases.ownerOrganisationId)}
          || ${organisationIdsInSql(qualified(cases.data))} || ${sql.placeholder('eventOrganisationIds')}::uuid[])`,
          qualified(cases.ownerOrganisationId),
          true,
        ),
      })
      .from(cases)
      .innerJoin(participants, eq(participants.id, cases.participantId))
      .innerJoin(organisations, eq(organisations.id, participants.ownerOrganisationId))
      .where(eq(cases.id, sql.placeholder('id')));
    return lock ? query.for('update', { of: cases }) : query;
  });
const lockedCaseLoadQuery = eventLoad(true);
const observationLoadQuery = eventLoad(false);

function loaded(
  now: Date,
  organisationId: string,
  found: Omit<Awaited<ReturnType<ReturnType<typeof caseLoadQuery>['execute']>>[number], 'viewerConsents'>,
  consents: ConsentDates[],
) {
  const today = localDateOf(now, found.timeZone);
  const consentedClasses = classesNamed(consents.filter((consent) => consent.organisationId === organisationId && inForceOn(consent, today)));
  const prefetched: Prefetched = {
    participant: { ...found.participant, timeZone: found.timeZone },
    viewerParts: found.viewerParts,
    assignee: found.assignee,
    consentedClasses,
  };
  return { row: found.row, parties: found.parties, prefetched };
}

export async function loadCase(db: Executor, id: string, organisationId: string, now: Date) {
  const [found] = await caseLoadQuery(db).execute({ id, organisationId, windowStart: closedCaseWindowStart(now).toISOString() });
  return found ? loaded(now, organisationId, found, found.viewerConsents) : undefined;
}

/** `loadCase` for an event: the case locked (unless `lock` is false), with the facts the engine decides on (`eventLoad`). */
export async function loadCaseForEvent(db: Executor, id: string, organisationId: string, now: Date, event: EngineEvent, lock = true) {
  const [found] = await (lock ? lockedCaseLoadQuery : observationLoadQuery)(db).execute({
    id,
    organisationId,
    windowStart: closedCaseWindowStart(now).toISOString(),
    eventOrganisationIds: `{${eventOrganisationIds(event).join(',')}}`,
    ...holidayWindow(now),
  });
  return found ? { ...loaded(now, organisationId, found, found.facts.consents), facts: found.facts } : undefined;
}

export type LoadedCase = NonNullable<Awaited<ReturnType<typeof loadCase>>>;

/**
 * Whether the caller may see a loaded case: a party sees it while it is a party to one of the
 * person's cases that is open or closed less than 90 days ago (the policy's rule 1,
 * `viewerParts`): after that, a former party gets 404 (DOMAIN.md, "The 90-day window"). A
 * coordinator with a live break-glass grant on the case sees it too.
 */
export async function maySee(db: Executor, facts: RequestFacts, found: LoadedCase): Promise<boolean> {
  const isParty = found.parties.some((party) => party.organisationId === facts.actor.organisation.id) && found.prefetched.viewerParts.length > 0;
  if (isParty) return true;
  if (!facts.actor.roles.includes('coordinator')) return false;
  const glass = await db
    .select({ id: breakGlassGrants.id })
    .from(breakGlassGrants)
    .where(and(eq(breakGlassGrants.caseId, found.row.id), eq(breakGlassGrants.organisationId, facts.actor.organisation.id), gt(breakGlassGrants.expiresAt, facts.now)))
    .limit(1);
  return glass.length > 0;
}

/** The denial of a case the caller may not see (or that does not exist): audited, then 404. */
export async function deniedCase(db: Executor, facts: RequestFacts, id: string, action: string, participantId: string | undefined): Promise<never> {
  await audit(db, facts, { action, subjectType: 'case', subjectId: id, participantId, outcome: 'denied' });
  throw notFound('case');
}

export async function visibleCase(db: Executor, facts: RequestFacts, id: string, action: string): Promise<LoadedCase> {
  const found = isUuid(id) ? await loadCase(db, id, facts.actor.organisation.id, facts.now) : undefined;
  if (!found || !(await maySee(db, facts, found))) return deniedCase(db, facts, id, action, found?.row.participantId);
  return found;
}

export type Assignee = { sub: string; name: string | null };

/** The viewer organisation's named caseworker on a case (assignees.ts), if any: each party sees only its own. */
export async function assigneeOf(db: Executor, caseId: string, organisationId: string): Promise<Assignee | null> {
  const [row] = await db
    .select({ sub: caseAssignees.assigneeSub, name: organisationStaff.name })
    .from(caseAssignees)
    .innerJoin(organisationStaff, and(eq(organisationStaff.organisationId, caseAssignees.organisationId), eq(organisationStaff.sub, caseAssignees.assigneeSub)))
    .where(and(eq(caseAssignees.caseId, caseId), eq(caseAssignees.organisationId, organisationId)));
  return row ?? null;
}

export type Viewer = { actor: Actor; now: Date; disclosures: Map<string, Disclosure> };

export async function disclosureFor(
  db: Executor,
  viewer: Viewer,
  participant: ParticipantFacts,
  prefetched?: Pick<Prefetched, 'viewerParts' | 'consentedClasses'>,
): Promise<Disclosure> {
  let disclosure = viewer.disclosures.get(participant.id);
  if (!disclosure) {
    disclosure = await participantDisclosure(db, viewer.actor, participant, viewer.now, prefetched?.viewerParts, prefetched?.consentedClasses);
    viewer.disclosures.set(participant.id, disclosure);
  }
  return disclosure;
}

export const viewerOf = (facts: RequestFacts): Viewer => ({ actor: facts.actor, now: facts.now, disclosures: new Map() });

/** The case as this viewer may see it: its data redacted to the participant's disclosed classes. */
export async function presentCase(db: Executor, row: CaseRow, parties: Party[], viewer: Viewer, prefetched?: Prefetched) {
  const [participant] = prefetched
    ? [prefetched.participant]
    : await db
        .select({ id: participants.id, referenceCode: participants.referenceCode, ownerOrganisationId: participants.ownerOrganisationId, region: participants.region })
        .from(participants)
        .where(eq(participants.id, row.participantId));
  const definition = definitionOf(row.protocol);
  const disclosure = participant ? await disclosureFor(db, viewer, participant, prefetched) : NOTHING;
  const engineActor = engineActorOf(viewer.actor);
  const yourParts = actorParts(definition, { parties }, engineActor);
  const redacted = redactCaseData(definition, row.data, new Set(disclosure.classes.keys()), yourParts);
  return {
    body: {
      id: row.id,
      protocol: row.protocol,
      protocolVersion: row.protocolVersion,
      participant: { id: row.participantId, referenceCode: participant?.referenceCode ?? '' },
      ownerOrganisationId: row.ownerOrganisationId,
      state: row.state,
      final: definition.states[row.state]?.final === true,
      parties,
      data: redacted.value,
      dataWithheld: redacted.withheld,
      disclosed: [...disclosure.classes].map(([dataClass, basis]) => ({ dataClass, basis })),
      version: row.version,
      parentCaseId: row.parentCaseId,
      openedAt: row.openedAt.toISOString(),
      closedAt: row.closedAt?.toISOString() ?? null,
      updatedAt: row.updatedAt.toISOString(),
      assignee: prefetched ? prefetched.assignee : await assigneeOf(db, row.id, viewer.actor.organisation.id),
      yourParts,
      allowedEvents: allowedEvents(definition, { state: row.state, parties }, engineActor),
    },
    shown: redacted.shown,
    basis: basesOf(disclosure, redacted.shown),
  };
}

export async function participantFactsOf(db: Executor, participantId: string) {
  const [participant] = await db
    .select({ id: participants.id, ownerOrganisationId: participants.ownerOrganisationId, region: participants.region })
    .from(participants)
    .where(eq(participants.id, participantId));
  if (!participant) throw new Error('participant of a case missing');
  return participant;
}

/**
 * One history event, its data redacted like the case; the organisation that recorded it sees
 * its data whatever its part (DOMAIN.md, "Authorship": basis `author`).
 */
export function presentEvent(protocol: string, row: typeof caseEvents.$inferSelect, disclosure: Disclosure, viewerOrganisationId?: string, viewerParts: readonly string[] = []) {
  const authored = viewerOrganisationId !== undefined && row.organisationId === viewerOrganisationId;
  const visible: ReadonlySet<DataClass> = authored ? new Set(DATA_CLASSES) : new Set(disclosure.classes.keys());
  const definition = definitionOf(protocol);
  // The author sees its own event whatever parts the protocol shows it to.
  const redacted = redactEventData(definition, row.type, row.data, visible, authored ? Object.keys(definition.parts) : viewerParts);
  return {
    body: {
      id: row.id,
      version: row.version,
      type: row.type,
      data: redacted.value,
      dataWithheld: redacted.withheld,
      part: row.part,
      organisationId: row.organisationId,
      fromState: row.fromState,
      toState: row.toState,
      observation: row.observation,
      at: row.at.toISOString(),
    },
    shown: redacted.shown,
    /** Classes shown only because the viewer recorded the event. */
    byAuthorship: [...redacted.shown].filter((dataClass) => !disclosure.classes.has(dataClass)),
  };
}
