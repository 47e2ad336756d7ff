import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { qualified } from '../../db/qualified.js';
import { caseParties, cases, consents, organisations, participants } from '../../db/schema.js';
import { protocolById } from '../../protocols/index.js';
import { capacityHolder, factsFor } from '../../protocols/engine.js';
import type { CaseSnapshot, DecisionFacts, EngineActor, EngineEvent, FactName, Party } from '../../protocols/model.js';
import { addDays, localDateOf } from '../../protocols/time.js';
import type { ProtocolDefinition } from '../../protocols/types.js';
import { consentedOrganisations, validOn } from '../access/consents.js';
import type { Actor } from '../auth/authenticator.js';
import { holidaySet } from '../calendars/service.js';
import type { OrganisationKind } from '../domain.js';
import { isCertified } from '../organisations/service.js';
import { hasFreeCapacity, lockHolder, longestWaiting } from './capacity.js';
import { isUuid } from '../uuid.js';

/* What the engine needs to decide: the definition, the parties, the facts and the snapshot. */

export type CaseRow = typeof cases.$inferSelect;

export function engineActorOf(actor: Actor): EngineActor {
  return { kind: 'staff', organisationId: actor.organisation.id, organisationKind: actor.organisation.kind, roles: actor.roles };
}

export function definitionOf(protocol: string): ProtocolDefinition {
  const definition = protocolById(protocol);
  if (!definition) throw new Error(`unknown protocol ${protocol}`);
  return definition;
}

export async function partiesOf(db: Executor, caseId: string): Promise<Party[]> {
  const rows = await db
    .select({ part: caseParties.part, organisationId: caseParties.organisationId })
    .from(caseParties)
    .where(eq(caseParties.caseId, caseId))
    .orderBy(asc(caseParties.part));
  return rows;
}

/** Organisation ids named in event data (`organisationId`, `toOrganisationId`, …). */
function organisationIdsIn(data: unknown): string[] {
  if (!data || typeof data !== 'object') return [];
  return Object.entries(data as Record<string, unknown>)
    .filter(([key, value]) => /(^o|O)rganisationId$/.test(key) && typeof value === 'string' && isUuid(value))
    .map(([, value]) => value as string);
}

/** Where a decision stands: the case's state (`null` when opening) and the event, for the facts its data asks for. */
type FactsInput = {
  definition: ProtocolDefinition;
  /** The case decided on; null when opening. */
  caseId: string | null;
  participantId: string;
  ownerOrganisationId: string;
  parties: readonly Party[];
  data: Record<string, unknown>;
  state: string | null;
  event?: EngineEvent;
  now: Date;
};

/** Loaders of the facts a protocol's data may ask for (`facts: [...]`), one per name. */
const LOADERS: { [K in FactName]: (tx: Executor, input: FactsInput, today: string) => Promise<DecisionFacts[K]> } = {
  /** Counted with the unit or house row locked, so two racing requests see each other's result. */
  freeCapacity: (tx, { definition, data, parties }, today) => {
    const on = definition.capacity?.on;
    const date = on && typeof data[on] === 'string' ? (data[on] as string) : today;
    return hasFreeCapacity(tx, definition, capacityHolder(definition, { data, parties }), date);
  },
  openProtocols: async (tx, { participantId }) => {
    const rows = await tx
      .selectDistinct({ protocol: cases.protocol })
      .from(cases)
      .where(and(eq(cases.participantId, participantId), isNull(cases.closedAt)));
    return new Set(rows.map((row) => row.protocol));
  },
  firstInQueue: async (tx, { definition, data, parties, caseId }) => {
    const holderId = capacityHolder(definition, { data, parties });
    if (!holderId || !isUuid(holderId)) return true;
    // Under the holder's lock, whatever order the facts are gathered in: racing admissions see one queue.
    await lockHolder(tx, definition, holderId);
    const first = await longestWaiting(tx, definition, holderId);
    return first === undefined || first.id === caseId;
  },
  consentOnCase: async (tx, { participantId, caseId }, today) => {
    if (!caseId) return false;
    const [row] = await tx
      .select({ id: consents.id })
      .from(consents)
      .where(and(eq(consents.participantId, participantId), eq(consents.caseId, caseId), validOn(today)))
      .limit(1);
    return row !== undefined;
  },
  holderDefaultStayDays: async (tx, { definition, data, parties }) => {
    const holderId = capacityHolder(definition, { data, parties });
    if (!holderId || !isUuid(holderId)) return null;
    const [house] = await tx.select({ days: organisations.defaultMaxStayDays }).from(organisations).where(eq(organisations.id, holderId));
    return house?.days ?? null;
  },
};

/**
 * Gathers what the engine needs to decide: the owner's time zone and holidays, the region's
 * coordinator, the organisations involved, valid consents, and the facts the protocol data
 * names for this decision (free places under a lock, open cases, the house's own stay).
 */
export async function gatherFacts(tx: Executor, input: FactsInput): Promise<DecisionFacts> {
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
  const ids = [
    ...new Set([...input.parties.map((party) => party.organisationId), ...organisationIdsIn(input.event?.data), ...organisationIdsIn(input.data), input.ownerOrganisationId]),
  ];
  const rows = await tx.select().from(organisations).where(inArray(organisations.id, ids));
  const owner = rows.find((row) => row.id === input.ownerOrganisationId);
  if (!owner || !person) throw new Error('case owner or participant missing');
  const today = localDateOf(input.now, owner.timeZone);
  const facts: DecisionFacts = {
    timeZone: owner.timeZone,
    country: owner.country,
    // Deadlines look a year or two ahead and back: load that window of the calendar.
    holidays: await holidaySet(tx, owner.country, { from: addDays(today, -400), to: addDays(today, 800) }),
    regionCoordinatorId: person.coordinator,
    organisations: Object.fromEntries(rows.map((row) => [row.id, { kind: row.kind as OrganisationKind, certified: isCertified(row, input.now) }])),
    consentedOrganisations: await consentedOrganisations(tx, input.participantId, localDateOf(input.now, person.recordOwnerTimeZone)),
  };
  for (const name of factsFor(input.definition, input.state, input.event?.type ?? null)) {
    // Each loader's value type is its fact's; TypeScript cannot follow the key through the loop.
    (facts as Record<FactName, unknown>)[name] = await LOADERS[name](tx, input, today);
  }
  return facts;
}

export function snapshotOf(row: CaseRow, parties: Party[], facts: DecisionFacts): CaseSnapshot {
  return { state: row.state, previousState: row.previousState, data: row.data, parties, ownerOrganisationId: row.ownerOrganisationId, facts };
}
