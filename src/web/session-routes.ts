import { OpenAPIHono, z } from '@hono/zod-openapi';
import { audit } from '../audit/audit.js';
import { refusedLocalRoles } from '../auth/local-token.js';
import { ORGANISATION_KINDS, ROLES, rolesValidForKind, type OrganisationKind } from '../domain.js';
import { requestFacts, type AppEnv } from '../http/context.js';
import { notFound } from '../errors.js';
import { AUTHED, json, problems } from '../http/openapi.js';
import { defineRoute } from '../http/route.js';
import { IdParam } from '../organisations/schemas.js';
import { findOrganisation, listOrganisations } from '../organisations/service.js';
import { revokeOrganisationSessions } from './session.js';

const RevokedSchema = z
  .object({
    organisationId: z.uuid(),
    revoked: z.number().int().min(0).openapi({ description: 'How many open web sessions were ended' }),
  })
  .openapi('RevokedSessions');

const revoke = defineRoute('sessions:revoke', {
  method: 'post',
  path: '/organisations/{id}/sessions/revoke',
  tags: ['Registry'],
  summary: 'End every web workspace session of an organisation (admin)',
  description:
    'Signs everyone of the organisation out of the web workspace at once (a lost laptop, a departed employee, a suspected break-in): ' +
    'each session ends on the server, so a saved cookie opens nothing afterwards. Bearer tokens used directly against the API are not ' +
    'sessions: they end at their `exp` (at most AUTH_MAX_TOKEN_LIFETIME_SECONDS) or when the identity provider stops issuing them. Audited.',
  request: { params: IdParam },
  responses: { 200: json(RevokedSchema, 'The sessions ended'), ...problems(...AUTHED, 404, 422) },
});

export const DemoSignInChoicesSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.uuid(),
        name: z.string(),
        kind: z.enum(ORGANISATION_KINDS),
        roles: z.array(z.enum(ROLES)).openapi({ description: 'The roles valid at this kind of organisation, never admin or auditor' }),
      }),
    ),
  })
  .openapi('DemoSignInChoices');

const demoChoices = defineRoute('public', {
  method: 'get',
  path: '/demo/sign-in-choices',
  tags: ['Identity'],
  summary: 'The organisations and roles the demo sign-in offers (demo sign-in only, no token)',
  description:
    'What the web workspace’s demo sign-in page lists: each organisation (the first 200 by name) with the roles valid at its kind. ' +
    'Only while demo sign-in is on (the embedded demo, where that page shows the same list to anyone); otherwise 404. ' +
    'Admin and auditor are never offered: the embedded key does not sign them.',
  responses: { 200: json(DemoSignInChoicesSchema, 'The choices'), ...problems(404, 429) },
});

/** The API routes of the web workspace: revoking an organisation's sessions, and the demo sign-in's choices when it is on. */
export function webSessionRoutes(options: { demoSignIn: boolean }) {
  return new OpenAPIHono<AppEnv>()
    .openapi(demoChoices, async (c) => {
      if (!options.demoSignIn) throw notFound('demo sign-in');
      const { items } = await listOrganisations(c.var.services.db, { limit: 200 });
      const choices = items.map((org) => {
        const kind = org.kind as OrganisationKind;
        return { id: org.id, name: org.name, kind, roles: rolesValidForKind(kind).filter((role) => refusedLocalRoles([role]).length === 0) };
      });
      return c.json({ items: choices }, 200);
    })
    .openapi(revoke, async (c) => {
      const { db } = c.var.services;
      const facts = requestFacts(c);
      const id = c.req.valid('param').id;
      if (!(await findOrganisation(db, id))) throw notFound('organisation');
      const revoked = await db.transaction(async (tx) => {
        const count = await revokeOrganisationSessions(tx, id, facts.now);
        await audit(tx, facts, { action: 'organisation.sessions.revoke', subjectType: 'organisation', subjectId: id, outcome: 'success' });
        return count;
      });
      return c.json({ organisationId: id, revoked }, 200);
    });
}
