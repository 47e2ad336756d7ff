import { OpenAPIHono, z } from '@hono/zod-openapi';
import { and, desc, eq, inArray, isNull, type SQL } from 'drizzle-orm';
import { cases, deadlines, notifications, organisations, outbox } from '../../db/schema.js';
import { titleOf } from '../../notifications/templates.js';
import type { Executor } from '../../db/client.js';
import { audit } from '../audit/audit.js';
import { requestFacts, type AppEnv } from '../http/context.js';
import { AppError, notFound } from '../errors.js';
import { AUTHED, json, problems } from '../http/openapi.js';
import { pageOf } from '../http/pagination.js';
import { afterKey, decodeTimeCursor, toPage } from '../pagination.js';
import { defineRoute } from '../http/route.js';
import { IdParam } from '../organisations/schemas.js';

export const NotificationSchema = z
  .object({
    id: z.uuid(),
    rule: z.string(),
    kind: z.string(),
    caseId: z.uuid().nullable(),
    protocol: z.string().nullable().openapi({ description: 'The protocol of the notice’s case, if it has one.' }),
    participantReference: z.string(),
    title: z.object({ en: z.string(), ru: z.string() }).openapi({ description: 'What the notice is about, as GET /deadlines names it.' }),
    dueAt: z
      .string()
      .nullable()
      .openapi({ description: 'When the deadline the notice is about falls due (an alert: when its event raised it); null for a notice of no deadline.' }),
    subject: z.string(),
    text: z.string(),
    link: z.string().nullable(),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi('Notification');

const OutboxSchema = z
  .object({
    id: z.uuid(),
    organisationId: z.uuid(),
    rule: z.string(),
    locale: z.string(),
    to: z.array(z.string()),
    subject: z.string(),
    messageId: z.string(),
    status: z.enum(['pending', 'sending', 'sent', 'dead']),
    attempts: z.number().int(),
    nextAttemptAt: z.string(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .openapi('OutboxMessage');

const inbox = defineRoute('notifications:read', {
  method: 'get',
  path: '/notifications',
  tags: ['Notifications'],
  summary: 'Your organisation’s inbox, newest first',
  request: {
    query: z.strictObject({ unread: z.enum(['true', 'false']).optional(), limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(512).optional() }),
  },
  responses: { 200: json(pageOf(NotificationSchema), 'A page of notifications'), ...problems(...AUTHED, 422) },
});

const markRead = defineRoute('notifications:read', {
  method: 'post',
  path: '/notifications/{id}/read',
  tags: ['Notifications'],
  summary: 'Mark a notification of your organisation read',
  request: { params: IdParam },
  responses: { 200: json(NotificationSchema, 'The notification'), ...problems(...AUTHED, 404, 422) },
});

const listOutbox = defineRoute('outbox:manage', {
  method: 'get',
  path: '/outbox',
  tags: ['Notifications'],
  summary: 'Outgoing messages by status (dead letters by default); a coordinator sees its region’s',
  request: {
    query: z.strictObject({
      status: z.enum(['dead', 'pending', 'sending', 'sent']).default('dead'),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(512).optional(),
    }),
  },
  responses: { 200: json(pageOf(OutboxSchema), 'A page of messages'), ...problems(...AUTHED, 422) },
});

const requeue = defineRoute('outbox:manage', {
  method: 'post',
  path: '/outbox/{id}/requeue',
  tags: ['Notifications'],
  summary: 'Send a dead-lettered message again',
  request: { params: IdParam },
  responses: { 200: json(OutboxSchema, 'The message, pending again'), ...problems(...AUTHED, 404, 409, 422) },
});

type OutboxRow = typeof outbox.$inferSelect;
const presentOutbox = (row: OutboxRow) => ({
  id: row.id,
  organisationId: row.organisationId,
  rule: row.rule,
  locale: row.locale,
  to: row.toAddresses,
  subject: row.subject,
  messageId: row.messageId,
  status: row.status as 'pending',
  attempts: row.attempts,
  nextAttemptAt: row.nextAttemptAt.toISOString(),
  lastError: row.lastError,
  createdAt: row.createdAt.toISOString(),
  sentAt: row.sentAt?.toISOString() ?? null,
});
type NotificationRow = typeof notifications.$inferSelect;
/** A notice with its case's protocol and its deadline's due time, so that a reader names it in any language (`title`). */
const presentNotification = ({ row, protocol, dueAt }: { row: NotificationRow; protocol: string | null; dueAt: Date | null }) => ({
  id: row.id,
  rule: row.rule,
  kind: row.kind,
  caseId: row.caseId,
  protocol,
  participantReference: row.participantReference,
  title: titleOf(protocol, row.rule),
  dueAt: dueAt?.toISOString() ?? null,
  subject: row.subject,
  text: row.text,
  link: row.link,
  createdAt: row.createdAt.toISOString(),
  readAt: row.readAt?.toISOString() ?? null,
});

/** Notices with their case's protocol and their deadline's due time (either may be absent). */
const noticesInContext = (db: Executor) =>
  db
    .select({ row: notifications, protocol: cases.protocol, dueAt: deadlines.dueAt })
    .from(notifications)
    .leftJoin(cases, eq(cases.id, notifications.caseId))
    .leftJoin(deadlines, eq(deadlines.id, notifications.deadlineId));

export function notificationRoutes() {
  return new OpenAPIHono<AppEnv>()
    .openapi(inbox, async (c) => {
      const { db } = c.var.services;
      const query = c.req.valid('query');
      const after = decodeTimeCursor(query.cursor, 'uuid');
      const filters: (SQL | undefined)[] = [
        eq(notifications.organisationId, c.var.actor.organisation.id),
        query.unread === 'true' ? isNull(notifications.readAt) : undefined,
        afterKey('desc', [notifications.createdAt, notifications.id], after),
      ];
      const rows = await noticesInContext(db)
        .where(and(...filters))
        .orderBy(desc(notifications.createdAt), desc(notifications.id))
        .limit(query.limit + 1);
      const page = toPage(rows, query.limit, ({ row }) => [row.createdAt.toISOString(), row.id]);
      return c.json({ items: page.items.map(presentNotification), nextCursor: page.nextCursor }, 200);
    })
    .openapi(markRead, async (c) => {
      const { db, clock } = c.var.services;
      const [row] = await db
        .update(notifications)
        .set({ readAt: clock.now(), readBySub: c.var.actor.sub })
        .where(and(eq(notifications.id, c.req.valid('param').id), eq(notifications.organisationId, c.var.actor.organisation.id)))
        .returning({ id: notifications.id });
      if (!row) {
        // Another organisation's notice is out of scope: a denial, audited with its person when it has a case.
        const [other] = await db
          .select({ id: notifications.id, participantId: cases.participantId })
          .from(notifications)
          .leftJoin(cases, eq(cases.id, notifications.caseId))
          .where(eq(notifications.id, c.req.valid('param').id));
        if (other)
          await audit(db, requestFacts(c), {
            action: 'notification.read',
            subjectType: 'notification',
            subjectId: other.id,
            participantId: other.participantId ?? undefined,
            outcome: 'denied',
          });
        throw notFound('notification');
      }
      const [read] = await noticesInContext(db).where(eq(notifications.id, row.id));
      return c.json(presentNotification(read!), 200);
    })
    .openapi(listOutbox, async (c) => {
      const { db } = c.var.services;
      const query = c.req.valid('query');
      const after = decodeTimeCursor(query.cursor, 'uuid');
      const region = c.var.actor.roles.includes('admin') ? undefined : c.var.actor.organisation.region;
      const regional = region ? db.select({ id: organisations.id }).from(organisations).where(eq(organisations.region, region)) : undefined;
      const filters: (SQL | undefined)[] = [
        eq(outbox.status, query.status),
        regional ? inArray(outbox.organisationId, regional) : undefined,
        afterKey('desc', [outbox.createdAt, outbox.id], after),
      ];
      const rows = await db
        .select()
        .from(outbox)
        .where(and(...filters))
        .orderBy(desc(outbox.createdAt), desc(outbox.id))
        .limit(query.limit + 1);
      const page = toPage(rows, query.limit, (row) => [row.createdAt.toISOString(), row.id]);
      return c.json({ items: page.items.map(presentOutbox), nextCursor: page.nextCursor }, 200);
    })
    .openapi(requeue, async (c) => {
      const { db, clock } = c.var.services;
      const id = c.req.valid('param').id;
      const [row] = await db
        .select({ message: outbox, region: organisations.region })
        .from(outbox)
        .innerJoin(organisations, eq(organisations.id, outbox.organisationId))
        .where(eq(outbox.id, id));
      if (!row || (!c.var.actor.roles.includes('admin') && row.region !== c.var.actor.organisation.region)) {
        // Another region's message is out of scope: a denial, audited.
        if (row) await audit(db, requestFacts(c), { action: 'outbox.requeue', subjectType: 'outbox', subjectId: id, outcome: 'denied' });
        throw notFound('message');
      }
      if (row.message.status !== 'dead') throw new AppError('CONFLICT', `Only dead-lettered messages are requeued; this one is ${row.message.status}.`);
      const [updated] = await db
        .update(outbox)
        .set({ status: 'pending', attempts: 0, nextAttemptAt: clock.now(), lastError: null, updatedAt: clock.now() })
        .where(and(eq(outbox.id, id), eq(outbox.status, 'dead')))
        .returning();
      if (!updated) throw new AppError('CONFLICT', 'The message changed meanwhile; read it again.');
      return c.json(presentOutbox(updated), 200);
    });
}
