import { OpenAPIHono, z } from '@hono/zod-openapi';
import { PROTOCOLS, protocolById } from '../../protocols/index.js';
import { publishProtocol } from '../../protocols/publish.js';
import type { AppEnv } from '../http/context.js';
import { notFound } from '../errors.js';
import { AUTHED, json, problems } from '../http/openapi.js';
import { defineRoute } from '../http/route.js';

const tags = ['Protocols'];
const ProtocolSchema = z.record(z.string(), z.unknown()).openapi('Protocol', { description: 'A protocol definition as data, with `diagram` (Mermaid).' });

const list = defineRoute('protocols:read', {
  method: 'get',
  path: '/protocols',
  tags,
  summary: 'The five protocols: ids, versions and titles',
  responses: {
    200: json(
      z.object({
        items: z.array(
          z.object({ id: z.string(), version: z.number().int(), title: z.object({ en: z.string(), ru: z.string() }), description: z.object({ en: z.string(), ru: z.string() }) }),
        ),
      }),
      'The protocols',
    ),
    ...problems(...AUTHED),
  },
});

const read = defineRoute('protocols:read', {
  method: 'get',
  path: '/protocols/{id}',
  tags,
  summary: 'One protocol as data: parts, states, events, guards, deadlines and a Mermaid diagram',
  request: {
    params: z.strictObject({
      id: z
        .string()
        .max(60)
        .openapi({ param: { name: 'id', in: 'path' } }),
    }),
  },
  responses: { 200: json(ProtocolSchema, 'The definition'), ...problems(...AUTHED, 404) },
});

export function protocolRoutes() {
  const published = new Map(Object.values(PROTOCOLS).map((definition) => [definition.id, publishProtocol(definition)]));
  return new OpenAPIHono<AppEnv>()
    .openapi(list, (c) =>
      c.json(
        { items: Object.values(PROTOCOLS).map((definition) => ({ id: definition.id, version: definition.version, title: definition.title, description: definition.description })) },
        200,
      ),
    )
    .openapi(read, (c) => {
      const { id } = c.req.valid('param');
      if (!protocolById(id)) throw notFound('protocol');
      return c.json(published.get(id) as Record<string, unknown>, 200);
    });
}
