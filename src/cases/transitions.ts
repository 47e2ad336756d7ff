import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Executor } from '../../db/client.js';
import { preparedPerDatabase } from '../../db/prepared.js';
import { caseEvents, caseParties, cases } from '../../db/schema.js';
import { actorParts, capacityHolder, decide, open, transitionFor } from '../../protocols/engine.js';
import type { Accepted, CaseSnapshot, EngineActor, EngineEvent, Party } from '../../protocols/model.js';
import type { ProtocolDefinition } from '../../protocols/types.js';
import { audit, auditNow } from '../audit/audit.js';
import { reconcileConsentWorkItems } from '../consents/work-items.js';
import { AppError, validationFailed } from '../errors.js';
import type { RequestFacts } from '../request-facts.js';
import { applyDeadlineChanges, insertDeadline } from './deadline-rows.js';
// effects.ts and this file call each other (an effect opens a case or sends an event); both only at run time.
import { applyEffects } from './effects.js';
import { definitionOf, gatherFacts, gatherFactsAndConsents, partiesOf, snapshotOf, type CaseRow, type FactsRow } from './facts.js';
import type { ConsentDates } from '../access/consents.js';

/* Opening and events, each all-or-nothing in the caller's transaction. */

/** Who is acting in a transaction: a person through the API, or the service itself (chained cases). */
export type Author = { engine: EngineActor; sub: string; organisationId: string | null; request: RequestFacts };

export const SYSTEM_SUB = 'system';

/** Refusals because the caller's part may not send the event: denials, audited by `recordEvent` after the rollback. */
export const partRefusals = new WeakSet<AppError>();

/** Whether the engine refused because none of the actor's parts may send this event in this state. */
function isPartRefusal(definition: ProtocolDefinition, snapshot: CaseSnapshot, event: EngineEvent, actor: EngineActor): boolean {
  const transition = transitionFor(definition, snapshot.state, event.type);
  if (!transition || actor.kind !== 'staff') return false;
  const parts = actorParts(definition, snapshot, actor);
  return !transition.by.some((part) => parts.includes(part));
}

function refusalError(refusal: { code: string; reason: string; guard?: string; errors?: { path: string; message: string }[]; allowedEvents?: string[] }): AppError {
  // The engine names paths within the request body; the API names them from the body's root.
  if (refusal.code === 'VALIDATION_FAILED')
    return validationFailed(
      refusal.reason,
      refusal.errors?.map((error) => ({ ...error, path: `body.${error.path}` })),
    );
  if (refusal.code === 'CAPACITY_FULL') return new AppError('CAPACITY_FULL', refusal.reason, { extra: { guard: refusal.guard } });
  return new AppError('EVENT_NOT_ALLOWED', refusal.reason, {
    extra: { allowedEvents: refusal.allowedEvents ?? [], ...(refusal.guard ? { guard: refusal.guard } : {}) },
  });
}

/** The unit or house a case takes a place of, in the column that indexes it (the protocol data's `capacity`). */
export function holderColumns(definition: ProtocolDefinition, snapshot: Pick<CaseSnapshot, 'data' | 'parties'>): { unitId: string | null; houseId: string | null } {
  const holderId = capacityHolder(definition, snapshot);
  return { unitId: definition.capacity?.resource === 'unit_place' ? holderId : null, houseId: definition.capacity?.resource === 'house_bed' ? holderId : null };
}

type OpenInput = {
  protocol: string;
  participantId: string;
  ownerOrganisationId: string;
  parties: Party[];
  data: Record<string, unknown>;
  parentCaseId: string | null;
};

export async function openCaseTx(tx: Executor, input: OpenInput, author: Author): Promise<CaseRow> {
  const definition = definitionOf(input.protocol);
  const now = author.request.now;
  const facts = await gatherFacts(tx, { ...input, definition, caseId: null, state: null, now });
  const opened = open(definition, { ownerOrganisationId: input.ownerOrganisationId, parties: input.parties, data: input.data, facts }, author.engine, now);
  if (!opened.ok) throw refusalError(opened);
  const snapshot = opened.snapshot;
  const row: CaseRow = {
    id: randomUUID(),
    protocol: definition.id,
    protocolVersion: definition.version,
    participantId: input.participantId,
    ownerOrganisationId: input.ownerOrganisationId,
    state: snapshot.state,
    previousState: null,
    data: snapshot.data as Record<string, unknown>,
    version: 1,
    parentCaseId: input.parentCaseId,
    ...holderColumns(definition, snapshot),
    openedAt: now,
    closedAt: null,
    updatedAt: now,
  };
  await tx.insert(cases).values(row);
  await tx.insert(caseParties).values(snapshot.parties.map((party) => ({ caseId: row.id, ...party, assignedAt: now })));
  await tx.insert(caseEvents).values({
    id: randomUUID(),
    caseId: row.id,
    version: 1,
    type: 'CASE_OPENED',
    data: input.data,
    part: definition.opening.ownerPart,
    actorSub: author.sub,
    organisationId: author.organisationId,
    fromState: null,
    toState: row.state,
    observation: false,
    at: now,
  });
  for (const deadline of opened.deadlines) await insertDeadline(tx, row, deadline, now);
  await applyEffects(tx, row, opened.effects, author, 1);
  await audit(tx, author.request, { action: 'case.open', subjectType: 'case', subjectId: row.id, participantId: row.participantId, outcome: 'success' });
  return row;
}

export type EventResult = {
  row: CaseRow;
  event: typeof caseEvents.$inferSelect;
  /** The consents valid today that the facts were decided on. */
  consents: ConsentDates[];
  /**
   * Whether the event changed nothing of who sees what: no party changed, the case did not
   * close, and no effect ran (an effect may open, close or change other cases of the person).
   * Then the case's parties and the viewer's parts read before the event still hold after it.
   */
  sameAudience: boolean;
};

/**
 * An event's two writes, each built once per database and prepared per connection
 * (db/prepared.ts): the case's update, only at the version the event was decided on, and its
 * history row. Every column they set is a placeholder, mapped by its column as drizzle maps a value.
 */
type CaseSet = PgUpdateSetSource<typeof cases>;
/**
 * A placeholder where drizzle's types for an update's `set` want a value: at run time drizzle
 * wraps it, like any value, with its column's mapping (a placeholder inside is filled and then
 * mapped when the statement runs: `fillPlaceholders` in drizzle-orm/sql), as its insert does.
 */
const placeholderFor = <T>(name: string) => sql.placeholder(name) as unknown as T;
const updateCaseQuery = preparedPerDatabase('cadap_case_event_update', (db) =>
  db
    .update(cases)
    .set({
      state: placeholderFor<CaseSet['state']>('state'),
      previousState: placeholderFor<CaseSet['previousState']>('previousState'),
      data: placeholderFor<CaseSet['data']>('data'),
      ownerOrganisationId: placeholderFor<CaseSet['ownerOrganisationId']>('ownerOrganisationId'),
      version: placeholderFor<CaseSet['version']>('version'),
      unitId: placeholderFor<CaseSet['unitId']>('unitId'),
      houseId: placeholderFor<CaseSet['houseId']>('houseId'),
      // A placeholder's value goes through its column's mapping even when null, and a timestamp's maps null to an error: an ISO string or null instead.
      closedAt: sql`${sql.placeholder('closedAt')}::timestamptz`,
      updatedAt: placeholderFor<CaseSet['updatedAt']>('updatedAt'),
    })
    .where(and(eq(cases.id, sql.placeholder('id')), eq(cases.version, sql.placeholder('expectedVersion'))))
    .returning(),
);
const insertEventQuery = preparedPerDatabase('cadap_case_event_insert', (db) =>
  db
    .insert(caseEvents)
    .values({
      id: sql.placeholder('id'),
      caseId: sql.placeholder('caseId'),
      version: sql.placeholder('version'),
      type: sql.placeholder('type'),
      data: sql.placeholder('data'),
      part: sql.placeholder('part'),
      actorSub: sql.placeholder('actorSub'),
      organisationId: sql.placeholder('organisationId'),
      fromState: sql.placeholder('fromState'),
      toState: sql.placeholder('toState'),
      observation: sql.placeholder('observation'),
      at: sql.placeholder('at'),
    })
    .returning(),
);

/** An event decided on a case: what `applyEventTx` writes, or `recordObservation` in one statement. */
export type Decided = {
  definition: ProtocolDefinition;
  parties: Party[];
  consents: ConsentDates[];
  eventId: string;
  decision: Accepted;
};

/** The refusal of an event whose case changed after it was read (by another event that won the race). */
export const changedMeanwhile = () => new AppError('STALE_VERSION', 'The case changed while this event was being recorded; read it again and retry.');

/** An event's history row: the case at its new version, the event as the engine accepted it, and who sent it when. */
export function historyRow(caseId: string, version: number, eventId: string, event: EngineEvent, decision: Accepted, author: Author): typeof caseEvents.$inferSelect {
  return {
    id: eventId,
    caseId,
    version,
    type: event.type,
    data: decision.eventData,
    part: decision.part,
    actorSub: author.sub,
    organisationId: author.organisationId,
    fromState: decision.from,
    toState: decision.to,
    observation: decision.observation,
    at: author.request.now,
  };
}

/** Decides an event on a case read with its facts (refusals thrown, a part's refusal marked for its audit row); writes nothing. */
export async function decideEvent(tx: Executor, locked: CaseRow, event: EngineEvent, author: Author, known?: { parties: Party[]; facts?: FactsRow }): Promise<Decided> {
  const definition = definitionOf(locked.protocol);
  const now = author.request.now;
  const parties = known?.parties ?? (await partiesOf(tx, locked.id));
  const { facts, consents } = await gatherFactsAndConsents(
    tx,
    {
      definition,
      caseId: locked.id,
      state: locked.state,
      participantId: locked.participantId,
      ownerOrganisationId: locked.ownerOrganisationId,
      parties,
      data: locked.data,
      event,
      now,
    },
    known?.facts,
  );
  const snapshot = snapshotOf(locked, parties, facts);
  // The event's id is known before the decision: the data may name the event by it (a claim is its event's id).
  const eventId = randomUUID();
  const decision = decide(definition, snapshot, { ...event, id: eventId }, author.engine, now);
  if (!decision.ok) {
    const refusal = refusalError(decision);
    if (isPartRefusal(definition, snapshot, event, author.engine)) partRefusals.add(refusal);
    throw refusal;
  }
  return { definition, parties, consents, eventId, decision };
}

/** Records an event on a locked case; `parties` are the case's, when the caller read them with the lock. */
export async function applyEventTx(tx: Executor, locked: CaseRow, event: EngineEvent, author: Author, known?: { parties: Party[]; facts?: FactsRow }): Promise<EventResult> {
  const { definition, parties, consents, eventId, decision } = await decideEvent(tx, locked, event, author, known);
  const now = author.request.now;
  const version = locked.version + 1;
  const next = decision.next;
  const changedParties = next.parties.filter((party) => !parties.some((old) => old.part === party.part && old.organisationId === party.organisationId));
  const sameAudience = changedParties.length === 0 && !decision.final && decision.effects.length === 0;
  const { schedule, move, void: voided } = decision.deadlines;
  // When the case's update and its history row are the transaction's last writes (no party,
  // deadline, consent work item or effect follows them), the audit row goes out with them; a chain
  // head is then still taken only for the end of the transaction, as `auditedTransaction` wants.
  const lastWrites = sameAudience && schedule.length + move.length + voided.length === 0;
  const entry = { action: `case.event.${event.type}`, subjectType: 'case', subjectId: locked.id, participantId: locked.participantId, outcome: 'success' } as const;
  // The update and the history row go out together (postgres.js pipelines them on the
  // transaction's connection: one round trip); the history row names the case and the version
  // the update sets, so it needs nothing back from it. A failed update fails the transaction,
  // and with it the audit row sent beside it.
  const [[[row], [history]]] = await Promise.all([
    Promise.all([
      updateCaseQuery(tx).execute({
        id: locked.id,
        expectedVersion: locked.version,
        state: next.state,
        previousState: next.previousState,
        data: next.data,
        ownerOrganisationId: next.ownerOrganisationId,
        version,
        ...holderColumns(definition, next),
        closedAt: decision.final ? now.toISOString() : null,
        updatedAt: now,
      }),
      insertEventQuery(tx).execute(historyRow(locked.id, version, eventId, event, decision, author)),
    ]),
    lastWrites ? auditNow(tx, author.request, entry) : undefined,
  ]);
  if (!row) throw changedMeanwhile();

  for (const party of changedParties) {
    await tx
      .insert(caseParties)
      .values({ caseId: row.id, ...party, assignedAt: now })
      .onConflictDoUpdate({ target: [caseParties.caseId, caseParties.part], set: { organisationId: party.organisationId, assignedAt: now } });
  }
  await applyDeadlineChanges(tx, row, decision.deadlines, now);
  // A work item about the NGO's lost consent is settled by replacing the NGO or by the case closing.
  if (changedParties.length > 0 || decision.final) await reconcileConsentWorkItems(tx, row.participantId, now);

  await applyEffects(tx, row, decision.effects, author, version);
  if (!lastWrites) await audit(tx, author.request, entry);
  return { row, event: history!, consents, sameAudience };
}

/**
 * Locks a case that an event was decided on without a lock (`recordObservation` returned
 * nothing), so that a transaction records it on the case as read: STALE_VERSION when the case
 * changed since (every change of a case raises its version).
 */
export async function lockAtVersion(tx: Executor, read: CaseRow): Promise<void> {
  const [row] = await tx.select({ version: cases.version }).from(cases).where(eq(cases.id, read.id)).for('update');
  if (row?.version !== read.version) throw changedMeanwhile();
}
