import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ROLES } from '../domain.js';
import { requestFacts, type AppEnv } from '../http/context.js';
import { AUTHED, json, problems } from '../http/openapi.js';
import { pageOf, paginationQuery } from '../http/pagination.js';
import { defineRoute } from '../http/route.js';
import { listCaseworkers } from './directory.js';

export const CaseworkerSchema = z
  .object({
    sub: z.string().openapi({ description: 'The token subject: what PUT /cases/{id}/assignee takes.' }),
    name: z.string().nullable().openapi({ description: 'The `name` claim of their last token, if it had one.' }),
    roles: z.array(z.enum(ROLES)),
    lastSeenAt: z.string(),
  })
  .openapi('Caseworker');

const list = defineRoute('caseworkers:read', {
  method: 'get',
  path: '/caseworkers',
  tags: ['Cases'],
  summary: 'Your organisation’s caseworkers: the people the service has seen with a token for it, in a role that works with people',
  request: { query: z.strictObject(paginationQuery) },
  responses: { 200: json(pageOf(CaseworkerSchema), 'A page of caseworkers, by name'), ...problems(...AUTHED, 422) },
});

export function staffRoutes() {
  return new OpenAPIHono<AppEnv>().openapi(list, async (c) => {
    const facts = requestFacts(c);
    return c.json(await listCaseworkers(c.var.services.db, facts.actor.organisation.id, c.req.valid('query')), 200);
  });
}
