import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { qualified } from '../../db/qualified.js';
import { caseParties, cases, organisations, participants } from '../../db/schema.js';
import { protocolById } from '../../protocols/index.js';
import type { CaseSnapshot, DecisionFacts, EngineActor, EngineEvent, Party } from '../../protocols/model.js';
import { addDays, localDateOf } from '../../protocols/time.js';
import type { ProtocolDefinition } from '../../protocols/types.js';
import { consentedOrganisations } from '../access/consents.js';
import type { Actor } from '../auth/authenticator.js';
import { holidaySet } from '../calendars/service.js';
import type { OrganisationKind } from '../domain.js';
import { isCertified } from '../organisations/service.js';
import { houseHasFreeBed, unitHasFreePlace } from './capacity.js';
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

/**
 * Gathers what the engine needs to decide, under the locks capacity needs: the owner's time
 * zone and holidays, the region's coordinator, the organisations involved, valid consents,
 * and (for admissions and acceptances) free places or beds counted with the unit or house
 * row locked, so two racing requests see each other's result.
 */
export async function gatherFacts(
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
  const ids = [
    ...new Set([...input.parties.map((party) => party.organisationId), ...organisationIdsIn(input.event?.data), ...organisationIdsIn(input.data), input.ownerOrganisationId]),
  ];
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

export function snapshotOf(row: CaseRow, parties: Party[], facts: DecisionFacts): CaseSnapshot {
  return { state: row.state, previousState: row.previousState, data: row.data, parties, ownerOrganisationId: row.ownerOrganisationId, facts };
}
