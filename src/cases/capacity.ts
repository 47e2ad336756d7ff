import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { cases, organisations, prisonUnits } from '../../db/schema.js';
import { COVERS } from '../../protocols/chains.js';
import { PROTOCOLS } from '../../protocols/index.js';
import { localDateOf } from '../../protocols/time.js';
import type { CapacityDefinition, ProtocolDefinition } from '../../protocols/types.js';
import { audit } from '../audit/audit.js';
import { notFound, validationFailed } from '../errors.js';
import type { RequestFacts } from '../request-facts.js';
import { isUuid } from '../uuid.js';

/*
 * Places in prison units and beds in halfway houses, as the protocol data's `capacity`
 * declares them: the engine's `freeCapacity` fact, the freed place's queue, and the occupancy
 * report. Which protocol takes which resource, and in which states, is the data's business.
 */

type Resource = CapacityDefinition['resource'];
type Stay = { state: string; data: Record<string, unknown> };

/** The case column that indexes each resource's holder (the unit, or the house). */
export const HOLDER_COLUMN = { unit_place: cases.unitId, house_bed: cases.houseId } as const satisfies Record<Resource, unknown>;

/** The protocol that takes a resource (at most one does). */
export function protocolTaking(resource: Resource): (ProtocolDefinition & { capacity: CapacityDefinition }) | undefined {
  return Object.values(PROTOCOLS).find((definition) => definition.capacity?.resource === resource) as (ProtocolDefinition & { capacity: CapacityDefinition }) | undefined;
}

/** The unit's places or the house's beds, with the holder's row locked so racing decisions see each other's result. */
async function sizeOf(tx: Executor, resource: Resource, holderId: string, lock: boolean): Promise<number | null> {
  if (resource === 'unit_place') {
    const query = tx.select({ size: prisonUnits.places }).from(prisonUnits).where(eq(prisonUnits.id, holderId));
    const [unit] = lock ? await query.for('update') : await query;
    return unit ? unit.size : null;
  }
  const query = tx.select({ size: organisations.beds }).from(organisations).where(eq(organisations.id, holderId));
  const [house] = lock ? await query.for('update') : await query;
  return house ? (house.size ?? 0) : null;
}

/** Whether a stay in a `used` or `reserved` state takes its place on a date. */
function takesPlaceOn(capacity: CapacityDefinition, stay: Stay, date: string): boolean {
  if (!capacity.used.includes(stay.state) && !capacity.reserved.includes(stay.state)) return false;
  return capacity.covers ? COVERS[capacity.covers](stay.state, stay.data, date) : true;
}

async function staysOf(tx: Executor, definition: ProtocolDefinition, capacity: CapacityDefinition, holderId: string, states: readonly string[]): Promise<Stay[]> {
  if (states.length === 0) return [];
  return tx
    .select({ state: cases.state, data: cases.data })
    .from(cases)
    .where(and(eq(HOLDER_COLUMN[capacity.resource], holderId), eq(cases.protocol, definition.id), inArray(cases.state, [...states])));
}

/** The `freeCapacity` fact: locks the holder's row, then counts the stays that take a place on the date. */
export async function hasFreeCapacity(tx: Executor, definition: ProtocolDefinition, holderId: string | null, date: string): Promise<boolean> {
  const capacity = definition.capacity;
  if (!capacity || !holderId) return false;
  const size = await sizeOf(tx, capacity.resource, holderId, true);
  if (size === null) return false;
  const stays = await staysOf(tx, definition, capacity, holderId, [...capacity.used, ...capacity.reserved]);
  return stays.filter((stay) => takesPlaceOn(capacity, stay, date)).length < size;
}

/** Locks the unit's or house's row (again, harmlessly, if this transaction holds it already). */
export async function lockHolder(tx: Executor, definition: ProtocolDefinition, holderId: string): Promise<void> {
  if (definition.capacity) await sizeOf(tx, definition.capacity.resource, holderId, true);
}

/**
 * The longest-waiting case for a holder: by the queue field, then the opening time, then the id,
 * so that two cases queued at the same instant are always taken in the same order, not in the
 * table's physical order (which an update kept on its page, or a page's pruning, may change).
 */
export async function longestWaiting(tx: Executor, definition: ProtocolDefinition, holderId: string) {
  const capacity = definition.capacity;
  if (!capacity || capacity.waiting.length === 0) return undefined;
  const [waiting] = await tx
    .select()
    .from(cases)
    .where(and(eq(HOLDER_COLUMN[capacity.resource], holderId), eq(cases.protocol, definition.id), inArray(cases.state, [...capacity.waiting])))
    .orderBy(...(capacity.queue ? [sql`${cases.data}->>${capacity.queue}`] : []), asc(cases.openedAt), asc(cases.id))
    .limit(1);
  return waiting;
}

/** Used, reserved, free and waiting places of one holder, today in its own time zone. */
async function countsFor(db: Executor, resource: Resource, holderId: string, size: number, today: string) {
  const definition = protocolTaking(resource);
  if (!definition) return { used: 0, reserved: 0, free: size, waiting: 0 };
  const capacity = definition.capacity;
  const stays = await staysOf(db, definition, capacity, holderId, [...capacity.used, ...capacity.reserved, ...capacity.waiting]);
  const used = stays.filter((stay) => capacity.used.includes(stay.state)).length;
  const reserved = stays.filter((stay) => capacity.reserved.includes(stay.state)).length;
  const takenToday = stays.filter((stay) => takesPlaceOn(capacity, stay, today)).length;
  return { used, reserved, free: Math.max(size - Math.max(takenToday, used), 0), waiting: stays.filter((stay) => capacity.waiting.includes(stay.state)).length };
}

/** Places and beds: used, reserved, free and waiting. That organisation's staff and its region's coordinator. */
export async function occupancy(db: Executor, facts: RequestFacts, organisationId: string) {
  const { actor, now } = facts;
  const [org] = await db.select().from(organisations).where(eq(organisations.id, organisationId));
  const ownStaff = org && actor.organisation.id === org.id && (actor.roles.includes('prison_staff') || actor.roles.includes('halfway_house_staff'));
  const coordinator = org && actor.roles.includes('coordinator') && actor.organisation.region === org.region;
  if (!org || !(ownStaff || coordinator)) {
    // Out of scope (another region's prison or house, or another organisation's): a denial, audited.
    if (org) await audit(db, facts, { action: 'organisation.occupancy', subjectType: 'organisation', subjectId: org.id, outcome: 'denied' });
    throw notFound('organisation');
  }
  const today = localDateOf(now, org.timeZone);
  if (org.kind === 'prison') {
    const units = await db.select().from(prisonUnits).where(eq(prisonUnits.organisationId, org.id)).orderBy(asc(prisonUnits.name));
    return {
      organisationId: org.id,
      kind: 'prison' as const,
      units: await Promise.all(
        units.map(async (unit) => ({
          unitId: unit.id,
          name: unit.name,
          kind: unit.kind,
          places: unit.places,
          ...(await countsFor(db, 'unit_place', unit.id, unit.places, today)),
        })),
      ),
    };
  }
  if (org.kind === 'halfway_house') {
    const beds = org.beds ?? 0;
    return { organisationId: org.id, kind: 'halfway_house' as const, beds, ...(await countsFor(db, 'house_bed', org.id, beds, today)) };
  }
  throw validationFailed('Only prisons and halfway houses have places or beds.', [{ path: 'param.id', message: `A ${org.kind} has no places or beds.` }]);
}

/** A unit a case names must be one of the opening prison's own units: the offending case-data field, or `null`. */
export async function foreignHolderField(db: Executor, definition: ProtocolDefinition, data: Record<string, unknown>, organisationId: string): Promise<string | null> {
  const capacity = definition.capacity;
  if (capacity?.resource !== 'unit_place' || !('field' in capacity.holder)) return null;
  const field = capacity.holder.field;
  const unitId = data[field];
  // A missing or malformed value is the opening data's validation error, not this one's.
  if (typeof unitId !== 'string' || unitId === '') return null;
  if (!isUuid(unitId)) return field;
  const [unit] = await db.select({ organisationId: prisonUnits.organisationId }).from(prisonUnits).where(eq(prisonUnits.id, unitId));
  return unit?.organisationId === organisationId ? null : field;
}
