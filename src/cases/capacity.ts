import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { cases, organisations, prisonUnits } from '../../db/schema.js';
import { addDays, localDateOf } from '../../protocols/time.js';
import { audit } from '../audit/audit.js';
import { notFound, validationFailed } from '../errors.js';
import type { RequestFacts } from '../request-facts.js';

/* Places in prison units and beds in halfway houses: the engine's capacity facts and the occupancy report. */

/** Locks the unit row, then counts its enrolled cases. */
export async function unitHasFreePlace(tx: Executor, unitId: string): Promise<boolean> {
  const [unit] = await tx.select({ places: prisonUnits.places }).from(prisonUnits).where(eq(prisonUnits.id, unitId)).for('update');
  if (!unit) return false;
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(cases)
    .where(and(eq(cases.unitId, unitId), eq(cases.state, 'enrolled')));
  return (row?.n ?? 0) < unit.places;
}

/** A stay occupies a bed from arrival for its maximum stay. */
function occupiesOn(row: { state: string; data: Record<string, unknown> }, date: string): boolean {
  const start = String(row.state === 'resident' ? row.data.arrivedOn : row.data.expectedArrivalDate);
  const end = row.state === 'resident' ? String(row.data.stayEndDate) : addDays(start, Number(row.data.maxStayDays ?? 0));
  return start <= date && date < end;
}

/** Locks the house row, then counts accepted and resident stays covering the date. */
export async function houseHasFreeBed(tx: Executor, houseId: string, date: string): Promise<boolean> {
  const [house] = await tx.select({ beds: organisations.beds }).from(organisations).where(eq(organisations.id, houseId)).for('update');
  if (!house) return false;
  const stays = await tx
    .select({ state: cases.state, data: cases.data })
    .from(cases)
    .where(and(eq(cases.houseId, houseId), inArray(cases.state, ['accepted', 'resident'])));
  return stays.filter((stay) => occupiesOn(stay, date)).length < (house.beds ?? 0);
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
  if (org.kind === 'prison') {
    const units = await db.select().from(prisonUnits).where(eq(prisonUnits.organisationId, org.id)).orderBy(asc(prisonUnits.name));
    const counts = await db
      .select({ unitId: cases.unitId, state: cases.state, n: sql<number>`count(*)::int` })
      .from(cases)
      .where(
        and(
          eq(cases.protocol, 'unit-enrolment'),
          inArray(cases.state, ['enrolled', 'waitlisted']),
          inArray(cases.unitId, units.length ? units.map((unit) => unit.id) : ['00000000-0000-0000-0000-000000000000']),
        ),
      )
      .groupBy(cases.unitId, cases.state);
    const count = (unitId: string, state: string) => counts.find((row) => row.unitId === unitId && row.state === state)?.n ?? 0;
    return {
      organisationId: org.id,
      kind: 'prison' as const,
      units: units.map((unit) => {
        const used = count(unit.id, 'enrolled');
        return {
          unitId: unit.id,
          name: unit.name,
          kind: unit.kind,
          places: unit.places,
          used,
          reserved: 0,
          free: Math.max(unit.places - used, 0),
          waiting: count(unit.id, 'waitlisted'),
        };
      }),
    };
  }
  if (org.kind === 'halfway_house') {
    const today = localDateOf(now, org.timeZone);
    const stays = await db
      .select({ state: cases.state, data: cases.data })
      .from(cases)
      .where(and(eq(cases.houseId, org.id), inArray(cases.state, ['referred', 'accepted', 'resident'])));
    const used = stays.filter((stay) => stay.state === 'resident').length;
    const reserved = stays.filter((stay) => stay.state === 'accepted').length;
    const occupiedToday = stays.filter((stay) => stay.state !== 'referred' && occupiesOn(stay, today)).length;
    const beds = org.beds ?? 0;
    return {
      organisationId: org.id,
      kind: 'halfway_house' as const,
      beds,
      used,
      reserved,
      free: Math.max(beds - Math.max(occupiedToday, used), 0),
      waiting: stays.filter((stay) => stay.state === 'referred').length,
    };
  }
  throw validationFailed('Only prisons and halfway houses have places or beds.', [{ path: 'param.id', message: `A ${org.kind} has no places or beds.` }]);
}
