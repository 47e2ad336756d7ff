import { OpenAPIHono, z } from '@hono/zod-openapi';
import { occupancy } from '../cases/capacity.js';
import { requestFacts, type AppEnv, type Services } from '../http/context.js';
import { AUTHED, json, jsonBody, problems } from '../http/openapi.js';
import { pageOf } from '../http/pagination.js';
import { defineRoute } from '../http/route.js';
import { notFound } from '../errors.js';
import { summariseError } from '../logger.js';
import {
  CreateOrganisationSchema,
  CreateUnitSchema,
  IdParam,
  OccupancySchema,
  OrganisationListQuery,
  OrganisationSchema,
  UnitSchema,
  UpdateOrganisationSchema,
} from './schemas.js';
import { createOrganisation, createUnit, findOrganisation, listOrganisations, listUnits, presentOrganisation, presentUnit, updateOrganisation } from './service.js';

const tags = ['Registry'];

const list = defineRoute('organisations:read', {
  method: 'get',
  path: '/organisations',
  tags,
  summary: 'List registered organisations',
  request: { query: OrganisationListQuery },
  responses: { 200: json(pageOf(OrganisationSchema), 'A page of organisations'), ...problems(...AUTHED, 422) },
});

const create = defineRoute('organisations:write', {
  method: 'post',
  path: '/organisations',
  tags,
  summary: 'Register an organisation (admin, or the coordinator of its region)',
  request: { body: jsonBody(CreateOrganisationSchema) },
  responses: { 201: json(OrganisationSchema, 'The organisation'), ...problems(...AUTHED, 400, 409, 413, 422) },
});

const read = defineRoute('organisations:read', {
  method: 'get',
  path: '/organisations/{id}',
  tags,
  summary: 'Read an organisation',
  request: { params: IdParam },
  responses: { 200: json(OrganisationSchema, 'The organisation'), ...problems(...AUTHED, 404, 422) },
});

const update = defineRoute('organisations:write', {
  method: 'patch',
  path: '/organisations/{id}',
  tags,
  summary: 'Correct an organisation: name, time zone, locale, addresses, certification, beds',
  request: { params: IdParam, body: jsonBody(UpdateOrganisationSchema) },
  responses: { 200: json(OrganisationSchema, 'The organisation'), ...problems(...AUTHED, 400, 404, 409, 413, 422) },
});

const units = defineRoute('units:read', {
  method: 'get',
  path: '/organisations/{id}/units',
  tags,
  summary: 'A prison’s Atlantis / Clean Zone units',
  request: { params: IdParam },
  responses: { 200: json(z.object({ items: z.array(UnitSchema) }), 'The units'), ...problems(...AUTHED, 404, 422) },
});

const addUnit = defineRoute('units:write', {
  method: 'post',
  path: '/organisations/{id}/units',
  tags,
  summary: 'Add a unit to a prison',
  request: { params: IdParam, body: jsonBody(CreateUnitSchema) },
  responses: { 201: json(UnitSchema, 'The unit'), ...problems(...AUTHED, 400, 404, 409, 413, 422) },
});

const occupancyRoute = defineRoute('occupancy:read', {
  method: 'get',
  path: '/organisations/{id}/occupancy',
  tags,
  summary: 'Unit places or halfway-house beds: used, reserved, free, waiting',
  request: { params: IdParam },
  responses: { 200: json(OccupancySchema, 'Occupancy'), ...problems(...AUTHED, 404, 422) },
});

/** The organisation is stored whatever the hook does: a failure is logged, never the request's. */
async function told(services: Services): Promise<void> {
  try {
    await services.organisationsChanged?.();
  } catch (error) {
    services.logger.warn('the organisation map for npm run token was not rewritten', { error: summariseError(error) });
  }
}

export function organisationRoutes() {
  return new OpenAPIHono<AppEnv>()
    .openapi(list, async (c) => {
      const { db, clock } = c.var.services;
      const page = await listOrganisations(db, c.req.valid('query'));
      const now = clock.now();
      return c.json({ items: page.items.map((row) => presentOrganisation(row, now)), nextCursor: page.nextCursor }, 200);
    })
    .openapi(create, async (c) => {
      const { db, clock } = c.var.services;
      const row = await createOrganisation(db, c.var.actor, c.req.valid('json'), clock.now());
      await told(c.var.services);
      return c.json(presentOrganisation(row, clock.now()), 201);
    })
    .openapi(read, async (c) => {
      const { db, clock } = c.var.services;
      const row = await findOrganisation(db, c.req.valid('param').id);
      if (!row) throw notFound('organisation');
      return c.json(presentOrganisation(row, clock.now()), 200);
    })
    .openapi(update, async (c) => {
      const { db, clock, authenticator } = c.var.services;
      const row = await updateOrganisation(db, c.var.actor, c.req.valid('param').id, c.req.valid('json'), clock.now());
      authenticator.clearCache();
      await told(c.var.services);
      return c.json(presentOrganisation(row, clock.now()), 200);
    })
    .openapi(units, async (c) => {
      const { db } = c.var.services;
      const rows = await listUnits(db, c.var.actor, c.req.valid('param').id);
      return c.json({ items: rows.map(presentUnit) }, 200);
    })
    .openapi(addUnit, async (c) => {
      const { db, clock } = c.var.services;
      const row = await createUnit(db, c.var.actor, c.req.valid('param').id, c.req.valid('json'), clock.now());
      return c.json(presentUnit(row), 201);
    })
    .openapi(occupancyRoute, async (c) => c.json(await occupancy(c.var.services.db, requestFacts(c), c.req.valid('param').id), 200));
}
