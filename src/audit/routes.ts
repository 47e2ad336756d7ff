import { OpenAPIHono, z } from '@hono/zod-openapi';
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { auditCheckpoints, auditEvents, participants } from '../../db/schema.js';
import { qualified } from '../../db/qualified.js';
import { requestFacts, type AppEnv } from '../http/context.js';
import { AUTHED, json, problems } from '../http/openapi.js';
import { pageOf } from '../http/pagination.js';
import { afterKey, decodeCursor, toPage } from '../pagination.js';
import { defineRoute } from '../http/route.js';
import { audit } from './audit.js';
import { verifyAuditTrail } from './verify.js';

const tags = ['Audit'];

export const AuditRowSchema = z
  .object({
    seq: z.number().int(),
    chain: z.string(),
    position: z.number().int(),
    at: z.string(),
    actorSub: z.string(),
    organisationId: z.uuid().nullable(),
    roles: z.array(z.string()),
    action: z.string(),
    subjectType: z.string(),
    subjectId: z.string().nullable().openapi({ description: 'Withheld from auditors when it names a person.' }),
    participantId: z.uuid().nullable().openapi({ description: 'Withheld from auditors.' }),
    dataClasses: z.array(z.string()),
    purpose: z.string().nullable(),
    basis: z.string().nullable(),
    requestId: z.string().nullable(),
    outcome: z.string(),
    hash: z.string(),
  })
  .openapi('AuditRow');

const AuditQuery = z.strictObject({
  action: z.string().max(80).optional(),
  outcome: z.enum(['success', 'denied']).optional(),
  organisationId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

const list = defineRoute('audit:read', {
  method: 'get',
  path: '/audit',
  tags,
  summary: 'The audit trail, newest first: auditors see no person identifiers; a coordinator sees its region’s participants',
  request: { query: AuditQuery },
  responses: { 200: json(pageOf(AuditRowSchema), 'A page of the trail'), ...problems(...AUTHED, 422) },
});

const DenialQuery = z.strictObject({
  participantId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

const denials = defineRoute('audit:denials', {
  method: 'get',
  path: '/audit/denials',
  tags,
  summary: 'Denials (403, out-of-scope 404, events refused for the caller’s part) about the people of the coordinator’s region, newest first',
  request: { query: DenialQuery },
  responses: { 200: json(pageOf(AuditRowSchema), 'A page of denials'), ...problems(...AUTHED, 422) },
});

const ChainReportSchema = z.object({
  chain: z.string(),
  rows: z.number().int(),
  lastPosition: z.number().int(),
  checkpoints: z.number().int(),
  ok: z.boolean(),
  firstBad: z.object({ position: z.number().int(), seq: z.number().int().nullable(), reason: z.string() }).optional(),
});

const verify = defineRoute('audit:read', {
  method: 'get',
  path: '/audit/verify',
  tags,
  summary: 'Verify every hash chain against the signed checkpoints; names the first bad row',
  responses: {
    200: json(
      z.object({ ok: z.boolean(), verifiedAt: z.string(), rows: z.number().int(), chains: z.array(ChainReportSchema), legacyRows: z.number().int() }).openapi('AuditVerification'),
      'The verification report',
    ),
    ...problems(...AUTHED),
  },
});

const checkpoints = defineRoute('audit:read', {
  method: 'get',
  path: '/audit/checkpoints',
  tags,
  summary: 'Signed checkpoints: chain, position and head hash',
  request: { query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(512).optional() }) },
  responses: {
    200: json(
      pageOf(
        z
          .object({ id: z.number().int(), chain: z.string(), position: z.number().int(), headHash: z.string(), at: z.string(), keyId: z.string(), signature: z.string() })
          .openapi('AuditCheckpoint'),
      ),
      'Checkpoints, newest first',
    ),
    ...problems(...AUTHED, 422),
  },
});

/** One row as the list shows it: auditors get no person identifiers. */
function presentRow(row: typeof auditEvents.$inferSelect, isAuditor: boolean) {
  return {
    seq: row.seq,
    chain: row.chain,
    position: row.position,
    at: row.at.toISOString(),
    actorSub: row.actorSub,
    organisationId: row.organisationId,
    roles: row.roles,
    action: row.action,
    subjectType: row.subjectType,
    subjectId: isAuditor && row.subjectType === 'participant' ? null : row.subjectId,
    participantId: isAuditor ? null : row.participantId,
    dataClasses: row.dataClasses,
    purpose: row.purpose,
    basis: row.basis,
    requestId: row.requestId,
    outcome: row.outcome,
    hash: row.hash,
  };
}

export function auditRoutes() {
  return new OpenAPIHono<AppEnv>()
    .openapi(list, async (c) => {
      const { db } = c.var.services;
      const actor = c.var.actor;
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, 1) as [number] | undefined;
      const isAuditor = !actor.roles.includes('coordinator');
      const filters: (SQL | undefined)[] = [
        query.action ? eq(auditEvents.action, query.action) : undefined,
        query.outcome ? eq(auditEvents.outcome, query.outcome) : undefined,
        query.organisationId ? eq(auditEvents.organisationId, query.organisationId) : undefined,
        afterKey('desc', [auditEvents.seq], after),
        // A coordinator oversees its own region: rows about its region's participants, or by its own organisation.
        isAuditor
          ? undefined
          : sql`(${qualified(auditEvents.organisationId)} = ${actor.organisation.id} or exists (select 1 from ${participants} p where p.id = ${qualified(auditEvents.participantId)} and p.region = ${actor.organisation.region}))`,
      ];
      const rows = await db
        .select()
        .from(auditEvents)
        .where(and(...filters))
        .orderBy(desc(auditEvents.seq))
        .limit(query.limit + 1);
      const page = toPage(rows, query.limit, (row) => [row.seq]);
      await audit(db, requestFacts(c), { action: 'audit.read', subjectType: 'audit', outcome: 'success' });
      return c.json(
        {
          items: page.items.map((row) => presentRow(row, isAuditor)),
          nextCursor: page.nextCursor,
        },
        200,
      );
    })
    .openapi(denials, async (c) => {
      const { db } = c.var.services;
      const actor = c.var.actor;
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, 1) as [number] | undefined;
      // A join, not a correlated subquery: the person's region decides, and only the coordinator's own.
      const rows = await db
        .select({ row: auditEvents })
        .from(auditEvents)
        .innerJoin(participants, eq(participants.id, auditEvents.participantId))
        .where(
          and(
            eq(auditEvents.outcome, 'denied'),
            eq(participants.region, actor.organisation.region),
            query.participantId ? eq(auditEvents.participantId, query.participantId) : undefined,
            afterKey('desc', [auditEvents.seq], after),
          ),
        )
        .orderBy(desc(auditEvents.seq))
        .limit(query.limit + 1);
      const page = toPage(rows, query.limit, (item) => [item.row.seq]);
      await audit(db, requestFacts(c), { action: 'audit.denials', subjectType: 'audit', outcome: 'success' });
      return c.json({ items: page.items.map((item) => presentRow(item.row, false)), nextCursor: page.nextCursor }, 200);
    })
    .openapi(verify, async (c) => {
      const { db, clock, auditSigner } = c.var.services;
      return c.json(await verifyAuditTrail(db, auditSigner, clock.now()), 200);
    })
    .openapi(checkpoints, async (c) => {
      const { db } = c.var.services;
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, 1) as [number] | undefined;
      const rows = await db
        .select()
        .from(auditCheckpoints)
        .where(afterKey('desc', [auditCheckpoints.id], after))
        .orderBy(desc(auditCheckpoints.id))
        .limit(query.limit + 1);
      const page = toPage(rows, query.limit, (row) => [row.id]);
      return c.json({ items: page.items.map((row) => ({ ...row, at: row.at.toISOString() })), nextCursor: page.nextCursor }, 200);
    });
}
