import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { preparedPerDatabase } from '../../db/prepared.js';
import { qualified } from '../../db/qualified.js';
import { caseParties, cases, consents, holidays, organisations, participants } from '../../db/schema.js';
import { protocolById } from '../../protocols/index.js';
import { capacityHolder, factsFor } from '../../protocols/engine.js';
import type { CaseSnapshot, DecisionFacts, EngineActor, EngineEvent, FactName, Party } from '../../protocols/model.js';
import { addDays, localDateOf } from '../../protocols/time.js';
import type { ProtocolDefinition } from '../../protocols/types.js';
import { inForceOn, validOn, type ConsentDates } from '../access/consents.js';
import { consentsOf } from '../access/viewer-facts.js';
import type { Actor } from '../auth/authenticator.js';
import type { OrganisationKind } from '../domain.js';
import { isCertified } from '../organisations/service.js';
import { hasFreeCapacity, lockHolder, longestWaiting } from './capacity.js';
import { isUuid, UUID_PATTERN } from '../uuid.js';

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

/** A data key that names an organisation (`organisationId`, `toOrganisationId`, …). */
const ORGANISATION_ID_KEY = /(^o|O)rganisationId$/;
const organisationKeyPattern = ORGANISATION_ID_KEY.source;

/** Organisation ids named in event or case data: a top-level key that names an organisation, with a UUID for its value. */
function organisationIdsIn(data: unknown): string[] {
  if (!data || typeof data !== 'object') return [];
  return Object.entries(data as Record<string, unknown>)
    .filter(([key, value]) => ORGANISATION_ID_KEY.test(key) && typeof value === 'string' && isUuid(value))
    .map(([, value]) => value as string);
}

/**
 * `organisationIdsIn` as SQL, over a jsonb column of the statement (the same key and UUID
 * patterns, so both find the same ids and the cast never fails): for a statement that reads the
 * facts before Node has the case's data (an event's locked load).
 */
export const organisationIdsInSql = (data: SQL) =>
  sql`array(select d.value::uuid from jsonb_each_text(${data}) d where d.key ~ ${organisationKeyPattern} and d.value ~* ${UUID_PATTERN})`;

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

/** Loaders of the facts a protocol's data may ask for (`facts: [...]`) that take more than a read: the capacity facts, under the holder's lock. */
const LOADERS: { [K in Exclude<FactName, 'openProtocols'>]: (tx: Executor, input: FactsInput, today: string) => Promise<DecisionFacts[K]> } = {
  /** Counted with the unit or house row locked, so two racing requests see each other's result. */
  freeCapacity: (tx, { definition, data, parties }, today) => {
    const on = definition.capacity?.on;
    const date = on && typeof data[on] === 'string' ? (data[on] as string) : today;
    return hasFreeCapacity(tx, definition, capacityHolder(definition, { data, parties }), date);
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

type OrganisationFacts = { id: string; kind: string; country: string; timeZone: string; certificationValidUntil: string | null };

/** What `gatherFacts` read besides the facts: the consents valid today, with their classes (the access policy's too). */
export type GatheredFacts = { facts: DecisionFacts; consents: ConsentDates[] };

/**
 * Gathers what the engine needs to decide: the owner's time zone and holidays, the region's
 * coordinator, the organisations involved, valid consents, and the facts the protocol data
 * names for this decision (free places under a lock, open cases, the house's own stay).
 *
 * All but the capacity facts come in one statement. "Today" is a day in a time zone the
 * statement itself reads (the case owner's for the holidays, the record owner's for consents),
 * so it reads a day more on each side and the dates are applied here, with Node's zone rules
 * as everywhere else: the holidays of the window, and each consent's validity dates (`inForceOn`).
 */
export async function gatherFacts(tx: Executor, input: FactsInput): Promise<DecisionFacts> {
  return (await gatherFactsAndConsents(tx, input)).facts;
}

/** What the facts statement reads with the participant (`factColumns`): the engine's facts before their dates are applied. */
export type FactsRow = {
  coordinator: string | null;
  recordOwnerTimeZone: string;
  organisations: OrganisationFacts[];
  holidays: string[];
  consents: ConsentDates[];
  openProtocols: string[] | null;
};

/**
 * The facts as columns over a statement's `participants` row: the region's coordinator, the
 * record owner's time zone, the organisations with the given ids, the case owner's country's
 * holidays between the placeholders `from` and `to` (`holidayWindow`), the person's consents (in force any day; `gatherFactsAndConsents`
 * applies the dates) and, when asked, the person's open protocols. The facts statement below reads
 * them by the participant's id; an event's locked case load reads them with the case
 * (`src/cases/present.ts`), so an event gathers its facts in the statement that locks the case.
 */
export function factColumns(organisationIds: SQL, ownerId: SQL, withOpenProtocols: boolean) {
  const person = qualified(participants.id);
  // `holidayWindow`'s values.
  const [from, to] = [sql`${sql.placeholder('from')}::date`, sql`${sql.placeholder('to')}::date`];
  return {
    // At most one row (organisations_region_coordinator_key); without `limit 1`, a wrong match fails loudly.
    coordinator: sql<string | null>`(select c.id from ${organisations} c where c.kind = 'coordinator' and c.region = ${qualified(participants.region)})`,
    recordOwnerTimeZone: sql<string>`(select o.time_zone from ${organisations} o where o.id = ${qualified(participants.ownerOrganisationId)})`,
    organisations: sql<OrganisationFacts[]>`coalesce((select json_agg(json_build_object('id', o.id, 'kind', o.kind, 'country', o.country, 'timeZone', o.time_zone,
        'certificationValidUntil', o.certification_valid_until)) from ${organisations} o where o.id = any(${organisationIds})), '[]'::json)`,
    // The owner's country's holidays, a day wider than the window on each side (the window is cut in `gatherFactsAndConsents`).
    holidays: sql<string[]>`coalesce((select json_agg(h.date) from ${holidays} h where h.country = (select o.country from ${organisations} o where o.id = ${ownerId})
        and h.date between ${from} and ${to}), '[]'::json)`,
    consents: consentsOf(person),
    openProtocols: withOpenProtocols
      ? sql<string[] | null>`coalesce((select json_agg(distinct oc.protocol) from ${cases} oc where oc.participant_id = ${person} and oc.closed_at is null), '[]'::json)`
      : sql<string[] | null>`null`,
  };
}

/** The window of holidays the facts read: a day wider on each side than any owner's local window around UTC today. */
export function holidayWindow(now: Date) {
  const utcToday = now.toISOString().slice(0, 10);
  return { from: addDays(utcToday, -401), to: addDays(utcToday, 801) };
}

/**
 * The statement behind `gatherFacts`, prepared once per database (db/prepared.ts) in two forms:
 * with and without the participant's open protocols (the `openProtocols` fact).
 */
const factsQuery = (withOpenProtocols: boolean) =>
  preparedPerDatabase(withOpenProtocols ? 'cadap_facts_open' : 'cadap_facts', (db) =>
    db
      .select({
        region: participants.region,
        ...factColumns(sql`${sql.placeholder('ids')}::uuid[]`, sql`${sql.placeholder('ownerId')}::uuid`, withOpenProtocols),
      })
      .from(participants)
      .where(eq(participants.id, sql.placeholder('participantId'))),
  );
const factsWithOpenProtocols = factsQuery(true);
const factsAlone = factsQuery(false);

/** The organisations a decision's facts describe: the parties, the ones the event's and the case's data name, and the case's owner. */
function factOrganisationIds(input: Pick<FactsInput, 'parties' | 'event' | 'data' | 'ownerOrganisationId'>): string[] {
  return [
    ...new Set([...input.parties.map((party) => party.organisationId), ...organisationIdsIn(input.event?.data), ...organisationIdsIn(input.data), input.ownerOrganisationId]),
  ];
}

/** The organisation ids in an event's data, for a statement that reads the facts before the case's data is known (the event's locked load). */
export const eventOrganisationIds = (event: EngineEvent): string[] => [...new Set(organisationIdsIn(event.data))];

/**
 * The engine's facts for a decision, and the consents valid today. `read` is what a statement
 * already read with the case (the event's locked load, `factColumns`), used when it covers every
 * organisation the decision names and the open protocols when the decision needs them (the load
 * reads the same organisations, so this is a guard: should the two ever differ, the facts
 * statement reads them).
 */
export async function gatherFactsAndConsents(tx: Executor, input: FactsInput, read?: FactsRow): Promise<GatheredFacts> {
  const names = factsFor(input.definition, input.state, input.event?.type ?? null);
  const ids = factOrganisationIds(input);
  const covers = (row: FactsRow) =>
    (!names.includes('openProtocols') || row.openProtocols !== null) && ids.every((id) => row.organisations.some((organisation) => organisation.id === id));
  const person =
    read && covers(read)
      ? read
      : (
          await (names.includes('openProtocols') ? factsWithOpenProtocols : factsAlone)(tx).execute({
            participantId: input.participantId,
            ids: `{${ids.join(',')}}`,
            ownerId: input.ownerOrganisationId,
            ...holidayWindow(input.now),
          })
        )[0];
  const owner = person?.organisations.find((row) => row.id === input.ownerOrganisationId);
  if (!owner || !person) throw new Error('case owner or participant missing');
  const today = localDateOf(input.now, owner.timeZone);
  // Deadlines look a year or two ahead and back: that window of the calendar.
  const [from, to] = [addDays(today, -400), addDays(today, 800)];
  const consentDay = localDateOf(input.now, person.recordOwnerTimeZone);
  const valid = person.consents.filter((consent) => inForceOn(consent, consentDay));
  const facts: DecisionFacts = {
    timeZone: owner.timeZone,
    country: owner.country,
    holidays: new Set(person.holidays.filter((date) => date >= from && date <= to)),
    regionCoordinatorId: person.coordinator,
    organisations: Object.fromEntries(person.organisations.map((row) => [row.id, { kind: row.kind as OrganisationKind, certified: isCertified(row, input.now) }])),
    consentedOrganisations: new Set(valid.map((consent) => consent.organisationId)),
  };
  if (names.includes('openProtocols') && person.openProtocols) facts.openProtocols = new Set(person.openProtocols);
  for (const name of names) {
    if (name === 'openProtocols') continue;
    // Each loader's value type is its fact's; TypeScript cannot follow the key through the loop.
    (facts as Record<FactName, unknown>)[name] = await LOADERS[name](tx, input, today);
  }
  return { facts, consents: valid };
}

export function snapshotOf(row: CaseRow, parties: Party[], facts: DecisionFacts): CaseSnapshot {
  return { state: row.state, previousState: row.previousState, data: row.data, parties, ownerOrganisationId: row.ownerOrganisationId, facts };
}
