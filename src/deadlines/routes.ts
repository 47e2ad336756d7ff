import { OpenAPIHono, z } from '@hono/zod-openapi';
import { and, asc, eq, lt, sql, type SQL } from 'drizzle-orm';
import { cases, deadlines, notifications, participants } from '../../db/schema.js';
import { qualified } from '../../db/qualified.js';
import { titleOf } from '../../notifications/templates.js';
import { ADMINS_QUEUE } from '../../protocols/model.js';
import type { AppEnv } from '../http/context.js';
import { AUTHED, json, problems } from '../http/openapi.js';
import { pageOf } from '../http/pagination.js';
import { afterKey, decodeTimeCursor, toPage } from '../pagination.js';
import { defineRoute } from '../http/route.js';

export const DeadlineSchema = z
  .object({
    id: z.uuid(),
    caseId: z.uuid().nullable(),
    protocol: z.string().nullable(),
    participantReference: z.string(),
    rule: z.string(),
    kind: z.enum(['reminder', 'deadline', 'escalation', 'alert']),
    title: z.object({ en: z.string(), ru: z.string() }),
    dueAt: z.string(),
    overdue: z.boolean(),
  })
  .openapi('Deadline');

const DeadlineQuery = z.strictObject({
  status: z.enum(['open', 'overdue']).default('open').openapi({ description: '`open`: everything not yet handled; `overdue`: due before now.' }),
  before: z.iso.datetime({ offset: true }).max(40).optional().openapi({ description: 'Only what is due before this time.' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

const list = defineRoute('deadlines:read', {
  method: 'get',
  path: '/deadlines',
  tags: ['Deadlines'],
  summary: 'Your organisation’s work queue: what is due from it, and when (an admin also holds the admins’ queue: escalations of regions without a coordinator)',
  request: { query: DeadlineQuery },
  responses: { 200: json(pageOf(DeadlineSchema), 'A page of deadlines, soonest first'), ...problems(...AUTHED, 422) },
});

export function deadlineRoutes() {
  return new OpenAPIHono<AppEnv>().openapi(list, async (c) => {
    const { db, clock } = c.var.services;
    const query = c.req.valid('query');
    const now = clock.now();
    const after = decodeTimeCursor(query.cursor, 'uuid');
    // An admin also holds the admins' queue: what would go to the coordinator of a region that has none.
    const admin = c.var.actor.roles.includes('admin');
    const queues = admin ? [c.var.actor.organisation.id, ADMINS_QUEUE] : [c.var.actor.organisation.id];
    const unreadAlert = sql`exists (select 1 from ${notifications} n where n.deadline_id = ${qualified(deadlines.id)} and n.organisation_id = ${c.var.actor.organisation.id} and n.read_at is null)`;
    const filters: (SQL | undefined)[] = [
      // The work still due: deadlines open or notified; an alert until the organisation has read it in its
      // inbox (a missing person stays in the NGO's and probation's queues until each marks it read).
      // The admins' queue has no inbox: its alerts stay listed while their case is open.
      sql`(${deadlines.status} = 'open' or (${deadlines.status} = 'fired' and (${deadlines.kind} <> 'alert' or ${unreadAlert}${
        admin ? sql` or (${deadlines.concerns} @> ARRAY[${ADMINS_QUEUE}]::uuid[] and ${cases.closedAt} is null)` : sql``
      })))`,
      sql`${deadlines.concerns} && ARRAY[${sql.join(
        queues.map((id) => sql`${id}`),
        sql`, `,
      )}]::uuid[]`,
      query.status === 'overdue' ? lt(deadlines.dueAt, now) : undefined,
      query.before ? lt(deadlines.dueAt, new Date(query.before)) : undefined,
      afterKey('asc', [deadlines.dueAt, deadlines.id], after),
    ];
    const rows = await db
      .select({ deadline: deadlines, protocol: cases.protocol, reference: participants.referenceCode })
      .from(deadlines)
      .leftJoin(cases, eq(cases.id, deadlines.caseId))
      .innerJoin(participants, eq(participants.id, deadlines.participantId))
      .where(and(...filters))
      .orderBy(asc(deadlines.dueAt), asc(deadlines.id))
      .limit(query.limit + 1);
    const page = toPage(rows, query.limit, (row) => [row.deadline.dueAt.toISOString(), row.deadline.id]);
    return c.json(
      {
        items: page.items.map(({ deadline, protocol, reference }) => ({
          id: deadline.id,
          caseId: deadline.caseId,
          protocol,
          participantReference: reference,
          rule: deadline.rule,
          kind: deadline.kind as 'reminder' | 'deadline' | 'escalation' | 'alert',
          title: titleOf(protocol, deadline.rule),
          dueAt: deadline.dueAt.toISOString(),
          overdue: deadline.dueAt.getTime() < now.getTime(),
        })),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });
}
