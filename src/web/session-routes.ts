import { OpenAPIHono, z } from '@hono/zod-openapi';
import { recordAudit } from '../audit/audit.js';
import type { AppEnv } from '../http/context.js';
import { notFound } from '../errors.js';
import { AUTHED, json, problems } from '../http/openapi.js';
import { defineRoute } from '../http/route.js';
import { IdParam } from '../organisations/schemas.js';
import { findOrganisation } from '../organisations/service.js';
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

export function webSessionRoutes() {
  return new OpenAPIHono<AppEnv>().openapi(revoke, async (c) => {
    const { db, clock } = c.var.services;
    const id = c.req.valid('param').id;
    if (!(await findOrganisation(db, id))) throw notFound('organisation');
    const now = clock.now();
    const revoked = await db.transaction(async (tx) => {
      const count = await revokeOrganisationSessions(tx, id, now);
      await recordAudit(tx, { actor: c.var.actor, action: 'organisation.sessions.revoke', subjectType: 'organisation', subjectId: id, requestId: c.var.requestId, outcome: 'success', at: now });
      return count;
    });
    return c.json({ organisationId: id, revoked }, 200);
  });
}
