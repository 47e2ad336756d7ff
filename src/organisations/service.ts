import { randomUUID } from 'node:crypto';
import { and, asc, eq, gte, inArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { organisations, prisonUnits } from '../../db/schema.js';
import type { Actor } from '../auth/authenticator.js';
import { CERTIFIED_KINDS, COUNTRY_DEFAULT_LOCALE, COUNTRY_TIME_ZONES, type Country, type Locale, type OrganisationKind } from '../domain.js';
import { AppError, forbidden, notFound, validationFailed } from '../errors.js';
import { afterKey, decodeCursor, toPage } from '../pagination.js';
import type { z } from '@hono/zod-openapi';
import type { CreateOrganisationSchema, CreateUnitSchema, OrganisationListQuery, UpdateOrganisationSchema } from './schemas.js';

import { localDateOf } from '../../protocols/time.js';

export type OrganisationRow = typeof organisations.$inferSelect;
export type UnitRow = typeof prisonUnits.$inferSelect;

/** A date as `YYYY-MM-DD` in the given time zone (the engine's formatter, kept per zone). */
export const localDate = localDateOf;

/** Certified on `at` (in the organisation's own time zone); `null` for kinds without certification. */
export function isCertified(row: Pick<OrganisationRow, 'kind' | 'certificationValidUntil' | 'timeZone'>, at: Date): boolean | null {
  if (!CERTIFIED_KINDS.includes(row.kind as OrganisationKind)) return null;
  return row.certificationValidUntil !== null && row.certificationValidUntil >= localDate(at, row.timeZone);
}

export function presentOrganisation(row: OrganisationRow, now: Date) {
  return {
    id: row.id,
    kind: row.kind as OrganisationKind,
    name: row.name,
    country: row.country as Country,
    region: row.region,
    timeZone: row.timeZone,
    locale: row.locale as Locale,
    notificationEmails: row.notificationEmails,
    certificationValidUntil: row.certificationValidUntil,
    certified: isCertified(row, now),
    beds: row.beds,
    defaultMaxStayDays: row.defaultMaxStayDays,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function presentUnit(row: UnitRow) {
  return {
    id: row.id,
    organisationId: row.organisationId,
    kind: row.kind as 'atlantis' | 'clean_zone',
    name: row.name,
    places: row.places,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function findOrganisation(db: Executor, id: string): Promise<OrganisationRow | undefined> {
  const [row] = await db.select().from(organisations).where(eq(organisations.id, id));
  return row;
}

/** A coordinator manages the registry of its own region only; an admin manages every region. */
function assertMayManageRegion(actor: Actor, region: string, kind?: string): void {
  if (actor.roles.includes('admin')) return;
  if (actor.roles.includes('coordinator') && actor.organisation.region === region && kind !== 'coordinator') return;
  throw forbidden(kind === 'coordinator' ? 'Only an admin registers or changes coordinator organisations.' : 'A coordinator manages the organisations of its own region only.');
}

export async function createOrganisation(db: Executor, actor: Actor, body: z.infer<typeof CreateOrganisationSchema>, now: Date) {
  assertMayManageRegion(actor, body.region, body.kind);
  const country = body.country;
  const row: OrganisationRow = {
    id: randomUUID(),
    kind: body.kind,
    name: body.name,
    country,
    region: body.region,
    timeZone: body.timeZone ?? COUNTRY_TIME_ZONES[country],
    locale: body.locale ?? COUNTRY_DEFAULT_LOCALE[country],
    notificationEmails: body.notificationEmails,
    certificationValidUntil: body.certificationValidUntil ?? null,
    beds: body.kind === 'halfway_house' ? (body.beds ?? 0) : null,
    defaultMaxStayDays: body.kind === 'halfway_house' ? (body.defaultMaxStayDays ?? 168) : null,
    createdAt: now,
    updatedAt: now,
  };
  await db.insert(organisations).values(row);
  return row;
}

export async function updateOrganisation(db: Executor, actor: Actor, id: string, body: z.infer<typeof UpdateOrganisationSchema>, now: Date) {
  const existing = await findOrganisation(db, id);
  if (!existing) throw notFound('organisation');
  assertMayManageRegion(actor, existing.region, existing.kind);
  const errors = [];
  if (body.certificationValidUntil != null && !CERTIFIED_KINDS.includes(existing.kind as OrganisationKind)) {
    errors.push({ path: 'body.certificationValidUntil', message: `An organisation of kind ${existing.kind} carries no certification.` });
  }
  for (const field of ['beds', 'defaultMaxStayDays'] as const) {
    if (body[field] !== undefined && existing.kind !== 'halfway_house') {
      errors.push({ path: `body.${field}`, message: 'Only a halfway house has beds and a maximum stay.' });
    }
  }
  if (errors.length > 0) throw validationFailed('Some fields do not apply to this kind of organisation.', errors);
  const changes = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
  const [row] = await db
    .update(organisations)
    .set({ ...changes, updatedAt: now })
    .where(eq(organisations.id, id))
    .returning();
  if (!row) throw notFound('organisation');
  return row;
}

/**
 * Registered organisations by name; `certifiedOn` keeps those of a certified kind whose
 * certification is valid on that day; `regionFirst` lists that region's first (the sort key,
 * and so the cursor, then starts with 0 for the region's, 1 for the others).
 */
export async function listOrganisations(db: Executor, query: z.infer<typeof OrganisationListQuery>) {
  const sortName = sql<string>`lower(${organisations.name})`;
  const regionRank = sql<number>`(case when ${organisations.region} = ${query.regionFirst ?? ''} then 0 else 1 end)`;
  const columns: [SQL, SQL, typeof organisations.id] | [SQL, typeof organisations.id] = query.regionFirst ? [regionRank, sortName, organisations.id] : [sortName, organisations.id];
  const after = decodeCursor(query.cursor, columns.length);
  if (after && query.regionFirst && typeof after[0] !== 'number')
    throw validationFailed('The cursor is not valid.', [{ path: 'query.cursor', message: 'Not a cursor returned by this list.' }]);
  const filters: (SQL | undefined)[] = [
    query.kind ? eq(organisations.kind, query.kind) : undefined,
    query.country ? eq(organisations.country, query.country) : undefined,
    query.region ? eq(organisations.region, query.region) : undefined,
    query.certifiedOn ? and(inArray(organisations.kind, [...CERTIFIED_KINDS]), gte(organisations.certificationValidUntil, query.certifiedOn)) : undefined,
    afterKey('asc', columns, after),
  ];
  const rows = await db
    .select()
    .from(organisations)
    .where(and(...filters))
    .orderBy(...columns.map((column) => asc(column)))
    .limit(query.limit + 1);
  return toPage(rows, query.limit, (row) => (query.regionFirst ? [row.region === query.regionFirst ? 0 : 1, row.name.toLowerCase(), row.id] : [row.name.toLowerCase(), row.id]));
}

/**
 * Units are visible to an admin, to the prison's own staff, and to the coordinator of the
 * prison's region. Anyone else is told the prison has no such resource (404).
 */
async function unitScope(db: Executor, actor: Actor, organisationId: string, write: boolean): Promise<OrganisationRow> {
  const org = await findOrganisation(db, organisationId);
  if (!org) throw notFound('organisation');
  const isAdmin = actor.roles.includes('admin');
  const isOwnStaff = actor.roles.includes('prison_staff') && actor.organisation.id === org.id;
  const isRegionCoordinator = !write && actor.roles.includes('coordinator') && actor.organisation.region === org.region;
  if (!isAdmin && !isOwnStaff && !isRegionCoordinator) throw notFound('organisation');
  return org;
}

export async function listUnits(db: Executor, actor: Actor, organisationId: string) {
  await unitScope(db, actor, organisationId, false);
  return db.select().from(prisonUnits).where(eq(prisonUnits.organisationId, organisationId)).orderBy(asc(prisonUnits.name));
}

export async function createUnit(db: Executor, actor: Actor, organisationId: string, body: z.infer<typeof CreateUnitSchema>, now: Date) {
  const org = await unitScope(db, actor, organisationId, true);
  if (org.kind !== 'prison') {
    throw new AppError('VALIDATION_FAILED', 'Units belong to prisons; this organisation is not a prison.', {
      errors: [{ path: 'param.id', message: `An organisation of kind ${org.kind} has no units.` }],
    });
  }
  const row: UnitRow = { id: randomUUID(), organisationId, kind: body.kind, name: body.name, places: body.places, createdAt: now, updatedAt: now };
  await db.insert(prisonUnits).values(row);
  return row;
}
