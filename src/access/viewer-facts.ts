import { sql, type SQL } from 'drizzle-orm';
import { qualified } from '../../db/qualified.js';
import { breakGlassGrants, caseParties, cases, consents } from '../../db/schema.js';
import { inForceAnyDay, type ConsentDates } from './consents.js';
import type { ViewerPart } from './policy.js';

/*
 * What the access policy needs to know of one person for one viewer organisation, as SQL
 * expressions correlated on the person's id: a query that loads people (a case, a page of a
 * search) reads them in the same statement, and `discloseFrom` (policy.ts) decides from them.
 * Each value may be a bound value or a `sql.placeholder` of a prepared statement; `participantId`
 * is a qualified column of the outer query (db/qualified.ts).
 */

/**
 * The viewer's parts in the person's cases, open or closed after `windowStart` (rule 1), as a json
 * array of `{protocol, part}`. Each case's parties are a fenced lateral lookup (`offset 0`), so
 * PostgreSQL plans two one-table scans instead of costing every way of joining the two tables
 * whenever it plans the statement (as it does for each name searched); the plan it runs is the
 * same nested loop.
 */
export const viewerPartsOf = (participantId: SQL, organisationId: SQL, windowStart: SQL): SQL<ViewerPart[]> =>
  sql<ViewerPart[]>`coalesce((select json_agg(json_build_object('protocol', vc.protocol, 'part', vp.part))
    from ${cases} vc cross join lateral (select cp.part from ${caseParties} cp where cp.case_id = vc.id and cp.organisation_id = ${organisationId} offset 0) vp
    where vc.participant_id = ${participantId} and (vc.closed_at is null or vc.closed_at > ${windowStart})), '[]'::json)`;

/**
 * The person's consents in force whatever their dates (`inForceAnyDay`), of every organisation or
 * only of `organisationId`, as a json array: the caller applies the dates in the record owner's
 * zone (`inForceOn`). Read fresh with what needs them: a revocation applies to the next read.
 */
export const consentsOf = (participantId: SQL, organisationId?: SQL): SQL<ConsentDates[]> =>
  sql<ConsentDates[]>`coalesce((select json_agg(json_build_object('organisationId', ${qualified(consents.organisationId)},
    'dataClasses', ${qualified(consents.dataClasses)}, 'validFrom', ${qualified(consents.validFrom)}, 'validUntil', ${qualified(consents.validUntil)}))
    from ${consents} where ${qualified(consents.participantId)} = ${participantId}
      ${organisationId ? sql`and ${qualified(consents.organisationId)} = ${organisationId}` : sql``} and ${inForceAnyDay()}), '[]'::json)`;

/** Whether the viewer holds a live break-glass grant on the person (rule 4). */
export const viewerGlassOf = (participantId: SQL, organisationId: SQL, now: SQL): SQL<boolean> =>
  sql<boolean>`exists (select 1 from ${breakGlassGrants} bg where bg.participant_id = ${participantId}
    and bg.organisation_id = ${organisationId} and bg.expires_at > ${now})`;
