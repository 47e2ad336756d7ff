import { OpenAPIHono, z } from '@hono/zod-openapi';
import { requestFacts, type AppEnv } from '../http/context.js';
import { AUTHED, json, jsonBody, problems } from '../http/openapi.js';
import { defineRoute } from '../http/route.js';
import { IdParam } from '../organisations/schemas.js';
import { ConsentSchema, RecordConsentSchema, RevokeConsentSchema, VoidConsentSchema } from './schemas.js';
import { confirmConsent, listConsents, recordConsent, revokeConsent, voidConsent } from './service.js';

const tags = ['Consents'];

const record = defineRoute('consents:record', {
  method: 'post',
  path: '/participants/{id}/consents',
  tags,
  summary:
    'Record a sharing consent (a party of one of the person’s cases, or the record owner). Recorded by the organisation it names, it is a proposal: `pending`, disclosing nothing until the case owner or the record owner confirms it. The case owners and the record owner are told.',
  request: { params: IdParam, body: jsonBody(RecordConsentSchema) },
  responses: { 201: json(ConsentSchema, 'The consent'), ...problems(...AUTHED, 400, 404, 409, 413, 422) },
});

const list = defineRoute('consents:read', {
  method: 'get',
  path: '/participants/{id}/consents',
  tags,
  summary: 'The person’s sharing consents with their status (pending, scheduled, valid, expired, revoked, voided) and who recorded, proposed, confirmed, revoked or voided each',
  request: { params: IdParam },
  responses: { 200: json(z.object({ items: z.array(ConsentSchema) }), 'The consents'), ...problems(...AUTHED, 404, 422) },
});

const revoke = defineRoute('consents:revoke', {
  method: 'post',
  path: '/consents/{id}/revoke',
  tags,
  summary: 'Revoke a consent; effective for the very next request (409 for a criminal-justice consent before the order ends)',
  request: { params: IdParam, body: jsonBody(RevokeConsentSchema) },
  responses: { 200: json(ConsentSchema, 'The revoked consent'), ...problems(...AUTHED, 400, 404, 409, 413, 422) },
});

const confirm = defineRoute('consents:attest', {
  method: 'post',
  path: '/consents/{id}/confirm',
  tags,
  summary: 'Confirm a pending proposal (the owner of a case it concerns or the record owner, never the organisation it names); it is valid from now',
  request: { params: IdParam },
  responses: { 200: json(ConsentSchema, 'The confirmed consent'), ...problems(...AUTHED, 404, 409, 422) },
});

const voidIt = defineRoute('consents:attest', {
  method: 'post',
  path: '/consents/{id}/void',
  tags,
  summary: 'Void a consent recorded in error, with a reason (the owner of a case it concerns or the record owner); not a revocation, so allowed on a criminal-justice consent',
  request: { params: IdParam, body: jsonBody(VoidConsentSchema) },
  responses: { 200: json(ConsentSchema, 'The voided consent'), ...problems(...AUTHED, 400, 404, 409, 413, 422) },
});

export function consentRoutes() {
  return new OpenAPIHono<AppEnv>()
    .openapi(record, async (c) => c.json(await recordConsent(c.var.services.db, requestFacts(c), c.req.valid('param').id, c.req.valid('json')), 201))
    .openapi(list, async (c) => c.json(await listConsents(c.var.services.db, requestFacts(c), c.req.valid('param').id), 200))
    .openapi(revoke, async (c) => c.json(await revokeConsent(c.var.services.db, requestFacts(c), c.req.valid('param').id, c.req.valid('json').reason), 200))
    .openapi(confirm, async (c) => c.json(await confirmConsent(c.var.services.db, requestFacts(c), c.req.valid('param').id), 200))
    .openapi(voidIt, async (c) => c.json(await voidConsent(c.var.services.db, requestFacts(c), c.req.valid('param').id, c.req.valid('json').reason), 200));
}
