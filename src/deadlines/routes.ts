import { OpenAPIHono, z } from '@hono/zod-openapi';
import { and, asc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import { cases, deadlines, participants } from '../../db/schema.js';
import { protocolById } from '../../protocols/index.js';
import type { AppEnv } from '../http/context.js';
import { AUTHED, json, problems } from '../http/openapi.js';
import { decodeCursor, pageOf, toPage } from '../http/pagination.js';
import { defineRoute } from '../http/route.js';

const DeadlineSchema = z
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
  before: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Only what is due before this time.' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

/** Titles of immediate alerts (the scheduled rules carry theirs in the protocol data). */
const ALERT_TITLES: Record<string, { en: string; ru: string }> = {
  possible_breach: { en: 'Possible breach: two positive or missed tests within 30 days', ru: 'Возможное нарушение: два положительных или пропущенных теста за 30 дней' },
  released_without_plan: { en: 'Released without an agreed plan', ru: 'Освобождён без согласованного плана' },
  relapse: { en: 'Relapse recorded at the halfway house', ru: 'Рецидив в доме на полпути' },
  place_freed: { en: 'A unit place is free for the longest-waiting person', ru: 'Освободилось место для ожидающего дольше всех' },
  possible_duplicate: { en: 'Possible duplicate registration of a person', ru: 'Возможная повторная регистрация лица' },
  break_glass: { en: 'Emergency access to a case (break-glass) by the regional coordinator', ru: 'Экстренный доступ координатора к делу' },
  consent_expiring: { en: 'A sharing consent expires within 14 days', ru: 'Согласие на передачу данных истекает через 14 дней' },
};

const list = defineRoute('deadlines:read', {
  method: 'get',
  path: '/deadlines',
  tags: ['Deadlines'],
  summary: 'Your organisation’s work queue: what is due from it, and when',
  request: { query: DeadlineQuery },
  responses: { 200: json(pageOf(DeadlineSchema), 'A page of deadlines, soonest first'), ...problems(...AUTHED, 422) },
});

export function deadlineRoutes() {
  return new OpenAPIHono<AppEnv>().openapi(list, async (c) => {
    const { db, clock } = c.var.services;
    const query = c.req.valid('query');
    const now = clock.now();
    const after = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    const filters: (SQL | undefined)[] = [
      // The work still due: deadlines open or notified; alerts until the tick delivers them to the inbox.
      sql`(${deadlines.status} = 'open' or (${deadlines.status} = 'fired' and ${deadlines.kind} <> 'alert'))`,
      sql`${deadlines.concerns} @> ARRAY[${c.var.actor.organisation.id}]::uuid[]`,
      query.status === 'overdue' ? lt(deadlines.dueAt, now) : undefined,
      query.before ? lt(deadlines.dueAt, new Date(query.before)) : undefined,
      after ? or(gt(deadlines.dueAt, new Date(after[0])), and(eq(deadlines.dueAt, new Date(after[0])), gt(deadlines.id, after[1]))) : undefined,
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
          title: (protocol ? protocolById(protocol)?.deadlines[deadline.rule]?.title : undefined) ?? ALERT_TITLES[deadline.rule] ?? { en: deadline.rule, ru: deadline.rule },
          dueAt: deadline.dueAt.toISOString(),
          overdue: deadline.dueAt.getTime() < now.getTime(),
        })),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });
}
