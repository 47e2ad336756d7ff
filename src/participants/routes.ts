import { OpenAPIHono, z } from '@hono/zod-openapi';
import { requestFacts, type AppEnv } from '../http/context.js';
import { AUTHED, json, jsonBody, ProblemSchema, problems } from '../http/openapi.js';
import { pageOf } from '../http/pagination.js';
import { defineRoute } from '../http/route.js';
import { IdParam } from '../organisations/schemas.js';
import {
  CorrectParticipantSchema,
  ParticipantFindSchema,
  ParticipantFoundSchema,
  ParticipantSchema,
  ParticipantSearchQuery,
  PossibleDuplicateSchema,
  RegisterParticipantSchema,
} from './schemas.js';
import { findParticipants } from './search.js';
import { DISCLOSURES_PAGE_CSP, disclosuresPage, listDisclosures } from './disclosures.js';
import { correctParticipant, readParticipant, registerParticipant, searchParticipants } from './service.js';

const tags = ['Participants'];

const register = defineRoute('participants:register', {
  method: 'post',
  path: '/participants',
  tags,
  summary: 'Register a person; your organisation becomes the record owner',
  request: { body: jsonBody(RegisterParticipantSchema) },
  responses: {
    201: json(ParticipantSchema, 'The participant as you may see them'),
    ...problems(...AUTHED, 400, 413, 422),
    409: {
      description: 'Possible duplicate: someone whose identity you see has this national id (nothing was written)',
      content: {
        'application/problem+json': { schema: ProblemSchema.extend({ possibleDuplicates: z.array(PossibleDuplicateSchema) }).openapi('PossibleDuplicateProblem') },
      },
    },
  },
});

const find = defineRoute('participants:read', {
  method: 'post',
  path: '/participants/search',
  tags,
  summary: 'Find people you may see by name, date of birth, national id or reference code (a body, so names and ids stay out of URLs; audited)',
  request: { body: jsonBody(ParticipantFindSchema) },
  responses: { 200: json(pageOf(ParticipantFoundSchema), 'A page of the people found, by name'), ...problems(...AUTHED, 400, 413, 422) },
});

const search = defineRoute('participants:read', {
  method: 'get',
  path: '/participants',
  tags,
  summary: 'Find a participant by reference code (only those you may see)',
  request: { query: ParticipantSearchQuery },
  responses: { 200: json(pageOf(ParticipantSchema), 'Matching participants you may see'), ...problems(...AUTHED, 422) },
});

const read = defineRoute('participants:read', {
  method: 'get',
  path: '/participants/{id}',
  tags,
  summary: 'Read a participant, with only the data classes disclosed to you',
  request: { params: IdParam },
  responses: { 200: json(ParticipantSchema, 'The participant as you may see them'), ...problems(...AUTHED, 404, 422) },
});

const correct = defineRoute('participants:correct', {
  method: 'patch',
  path: '/participants/{id}',
  tags,
  summary: 'Correct a participant’s data (audited)',
  request: { params: IdParam, body: jsonBody(CorrectParticipantSchema) },
  responses: { 200: json(ParticipantSchema, 'The participant as you may see them'), ...problems(...AUTHED, 400, 404, 409, 413, 422) },
});

const DisclosureSchema = z
  .object({
    participant: z.object({ id: z.uuid(), referenceCode: z.string() }),
    generatedAt: z.string(),
    items: z.array(
      z.object({
        at: z.string(),
        organisation: z.object({ id: z.uuid().nullable(), name: z.string().nullable() }),
        roles: z.array(z.string()),
        action: z.string(),
        dataClasses: z.array(z.string()),
        purpose: z.string().nullable(),
        basis: z.string().nullable(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi('Disclosures');

const disclosures = defineRoute('disclosures:read', {
  method: 'get',
  path: '/participants/{id}/disclosures',
  tags,
  summary: 'Every disclosure of this person’s data (record owner, region’s coordinator); `?format=html` for a printable page',
  request: {
    params: IdParam,
    query: z.strictObject({
      format: z.enum(['json', 'html']).default('json'),
      // A list like the others: pages of JSON; the printable page shows every disclosure.
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(512).optional(),
    }),
  },
  responses: {
    200: { description: 'The accounting of disclosures', content: { 'application/json': { schema: DisclosureSchema }, 'text/html': { schema: z.string() } } },
    ...problems(...AUTHED, 404, 422),
  },
});

export function participantRoutes() {
  return new OpenAPIHono<AppEnv>()
    .openapi(register, async (c) => {
      const { db, nationalIdKey } = c.var.services;
      return c.json(await registerParticipant(db, requestFacts(c), nationalIdKey, c.req.valid('json')), 201);
    })
    .openapi(find, async (c) => {
      const { db, nationalIdKey } = c.var.services;
      return c.json(await findParticipants(db, requestFacts(c), nationalIdKey, c.req.valid('json')), 200);
    })
    .openapi(search, async (c) => c.json(await searchParticipants(c.var.services.db, requestFacts(c), c.req.valid('query')), 200))
    .openapi(read, async (c) => c.json(await readParticipant(c.var.services.db, requestFacts(c), c.req.valid('param').id), 200))
    .openapi(disclosures, async (c) => {
      const query = c.req.valid('query');
      const report = await listDisclosures(c.var.services.db, requestFacts(c), c.req.valid('param').id, query.format === 'html' ? {} : query);
      if (query.format === 'html') return c.html(disclosuresPage(report), 200, { 'Content-Security-Policy': DISCLOSURES_PAGE_CSP }) as never;
      return c.json(report, 200);
    })
    .openapi(correct, async (c) => {
      const { db, nationalIdKey } = c.var.services;
      return c.json(await correctParticipant(db, requestFacts(c), nationalIdKey, c.req.valid('param').id, c.req.valid('json')), 200);
    });
}
