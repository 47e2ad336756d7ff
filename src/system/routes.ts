import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { appliedMigrationCount, expectedMigrationCount } from '../../db/migrate.js';
import { outboxBacklog } from '../../notifications/outbox.js';
import { ROLES } from '../domain.js';
import type { AppEnv } from '../http/context.js';
import { AUTHED, json, problems } from '../http/openapi.js';
import { defineRoute } from '../http/route.js';
import { presentOrganisation, findOrganisation } from '../organisations/service.js';
import { OrganisationSchema } from '../organisations/schemas.js';
import { notFound } from '../errors.js';
import { TAMPER_WARNING } from '../audit/tamper-risk.js';

const live = defineRoute('public', {
  method: 'get',
  path: '/health/live',
  tags: ['Health'],
  summary: 'The process is up',
  responses: { 200: json(z.object({ status: z.literal('ok') }), 'Alive') },
});

const ReadySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  database: z.enum(['ok', 'unreachable']),
  migrations: z.object({ applied: z.number().int(), expected: z.number().int() }),
  outbox: z.object({ pending: z.number().int(), oldestPendingSeconds: z.number().int().nullable(), dead: z.number().int() }).optional(),
  databaseRole: z
    .object({ canBypassAuditTriggers: z.boolean(), reasons: z.array(z.string()), warning: z.string().optional() })
    .optional()
    .openapi({
      description:
        'PostgreSQL only, checked at start: whether the service’s role could bypass the audit trail’s append-only triggers (superuser, may set session_replication_role, owns the trail).',
    }),
});

const ready = defineRoute('public', {
  method: 'get',
  path: '/health/ready',
  tags: ['Health'],
  summary: 'The database is reachable and fully migrated',
  responses: { 200: json(ReadySchema, 'Ready'), 503: json(ReadySchema, 'Not ready') },
});

export const MeSchema = z
  .object({
    subject: z.string(),
    name: z.string().nullable(),
    roles: z.array(z.enum(ROLES)),
    organisation: OrganisationSchema,
    tokenExpiresAt: z.string(),
  })
  .openapi('Me');

const me = defineRoute('me:read', {
  method: 'get',
  path: '/me',
  tags: ['Identity'],
  summary: 'Who you are, as the service understood your token',
  responses: {
    200: json(MeSchema, 'Your identity'),
    ...problems(...AUTHED),
  },
});

export function systemRoutes() {
  const expected = expectedMigrationCount();
  return new OpenAPIHono<AppEnv>()
    .openapi(live, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(ready, async (c) => {
      const { database } = c.var.services;
      try {
        const applied = await appliedMigrationCount(database);
        const ok = applied >= expected;
        const outbox = ok ? await outboxBacklog(database.db, c.var.services.clock.now()) : undefined;
        const risk = c.var.services.auditTamperRisk;
        const databaseRole = risk && { ...risk, ...(risk.canBypassAuditTriggers ? { warning: TAMPER_WARNING } : {}) };
        return c.json(
          {
            status: ok ? ('ready' as const) : ('not_ready' as const),
            database: 'ok' as const,
            migrations: { applied, expected },
            ...(outbox ? { outbox } : {}),
            ...(databaseRole ? { databaseRole } : {}),
          },
          ok ? 200 : 503,
        );
      } catch {
        c.header('Retry-After', '5');
        return c.json({ status: 'not_ready' as const, database: 'unreachable' as const, migrations: { applied: 0, expected } }, 503);
      }
    })
    .openapi(me, async (c) => {
      const { actor, services } = c.var;
      const organisation = await findOrganisation(services.db, actor.organisation.id);
      if (!organisation) throw notFound('organisation');
      return c.json(
        {
          subject: actor.sub,
          name: actor.name ?? null,
          roles: actor.roles,
          organisation: presentOrganisation(organisation, services.clock.now()),
          tokenExpiresAt: actor.expiresAt.toISOString(),
        },
        200,
      );
    });
}

/** Swagger UI's files, served from node_modules so the docs work with no internet. */
const DOCS_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const DOCS_INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: false });
});
`;

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CADAP protocol service: API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;

export function docsRoutes() {
  const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Buffer>();
  const docsHeaders = {
    'Content-Security-Policy':
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  };
  return new OpenAPIHono<AppEnv>()
    .get('/docs', (c) => c.html(DOCS_PAGE, 200, docsHeaders))
    .get('/docs/assets/init.js', (c) => c.body(DOCS_INIT, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }))
    .get('/docs/assets/:file', (c) => {
      const file = c.req.param('file');
      const type = DOCS_ASSETS[file];
      if (!type) throw notFound('file');
      let content = cache.get(file);
      if (!content) {
        content = fs.readFileSync(path.join(dist, file));
        cache.set(file, content);
      }
      return c.body(new Uint8Array(content), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
    });
}
