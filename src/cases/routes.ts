import { OpenAPIHono, z } from '@hono/zod-openapi';
import { requestFacts, type AppEnv } from '../http/context.js';
import { AUTHED, json, jsonBody, problems } from '../http/openapi.js';
import { pageOf } from '../http/pagination.js';
import { defineRoute } from '../http/route.js';
import { IdParam } from '../organisations/schemas.js';
import { AssignmentSchema, AssignSchema, BreakGlassCaseSchema, CaseListQuery, CaseSchema, EventSchema, HistoryEventSchema, OpenCaseSchema, PageQuery } from './schemas.js';
import { assignCase } from './assignees.js';
import { breakGlass, breakGlassCases } from './break-glass.js';
import { caseHistory, listCases, openCase, readCase, recordEvent } from './service.js';

const tags = ['Cases'];

const openRoute = defineRoute('cases:open', {
  method: 'post',
  path: '/cases',
  tags,
  summary: 'Open a case (the protocol’s opening role; your organisation is the owner)',
  request: { body: jsonBody(OpenCaseSchema) },
  responses: { 201: json(CaseSchema, 'The case'), ...problems(...AUTHED, 400, 413, 422) },
});

const list = defineRoute('cases:read', {
  method: 'get',
  path: '/cases',
  tags,
  summary: 'Cases your organisation is a party to',
  request: { query: CaseListQuery },
  responses: { 200: json(pageOf(CaseSchema), 'A page of cases'), ...problems(...AUTHED, 422) },
});

const read = defineRoute('cases:read', {
  method: 'get',
  path: '/cases/{id}',
  tags,
  summary: 'A case, with the events you may send now',
  request: { params: IdParam },
  responses: { 200: json(CaseSchema, 'The case'), ...problems(...AUTHED, 404, 422) },
});

const event = defineRoute('cases:event', {
  method: 'post',
  path: '/cases/{id}/events',
  tags,
  summary: 'Send an event: a transition or an observation (the server derives the state)',
  request: { params: IdParam, body: jsonBody(EventSchema) },
  responses: {
    201: json(z.object({ event: HistoryEventSchema, case: CaseSchema }), 'The recorded event and the case after it'),
    ...problems(...AUTHED, 400, 404, 409, 413, 422),
  },
});

const history = defineRoute('cases:read', {
  method: 'get',
  path: '/cases/{id}/events',
  tags,
  summary: 'The case history',
  request: { params: IdParam, query: PageQuery },
  responses: { 200: json(pageOf(HistoryEventSchema), 'A page of the history'), ...problems(...AUTHED, 404, 422) },
});

const breakGlassRoute = defineRoute('cases:break-glass', {
  method: 'post',
  path: '/cases/{id}/break-glass',
  tags,
  summary: 'Emergency access: the region’s coordinator gives a written reason and sees the case’s participant for 4 hours (audited; the owner is told)',
  request: { params: IdParam, body: jsonBody(z.strictObject({ reason: z.string().trim().min(10).max(2000) }).openapi('BreakGlass')) },
  responses: {
    201: json(
      z.object({ id: z.uuid(), caseId: z.uuid(), participantId: z.uuid(), reason: z.string(), grantedAt: z.string(), expiresAt: z.string() }).openapi('BreakGlassGrant'),
      'The grant',
    ),
    ...problems(...AUTHED, 400, 404, 409, 413, 422),
  },
});

const breakGlassCasesRoute = defineRoute('cases:break-glass', {
  method: 'get',
  path: '/participants/{id}/break-glass-cases',
  tags,
  summary: 'A person of your region’s cases (id, protocol, state, dates; no data), to choose the one to break the glass on: the region’s coordinator only (audited)',
  request: { params: IdParam },
  responses: {
    200: json(
      z.object({
        items: z.array(BreakGlassCaseSchema),
      }),
      'The person’s cases, newest first (at most 200)',
    ),
    ...problems(...AUTHED, 404, 422),
  },
});

const assign = defineRoute('cases:assign', {
  method: 'put',
  path: '/cases/{id}/assignee',
  tags,
  summary: 'Name one of your organisation’s caseworkers on a case your organisation is on (audited)',
  request: { params: IdParam, body: jsonBody(AssignSchema) },
  responses: { 200: json(AssignmentSchema, 'Your organisation’s caseworker on the case'), ...problems(...AUTHED, 400, 404, 413, 422) },
});

const unassign = defineRoute('cases:assign', {
  method: 'delete',
  path: '/cases/{id}/assignee',
  tags,
  summary: 'Clear your organisation’s caseworker on a case (audited)',
  request: { params: IdParam },
  responses: { 200: json(AssignmentSchema, 'No caseworker of yours on the case'), ...problems(...AUTHED, 404, 422) },
});

export function caseRoutes() {
  return new OpenAPIHono<AppEnv>()
    .openapi(openRoute, async (c) => c.json(await openCase(c.var.services.db, requestFacts(c), c.req.valid('json')), 201))
    .openapi(list, async (c) => c.json(await listCases(c.var.services.db, requestFacts(c), c.req.valid('query')), 200))
    .openapi(read, async (c) => c.json(await readCase(c.var.services.db, requestFacts(c), c.req.valid('param').id), 200))
    .openapi(event, async (c) => c.json(await recordEvent(c.var.services.db, requestFacts(c), c.req.valid('param').id, c.req.valid('json')), 201))
    .openapi(history, async (c) => c.json(await caseHistory(c.var.services.db, requestFacts(c), c.req.valid('param').id, c.req.valid('query')), 200))
    .openapi(assign, async (c) => c.json(await assignCase(c.var.services.db, requestFacts(c), c.req.valid('param').id, c.req.valid('json').sub), 200))
    .openapi(unassign, async (c) => c.json(await assignCase(c.var.services.db, requestFacts(c), c.req.valid('param').id, null), 200))
    .openapi(breakGlassCasesRoute, async (c) => c.json(await breakGlassCases(c.var.services.db, requestFacts(c), c.req.valid('param').id), 200))
    .openapi(breakGlassRoute, async (c) => c.json(await breakGlass(c.var.services.db, requestFacts(c), c.req.valid('param').id, c.req.valid('json').reason), 201));
}
