import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, getTableColumns, gt, inArray, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { qualified } from '../../db/qualified.js';
import { breakGlassGrants, caseEvents, caseParties, cases, deadlines, organisations, participants, prisonUnits } from '../../db/schema.js';
import { allowedEvents, actorParts, deadlinesFor, decide, diffDeadlines, open } from '../../protocols/engine.js';
import { protocolById } from '../../protocols/index.js';
import type { CaseSnapshot, Deadline, DeadlineChanges, DecisionFacts, Effect, EngineActor, EngineEvent, Party } from '../../protocols/model.js';
import { addDays, localDateOf } from '../../protocols/time.js';
import type { ProtocolDefinition } from '../../protocols/types.js';
import { basesOf, BREAK_GLASS_HOURS, isVisible, NOTHING, participantDisclosure, type Disclosure, type ParticipantFacts } from '../access/policy.js';
import { CLOSED_CASE_WINDOW_DAYS } from '../access/sharing-table.js';
import { redactCaseData, redactEventData } from '../access/redaction.js';
import { recordAudit } from '../audit/audit.js';
import type { Actor } from '../auth/authenticator.js';
import type { RequestFacts } from '../request-facts.js';
import { holidaySet } from '../calendars/service.js';
import { consentedOrganisations } from '../access/consents.js';
import { reconcileConsentWorkItems } from '../consents/work-items.js';
import { LIVE_DEADLINE_STATES, raiseAlert, retireDeadlines } from '../deadlines/rows.js';
import { DATA_CLASSES, type DataClass, type OrganisationKind } from '../domain.js';
import { AppError, forbidden, notFound, validationFailed } from '../errors.js';
import { decodeCursor, toPage } from '../pagination.js';
import { isCertified } from '../organisations/service.js';

export type CaseRow = typeof cases.$inferSelect;

/** Who is acting in a transaction: a person through the API, or the service itself (chained cases). */
type Author = { engine: EngineActor; sub: string; organisationId: string | null; request: RequestFacts };

export const SYSTEM_SUB = 'system';

function engineActorOf(actor: Actor): EngineActor {
  return { kind: 'staff', organisationId: actor.organisation.id, organisationKind: actor.organisation.kind, roles: actor.roles };
}

function definitionOf(protocol: string): ProtocolDefinition {
  const definition = protocolById(protocol);
  if (!definition) throw new Error(`unknown protocol ${protocol}`);
  return definition;
}

async function partiesOf(db: Executor, caseId: string): Promise<Party[]> {
  const rows = await db.select({ part: caseParties.part, organisationId: caseParties.organisationId }).from(caseParties).where(eq(caseParties.caseId, caseId)).orderBy(asc(caseParties.part));
  return rows;
}

/** Organisation ids named in event data (`organisationId`, `toOrganisationId`, …). */
function organisationIdsIn(data: unknown): string[] {
  if (!data || typeof data !== 'object') return [];
  return Object.entries(data as Record<string, unknown>)
    .filter(([key, value]) => /(^o|O)rganisationId$/.test(key) && typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value))
    .map(([, value]) => value as string);
}

/**
 * Gathers what the engine needs to decide, under the locks capacity needs: the owner's time
 * zone and holidays, the region's coordinator, the organisations involved, valid consents,
 * and (for admissions and acceptances) free places or beds counted with the unit or house
 * row locked, so two racing requests see each other's result.
 */
async function gatherFacts(
  tx: Executor,
  input: { protocol: string; participantId: string; ownerOrganisationId: string; parties: readonly Party[]; data: Record<string, unknown>; event?: EngineEvent; now: Date },
): Promise<DecisionFacts> {
  // The person's region, its coordinator and the record owner's zone in one round trip.
  const [person] = await tx
    .select({
      region: participants.region,
      // At most one row (organisations_region_coordinator_key); without `limit 1`, a wrong match fails loudly.
      coordinator: sql<string | null>`(select c.id from ${organisations} c where c.kind = 'coordinator' and c.region = ${qualified(participants.region)})`,
      recordOwnerTimeZone: sql<string>`(select o.time_zone from ${organisations} o where o.id = ${qualified(participants.ownerOrganisationId)})`,
    })
    .from(participants)
    .where(eq(participants.id, input.participantId));
  const ids = [...new Set([...input.parties.map((party) => party.organisationId), ...organisationIdsIn(input.event?.data), ...organisationIdsIn(input.data), input.ownerOrganisationId])];
  const rows = await tx.select().from(organisations).where(inArray(organisations.id, ids));
  const owner = rows.find((row) => row.id === input.ownerOrganisationId);
  if (!owner || !person) throw new Error('case owner or participant missing');
  const today = localDateOf(input.now, owner.timeZone);
  const facts: DecisionFacts = {
    timeZone: owner.timeZone,
    // Deadlines look a year or two ahead and back: load that window of the calendar.
    holidays: await holidaySet(tx, owner.country, { from: addDays(today, -400), to: addDays(today, 800) }),
    regionCoordinatorId: person.coordinator,
    organisations: Object.fromEntries(rows.map((row) => [row.id, { kind: row.kind as OrganisationKind, certified: isCertified(row, input.now) }])),
    consentedOrganisations: await consentedOrganisations(tx, input.participantId, localDateOf(input.now, person.recordOwnerTimeZone)),
  };
  if (input.protocol === 'unit-enrolment') {
    const [openPreRelease] = await tx
      .select({ id: cases.id })
      .from(cases)
      .where(and(eq(cases.participantId, input.participantId), eq(cases.protocol, 'pre-release'), isNull(cases.closedAt)))
      .limit(1);
    facts.hasOpenPreRelease = openPreRelease !== undefined;
    if (input.event?.type === 'ADMITTED') facts.unitHasFreePlace = await unitHasFreePlace(tx, String(input.data.unitId));
  }
  if (input.protocol === 'halfway-house' && input.event?.type === 'ACCEPTED') {
    const house = input.parties.find((party) => party.part === 'halfway_house')?.organisationId;
    facts.houseHasFreeBed = house ? await houseHasFreeBed(tx, house, String(input.data.expectedArrivalDate)) : false;
  }
  return facts;
}

/** Locks the unit row, then counts its enrolled cases. */
async function unitHasFreePlace(tx: Executor, unitId: string): Promise<boolean> {
  const [unit] = await tx.select({ places: prisonUnits.places }).from(prisonUnits).where(eq(prisonUnits.id, unitId)).for('update');
  if (!unit) return false;
  const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(cases).where(and(eq(cases.unitId, unitId), eq(cases.state, 'enrolled')));
  return (row?.n ?? 0) < unit.places;
}

/** A stay occupies a bed from arrival for its maximum stay. */
function occupiesOn(row: { state: string; data: Record<string, unknown> }, date: string): boolean {
  const start = String(row.state === 'resident' ? row.data.arrivedOn : row.data.expectedArrivalDate);
  const end = row.state === 'resident' ? String(row.data.stayEndDate) : addDays(start, Number(row.data.maxStayDays ?? 0));
  return start <= date && date < end;
}

/** Locks the house row, then counts accepted and resident stays covering the date. */
async function houseHasFreeBed(tx: Executor, houseId: string, date: string): Promise<boolean> {
  const [house] = await tx.select({ beds: organisations.beds }).from(organisations).where(eq(organisations.id, houseId)).for('update');
  if (!house) return false;
  const stays = await tx.select({ state: cases.state, data: cases.data }).from(cases).where(and(eq(cases.houseId, houseId), inArray(cases.state, ['accepted', 'resident'])));
  return stays.filter((stay) => occupiesOn(stay, date)).length < (house.beds ?? 0);
}

function snapshotOf(row: CaseRow, parties: Party[], facts: DecisionFacts): CaseSnapshot {
  return { state: row.state, previousState: row.previousState, data: row.data, parties, ownerOrganisationId: row.ownerOrganisationId, facts };
}

/** Refusals because the caller's part may not send the event: denials, audited by `recordEvent` after the rollback. */
const partRefusals = new WeakSet<AppError>();

/** Whether the engine refused because none of the actor's parts may send this event in this state. */
function isPartRefusal(definition: ProtocolDefinition, snapshot: CaseSnapshot, event: EngineEvent, actor: EngineActor): boolean {
  const transition = definition.states[snapshot.state]?.on?.[event.type];
  if (!transition || actor.kind !== 'staff' || definition.states[snapshot.state]?.final) return false;
  const parts = actorParts(definition, snapshot, actor);
  return !transition.by.some((part) => parts.includes(part));
}

function refusalError(refusal: { code: string; reason: string; guard?: string; errors?: { path: string; message: string }[]; allowedEvents?: string[] }): AppError {
  // The engine names paths within the request body; the API names them from the body's root.
  if (refusal.code === 'VALIDATION_FAILED') return validationFailed(refusal.reason, refusal.errors?.map((error) => ({ ...error, path: `body.${error.path}` })));
  if (refusal.code === 'CAPACITY_FULL') return new AppError('CAPACITY_FULL', refusal.reason, { extra: { guard: refusal.guard } });
  return new AppError('EVENT_NOT_ALLOWED', refusal.reason, {
    extra: { allowedEvents: refusal.allowedEvents ?? [], ...(refusal.guard ? { failedGuard: refusal.guard } : {}) },
  });
}

// ---------------------------------------------------------------------------------------
// Deadlines: rows reconciled with what the definition implies
// ---------------------------------------------------------------------------------------

const dedupeKey = (caseId: string, rule: string, dueAt: Date) => `${caseId}:${rule}:${dueAt.toISOString()}`;

type CaseRef = Pick<CaseRow, 'id' | 'participantId'>;

async function insertDeadline(tx: Executor, owner: CaseRef, deadline: Deadline, now: Date): Promise<void> {
  const caseId = owner.id;
  await tx
    .insert(deadlines)
    .values({
      id: randomUUID(),
      caseId,
      participantId: owner.participantId,
      rule: deadline.rule,
      kind: deadline.kind,
      dueAt: deadline.dueAt,
      concerns: deadline.concerns,
      status: 'open',
      dedupeKey: dedupeKey(caseId, deadline.rule, deadline.dueAt),
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: deadlines.dedupeKey });
}

/** Applies the engine's schedule / move / void changes to the rows of one case. */
async function applyDeadlineChanges(tx: Executor, owner: CaseRef, changes: DeadlineChanges, now: Date): Promise<void> {
  const caseId = owner.id;
  for (const deadline of changes.schedule) await insertDeadline(tx, owner, deadline, now);
  for (const deadline of changes.move) {
    const moved = await tx
      .update(deadlines)
      .set({ dueAt: deadline.dueAt, concerns: deadline.concerns, dedupeKey: dedupeKey(caseId, deadline.rule, deadline.dueAt), updatedAt: now })
      .where(and(eq(deadlines.caseId, caseId), eq(deadlines.rule, deadline.rule), eq(deadlines.status, 'open')))
      .returning({ id: deadlines.id });
    // A rule whose row already fired: that occurrence is done, and a new row takes the new due time.
    if (moved.length === 0) {
      await retireDeadlines(tx, and(eq(deadlines.caseId, caseId), eq(deadlines.rule, deadline.rule)), now);
      await insertDeadline(tx, owner, deadline, now);
    }
  }
  if (changes.void.length > 0) await retireDeadlines(tx, and(eq(deadlines.caseId, caseId), inArray(deadlines.rule, changes.void)), now);
}

/**
 * Brings a case's open rows in line with what the definition implies now (used when
 * something outside the case changes, such as the holiday calendar).
 */
export async function reconcileDeadlines(tx: Executor, row: CaseRow, now: Date): Promise<void> {
  const definition = definitionOf(row.protocol);
  const parties = await partiesOf(tx, row.id);
  const facts = await gatherFacts(tx, { protocol: row.protocol, participantId: row.participantId, ownerOrganisationId: row.ownerOrganisationId, parties, data: row.data, now });
  const wanted = deadlinesFor(definition, snapshotOf(row, parties, facts));
  const open = await tx.select().from(deadlines).where(and(eq(deadlines.caseId, row.id), inArray(deadlines.status, LIVE_DEADLINE_STATES), ne(deadlines.kind, 'alert')));
  const current = new Map(open.map((deadline) => [deadline.rule, { rule: deadline.rule, kind: deadline.kind as Deadline['kind'], dueAt: deadline.dueAt, concerns: [...deadline.concerns].sort() }]));
  const changes = diffDeadlines(current, wanted);
  await applyDeadlineChanges(tx, row, changes, now);
}

// ---------------------------------------------------------------------------------------
// Opening and events, each all-or-nothing in the caller's transaction
// ---------------------------------------------------------------------------------------

type OpenInput = {
  protocol: string;
  participantId: string;
  ownerOrganisationId: string;
  parties: Party[];
  data: Record<string, unknown>;
  parentCaseId: string | null;
};

async function openCaseTx(tx: Executor, input: OpenInput, author: Author): Promise<CaseRow> {
  const definition = definitionOf(input.protocol);
  const now = author.request.now;
  const data = { ...input.data };
  if (input.protocol === 'halfway-house' && data.maxStayDays === undefined) {
    // The stay defaults to the house's own maximum (DOMAIN.md §4).
    const houseId = input.parties.find((party) => party.part === 'halfway_house')?.organisationId;
    const [house] = houseId ? await tx.select({ days: organisations.defaultMaxStayDays }).from(organisations).where(eq(organisations.id, houseId)) : [];
    if (house?.days) data.maxStayDays = house.days;
  }
  const facts = await gatherFacts(tx, { ...input, data, now });
  const opened = open(definition, { ownerOrganisationId: input.ownerOrganisationId, parties: input.parties, data, facts }, author.engine, now);
  if (!opened.ok) throw refusalError(opened);
  const snapshot = opened.snapshot;
  const unitId = input.protocol === 'unit-enrolment' ? String(snapshot.data.unitId) : null;
  const houseId = snapshot.parties.find((party) => party.part === 'halfway_house')?.organisationId ?? null;
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
    unitId,
    houseId,
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
  await recordAudit(tx, { actor: author.request.actor, action: 'case.open', subjectType: 'case', subjectId: row.id, participantId: row.participantId, requestId: author.request.requestId, outcome: 'success', at: now });
  return row;
}

type EventResult = { row: CaseRow; event: typeof caseEvents.$inferSelect };

async function applyEventTx(tx: Executor, locked: CaseRow, event: EngineEvent, author: Author): Promise<EventResult> {
  const definition = definitionOf(locked.protocol);
  const now = author.request.now;
  const parties = await partiesOf(tx, locked.id);
  const facts = await gatherFacts(tx, { protocol: locked.protocol, participantId: locked.participantId, ownerOrganisationId: locked.ownerOrganisationId, parties, data: locked.data, event, now });
  const snapshot = snapshotOf(locked, parties, facts);
  const decision = decide(definition, snapshot, event, author.engine, now);
  if (!decision.ok) {
    const refusal = refusalError(decision);
    if (isPartRefusal(definition, snapshot, event, author.engine)) partRefusals.add(refusal);
    throw refusal;
  }

  const version = locked.version + 1;
  const next = decision.next;
  const [row] = await tx
    .update(cases)
    .set({
      state: next.state,
      previousState: next.previousState,
      data: next.data as Record<string, unknown>,
      ownerOrganisationId: next.ownerOrganisationId,
      version,
      houseId: next.parties.find((party) => party.part === 'halfway_house')?.organisationId ?? null,
      closedAt: decision.final ? now : null,
      updatedAt: now,
    })
    .where(and(eq(cases.id, locked.id), eq(cases.version, locked.version)))
    .returning();
  if (!row) throw new AppError('STALE_VERSION', 'The case changed while this event was being recorded; read it again and retry.');

  const changedParties = next.parties.filter((party) => !parties.some((old) => old.part === party.part && old.organisationId === party.organisationId));
  for (const party of changedParties) {
    await tx
      .insert(caseParties)
      .values({ caseId: row.id, ...party, assignedAt: now })
      .onConflictDoUpdate({ target: [caseParties.caseId, caseParties.part], set: { organisationId: party.organisationId, assignedAt: now } });
  }
  await applyDeadlineChanges(tx, row, decision.deadlines, now);
  // A work item about the NGO's lost consent is settled by replacing the NGO or by the case closing.
  if (changedParties.length > 0 || decision.final) await reconcileConsentWorkItems(tx, row.participantId, now);

  const [history] = await tx
    .insert(caseEvents)
    .values({
      id: randomUUID(),
      caseId: row.id,
      version,
      type: event.type,
      data: decision.eventData,
      part: decision.part,
      actorSub: author.sub,
      organisationId: author.organisationId,
      fromState: decision.from,
      toState: decision.to,
      observation: decision.observation,
      at: now,
    })
    .returning();
  await applyEffects(tx, row, decision.effects, author, version);
  await recordAudit(tx, {
    actor: author.request.actor,
    action: `case.event.${event.type}`,
    subjectType: 'case',
    subjectId: row.id,
    participantId: row.participantId,
    requestId: author.request.requestId,
    outcome: 'success',
    at: now,
  });
  return { row, event: history! };
}

function systemAuthor(request: RequestFacts): Author {
  return { engine: { kind: 'system' }, sub: SYSTEM_SUB, organisationId: null, request };
}

/** Effects run in the same transaction as the event that caused them. */
async function applyEffects(tx: Executor, row: CaseRow, effects: Effect[], author: Author, version: number): Promise<void> {
  const now = author.request.now;
  for (const effect of effects) {
    switch (effect.kind) {
      case 'open_case': {
        const definition = definitionOf(effect.protocol);
        const owner = effect.parties.find((party) => party.part === definition.opening.ownerPart);
        if (!owner) throw new Error(`chained ${effect.protocol} case without its ${definition.opening.ownerPart}`);
        await openCaseTx(
          tx,
          { protocol: effect.protocol, participantId: row.participantId, ownerOrganisationId: owner.organisationId, parties: effect.parties, data: effect.data, parentCaseId: row.id },
          systemAuthor(author.request),
        );
        break;
      }
      case 'signal_parent': {
        if (!row.parentCaseId) break;
        const [parent] = await tx.select().from(cases).where(eq(cases.id, row.parentCaseId)).for('update');
        if (parent && parent.closedAt === null) await applyEventTx(tx, parent, effect.event, systemAuthor(author.request));
        break;
      }
      case 'signal_children': {
        const children = await tx
          .select()
          .from(cases)
          .where(and(eq(cases.parentCaseId, row.id), eq(cases.protocol, effect.protocol), isNull(cases.closedAt)))
          .for('update');
        for (const child of children) {
          const definition = definitionOf(child.protocol);
          // Only where the child still accepts the signal (an arrived resident's date no longer moves).
          if (definition.states[child.state]?.on?.[effect.event.type]) await applyEventTx(tx, child, effect.event, systemAuthor(author.request));
        }
        break;
      }
      case 'alert':
        await raiseAlert(tx, { caseId: row.id, participantId: row.participantId }, effect.rule, effect.concerns, String(version), now);
        break;
      case 'place_freed': {
        const [waiting] = await tx
          .select()
          .from(cases)
          .where(and(eq(cases.unitId, effect.unitId), eq(cases.state, 'waitlisted')))
          .orderBy(sql`${cases.data}->>'waitlistedAt'`, asc(cases.openedAt))
          .limit(1);
        if (waiting) await raiseAlert(tx, { caseId: waiting.id, participantId: waiting.participantId }, 'place_freed', [waiting.ownerOrganisationId], `${row.id}:${version}`, now);
        break;
      }
      case 'void_participant_deadlines': {
        const others = await tx
          .select({ id: cases.id })
          .from(cases)
          .where(and(eq(cases.participantId, row.participantId), eq(cases.protocol, effect.protocol), isNull(cases.closedAt)));
        if (others.length > 0) {
          await retireDeadlines(tx, and(inArray(deadlines.caseId, others.map((other) => other.id)), eq(deadlines.rule, effect.rule)), now);
        }
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// The API's operations
// ---------------------------------------------------------------------------------------

/** A case exists for an organisation when it is a party, or holds a live break-glass grant on it; for anyone else it is 404, audited. */
type ViewerPart = { protocol: string; part: string };
type Prefetched = { participant: ParticipantFacts & { referenceCode: string }; viewerParts: ViewerPart[] };

/**
 * A case with everything a read needs in one round trip: the row, its parties, the person's
 * reference and record facts, and the viewer's parts in the person's cases (rule 1 of the policy).
 */
function caseLoadQuery(db: Executor) {
  return db
    .select({
      row: getTableColumns(cases),
      parties: sql<Party[]>`coalesce((select json_agg(json_build_object('part', cp.part, 'organisationId', cp.organisation_id) order by cp.part)
        from ${caseParties} cp where cp.case_id = ${qualified(cases.id)}), '[]'::json)`,
      viewerParts: sql<ViewerPart[]>`coalesce((select json_agg(json_build_object('protocol', vc.protocol, 'part', vp.part))
        from ${caseParties} vp join ${cases} vc on vc.id = vp.case_id
        where vc.participant_id = ${qualified(cases.participantId)} and vp.organisation_id = ${sql.placeholder('organisationId')}::uuid
          and (vc.closed_at is null or vc.closed_at > ${sql.placeholder('windowStart')}::timestamptz)), '[]'::json)`,
      participant: { id: participants.id, referenceCode: participants.referenceCode, ownerOrganisationId: participants.ownerOrganisationId, region: participants.region },
      timeZone: organisations.timeZone,
    })
    .from(cases)
    .innerJoin(participants, eq(participants.id, cases.participantId))
    .innerJoin(organisations, eq(organisations.id, participants.ownerOrganisationId))
    .where(eq(cases.id, sql.placeholder('id')));
}

async function loadCase(db: Executor, id: string, organisationId: string, now: Date) {
  const values = { id, organisationId, windowStart: new Date(now.getTime() - CLOSED_CASE_WINDOW_DAYS * 86_400_000).toISOString() };
  const [found] = await caseLoadQuery(db).execute(values);
  if (!found) return undefined;
  const prefetched: Prefetched = { participant: { ...found.participant, timeZone: found.timeZone }, viewerParts: found.viewerParts };
  return { row: found.row, parties: found.parties, prefetched };
}

async function visibleCase(db: Executor, facts: RequestFacts, id: string, action: string): Promise<{ row: CaseRow; parties: Party[]; prefetched: Prefetched }> {
  const found = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? await loadCase(db, id, facts.actor.organisation.id, facts.now) : undefined;
  // A party sees the case while it is a party to one of the person's cases that is open or
  // closed less than 90 days ago (the policy's rule 1, `viewerParts`): after that, a former party gets 404 (DOMAIN.md, "The 90-day window").
  const isParty = (found?.parties.some((party) => party.organisationId === facts.actor.organisation.id) ?? false) && (found?.prefetched.viewerParts.length ?? 0) > 0;
  const glass =
    found && !isParty && facts.actor.roles.includes('coordinator')
      ? await db
          .select({ id: breakGlassGrants.id })
          .from(breakGlassGrants)
          .where(and(eq(breakGlassGrants.caseId, found.row.id), eq(breakGlassGrants.organisationId, facts.actor.organisation.id), gt(breakGlassGrants.expiresAt, facts.now)))
          .limit(1)
      : [];
  if (!found || !(isParty || glass.length > 0)) {
    await recordAudit(db, { actor: facts.actor, action, subjectType: 'case', subjectId: id, participantId: found?.row.participantId, requestId: facts.requestId, outcome: 'denied', at: facts.now });
    throw notFound('case');
  }
  return found;
}

type Viewer = { actor: Actor; now: Date; disclosures: Map<string, Disclosure> };

async function disclosureFor(db: Executor, viewer: Viewer, participant: ParticipantFacts, viewerParts?: ViewerPart[]): Promise<Disclosure> {
  let disclosure = viewer.disclosures.get(participant.id);
  if (!disclosure) {
    disclosure = await participantDisclosure(db, viewer.actor, participant, viewer.now, viewerParts);
    viewer.disclosures.set(participant.id, disclosure);
  }
  return disclosure;
}

const viewerOf = (facts: RequestFacts): Viewer => ({ actor: facts.actor, now: facts.now, disclosures: new Map() });

/** The case as this viewer may see it: its data redacted to the participant's disclosed classes. */
export async function presentCase(db: Executor, row: CaseRow, parties: Party[], viewer: Viewer, prefetched?: Prefetched) {
  const [participant] = prefetched
    ? [prefetched.participant]
    : await db
        .select({ id: participants.id, referenceCode: participants.referenceCode, ownerOrganisationId: participants.ownerOrganisationId, region: participants.region })
        .from(participants)
        .where(eq(participants.id, row.participantId));
  const definition = definitionOf(row.protocol);
  const disclosure = participant ? await disclosureFor(db, viewer, participant, prefetched?.viewerParts) : NOTHING;
  const redacted = redactCaseData(definition, row.data, new Set(disclosure.classes.keys()));
  const engineActor = engineActorOf(viewer.actor);
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
      yourParts: actorParts(definition, { parties }, engineActor),
      allowedEvents: allowedEvents(definition, { state: row.state, parties }, engineActor),
    },
    shown: redacted.shown,
    basis: basesOf(disclosure, redacted.shown),
  };
}

export async function openCase(
  db: Executor,
  facts: RequestFacts,
  body: { protocol: string; participantId: string; parties: Party[]; data: Record<string, unknown> },
) {
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
    await recordAudit(db, { actor: facts.actor, action: 'case.open', subjectType: 'participant', subjectId: body.participantId, participantId: participant?.id, requestId: facts.requestId, outcome: 'denied', at: facts.now });
    throw validationFailed('No such participant.', [{ path: 'body.participantId', message: 'No participant with this id that your organisation may see.' }]);
  }
  if (definition.id === 'unit-enrolment') {
    const unitId = typeof body.data?.unitId === 'string' ? body.data.unitId : '';
    const [unit] = /^[0-9a-f-]{36}$/i.test(unitId) ? await db.select().from(prisonUnits).where(eq(prisonUnits.id, unitId)) : [];
    if (unitId && (!unit || unit.organisationId !== facts.actor.organisation.id)) {
      throw validationFailed('The unit is not one of your prison’s units.', [{ path: 'body.data.unitId', message: 'Not a unit of your prison.' }]);
    }
  }
  return db.transaction(async (tx) => {
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
  await recordAudit(db, {
    actor: facts.actor,
    action: 'case.read',
    subjectType: 'case',
    subjectId: id,
    participantId: row.participantId,
    dataClasses: [...presented.shown],
    basis: presented.basis,
    requestId: facts.requestId,
    outcome: 'success',
    at: facts.now,
  });
  return presented.body;
}

export async function recordEvent(db: Executor, facts: RequestFacts, id: string, body: { type: string; data?: Record<string, unknown>; expectedVersion: number }) {
  const visible = await visibleCase(db, facts, id, `case.event.${body.type}`);
  return db.transaction(async (tx) => {
    const [locked] = await tx.select().from(cases).where(eq(cases.id, id)).for('update');
    if (!locked) throw notFound('case');
    if (locked.version !== body.expectedVersion) {
      throw new AppError('STALE_VERSION', `The case is at version ${locked.version}; you sent ${body.expectedVersion}. Read it again and retry.`, { extra: { currentVersion: locked.version } });
    }
    const result = await applyEventTx(tx, locked, { type: body.type, data: body.data ?? {} }, { engine: engineActorOf(facts.actor), sub: facts.actor.sub, organisationId: facts.actor.organisation.id, request: facts });
    const viewer = viewerOf(facts);
    const after = (await loadCase(tx, id, facts.actor.organisation.id, facts.now))!;
    const presented = await presentCase(tx, after.row, after.parties, viewer, after.prefetched);
    const disclosure = await disclosureFor(tx, viewer, after.prefetched.participant, after.prefetched.viewerParts);
    return { event: presentEvent(result.row.protocol, result.event, disclosure, facts.actor.organisation.id).body, case: presented.body };
  }).catch(async (error: unknown) => {
    // The transaction rolled back; the denial's row is committed on its own.
    if (error instanceof AppError && partRefusals.has(error)) {
      await recordAudit(db, { actor: facts.actor, action: `case.event.${body.type}`, subjectType: 'case', subjectId: id, participantId: visible.row.participantId, requestId: facts.requestId, outcome: 'denied', at: facts.now });
    }
    throw error;
  });
}

async function participantFactsOf(db: Executor, participantId: string) {
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
export function presentEvent(protocol: string, row: typeof caseEvents.$inferSelect, disclosure: Disclosure, viewerOrganisationId?: string) {
  const authored = viewerOrganisationId !== undefined && row.organisationId === viewerOrganisationId;
  const visible: ReadonlySet<DataClass> = authored ? new Set(DATA_CLASSES) : new Set(disclosure.classes.keys());
  const redacted = redactEventData(definitionOf(protocol), row.type, row.data, visible);
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

export async function caseHistory(db: Executor, facts: RequestFacts, id: string, query: { limit: number; cursor?: string | undefined }) {
  const { row } = await visibleCase(db, facts, id, 'case.history');
  const after = decodeCursor(query.cursor, 1) as [number] | undefined;
  const rows = await db
    .select()
    .from(caseEvents)
    .where(and(eq(caseEvents.caseId, id), after ? sql`${caseEvents.version} > ${after[0]}` : undefined))
    .orderBy(asc(caseEvents.version))
    .limit(query.limit + 1);
  const page = toPage(rows, query.limit, (event) => [event.version]);
  const disclosure = await participantDisclosure(db, facts.actor, await participantFactsOf(db, row.participantId), facts.now);
  const items = page.items.map((event) => presentEvent(row.protocol, event, disclosure, facts.actor.organisation.id));
  const shown = new Set(items.flatMap((item) => [...item.shown]));
  const authored = items.some((item) => item.byAuthorship.length > 0);
  await recordAudit(db, {
    actor: facts.actor,
    action: 'case.history',
    subjectType: 'case',
    subjectId: id,
    participantId: row.participantId,
    dataClasses: [...shown],
    basis: [basesOf(disclosure, shown), authored ? 'author' : undefined].filter(Boolean).join(',') || undefined,
    requestId: facts.requestId,
    outcome: 'success',
    at: facts.now,
  });
  return { items: items.map((item) => item.body), nextCursor: page.nextCursor };
}

export async function listCases(
  db: Executor,
  facts: RequestFacts,
  query: { protocol?: string | undefined; state?: string | undefined; participantId?: string | undefined; limit: number; cursor?: string | undefined },
) {
  const after = decodeCursor(query.cursor, 2) as [string, string] | undefined;
  const mine = db.select({ caseId: caseParties.caseId }).from(caseParties).where(eq(caseParties.organisationId, facts.actor.organisation.id));
  // The people the caller is still a party for: a case of theirs open or closed less than 90 days ago (as in `visibleCase`).
  const windowStart = new Date(facts.now.getTime() - CLOSED_CASE_WINDOW_DAYS * 86_400_000);
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
    after ? or(lt(cases.openedAt, new Date(after[0])), and(eq(cases.openedAt, new Date(after[0])), lt(cases.id, after[1]))) : undefined,
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
        await recordAudit(tx, {
          actor: facts.actor,
          action: 'case.list',
          subjectType: 'case',
          subjectId: item.body.id,
          participantId: item.body.participant.id,
          dataClasses: [...item.shown],
          basis: item.basis,
          requestId: facts.requestId,
          outcome: 'success',
          at: facts.now,
        });
      }
    });
  }
  return { items: presented.map((item) => item.body), nextCursor: page.nextCursor };
}

/** Places and beds: used, reserved, free and waiting. That organisation's staff and its region's coordinator. */
export async function occupancy(db: Executor, facts: RequestFacts, organisationId: string) {
  const { actor, now } = facts;
  const [org] = await db.select().from(organisations).where(eq(organisations.id, organisationId));
  const ownStaff = org && actor.organisation.id === org.id && (actor.roles.includes('prison_staff') || actor.roles.includes('halfway_house_staff'));
  const coordinator = org && actor.roles.includes('coordinator') && actor.organisation.region === org.region;
  if (!org || !(ownStaff || coordinator)) {
    // Out of scope (another region's prison or house, or another organisation's): a denial, audited.
    if (org) await recordAudit(db, { actor, action: 'organisation.occupancy', subjectType: 'organisation', subjectId: org.id, requestId: facts.requestId, outcome: 'denied', at: now });
    throw notFound('organisation');
  }
  if (org.kind === 'prison') {
    const units = await db.select().from(prisonUnits).where(eq(prisonUnits.organisationId, org.id)).orderBy(asc(prisonUnits.name));
    const counts = await db
      .select({ unitId: cases.unitId, state: cases.state, n: sql<number>`count(*)::int` })
      .from(cases)
      .where(and(eq(cases.protocol, 'unit-enrolment'), inArray(cases.state, ['enrolled', 'waitlisted']), inArray(cases.unitId, units.length ? units.map((unit) => unit.id) : ['00000000-0000-0000-0000-000000000000'])))
      .groupBy(cases.unitId, cases.state);
    const count = (unitId: string, state: string) => counts.find((row) => row.unitId === unitId && row.state === state)?.n ?? 0;
    return {
      organisationId: org.id,
      kind: 'prison' as const,
      units: units.map((unit) => {
        const used = count(unit.id, 'enrolled');
        return { unitId: unit.id, name: unit.name, kind: unit.kind, places: unit.places, used, reserved: 0, free: Math.max(unit.places - used, 0), waiting: count(unit.id, 'waitlisted') };
      }),
    };
  }
  if (org.kind === 'halfway_house') {
    const today = localDateOf(now, org.timeZone);
    const stays = await db.select({ state: cases.state, data: cases.data }).from(cases).where(and(eq(cases.houseId, org.id), inArray(cases.state, ['referred', 'accepted', 'resident'])));
    const used = stays.filter((stay) => stay.state === 'resident').length;
    const reserved = stays.filter((stay) => stay.state === 'accepted').length;
    const occupiedToday = stays.filter((stay) => stay.state !== 'referred' && occupiesOn(stay, today)).length;
    const beds = org.beds ?? 0;
    return { organisationId: org.id, kind: 'halfway_house' as const, beds, used, reserved, free: Math.max(beds - Math.max(occupiedToday, used), 0), waiting: stays.filter((stay) => stay.state === 'referred').length };
  }
  throw validationFailed('Only prisons and halfway houses have places or beds.', [{ path: 'param.id', message: `A ${org.kind} has no places or beds.` }]);
}

/**
 * Break-glass (DOMAIN.md rule 4): the coordinator of the participant's region gives a written
 * reason and gets every class of that case's participant for 4 hours. The grant is audited
 * with the reason, and the case owner is told at once.
 */
export async function breakGlass(db: Executor, facts: RequestFacts, caseId: string, reason: string) {
  const [row] = await db.select().from(cases).where(eq(cases.id, caseId));
  const participant = row ? await participantFactsOf(db, row.participantId) : undefined;
  const inRegion = participant && facts.actor.organisation.kind === 'coordinator' && facts.actor.organisation.region === participant.region;
  if (!row || !inRegion) {
    await recordAudit(db, { actor: facts.actor, action: 'case.break_glass', subjectType: 'case', subjectId: caseId, participantId: row?.participantId, purpose: reason, requestId: facts.requestId, outcome: 'denied', at: facts.now });
    throw notFound('case');
  }
  return db.transaction(async (tx) => {
    const grant = {
      id: randomUUID(),
      caseId: row.id,
      participantId: row.participantId,
      organisationId: facts.actor.organisation.id,
      actorSub: facts.actor.sub,
      reason,
      grantedAt: facts.now,
      expiresAt: new Date(facts.now.getTime() + BREAK_GLASS_HOURS * 3_600_000),
    };
    await tx.insert(breakGlassGrants).values(grant);
    await raiseAlert(tx, { caseId: row.id, participantId: row.participantId }, 'break_glass', [row.ownerOrganisationId], grant.id, facts.now);
    await recordAudit(tx, {
      actor: facts.actor,
      action: 'case.break_glass',
      subjectType: 'case',
      subjectId: row.id,
      participantId: row.participantId,
      dataClasses: DATA_CLASSES,
      purpose: reason,
      basis: 'break_glass',
      requestId: facts.requestId,
      outcome: 'success',
      at: facts.now,
    });
    return { id: grant.id, caseId: row.id, participantId: row.participantId, reason, grantedAt: grant.grantedAt.toISOString(), expiresAt: grant.expiresAt.toISOString() };
  });
}
