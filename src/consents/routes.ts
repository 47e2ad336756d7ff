import { OpenAPIHono, z } from '@hono/zod-openapi';
import { requestFacts, type AppEnv } from '../http/context.js';
import { AUTHED, json, jsonBody, problems } from '../http/openapi.js';
import { defineRoute } from '../http/route.js';
import { IdParam } from '../organisations/schemas.js';
import { ConsentSchema, RecordConsentSchema, RevokeConsentSchema } from './schemas.js';
import { listConsents, recordConsent, revokeConsent } from './service.js';

const tags = ['Consents'];

const record = defineRoute('consents:record', {
  method: 'post',
  path: '/participants/{id}/consents',
  tags,
  summary: 'Record a sharing consent (a party of one of the person’s cases, or the record owner)',
  request: { params: IdParam, body: jsonBody(RecordConsentSchema) },
  responses: { 201: json(ConsentSchema, 'The consent'), ...problems(...AUTHED, 400, 404, 413, 422) },
});

const list = defineRoute('consents:read', {
  method: 'get',
  path: '/participants/{id}/consents',
  tags,
  summary: 'The person’s sharing consents, revoked ones included',
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

export function consentRoutes() {
  return new OpenAPIHono<AppEnv>()
    .openapi(record, async (c) => c.json(await recordConsent(c.var.services.db, requestFacts(c), c.req.valid('param').id, c.req.valid('json')), 201))
    .openapi(list, async (c) => c.json(await listConsents(c.var.services.db, requestFacts(c), c.req.valid('param').id), 200))
    .openapi(revoke, async (c) => c.json(await revokeConsent(c.var.services.db, requestFacts(c), c.req.valid('param').id, c.req.valid('json').reason), 200));
}
