import { OpenAPIHono } from '@hono/zod-openapi';
import type { DatabaseHandle } from '../db/client.js';
import { createAuthenticator } from './auth/authenticator.js';
import type { KeySet } from './auth/keys.js';
import type { Clock } from './clock.js';
import type { Config, WebSessionLifetime } from './config.js';
import type { AppEnv, Services } from './http/context.js';
import { AppError } from './errors.js';
import { renderError, toAppError } from './http/errors.js';
import { limitBody } from './http/body-limit.js';
import { validationHook } from './http/input.js';
import { noStore, requestContext, securityHeaders } from './http/middleware.js';
import { BEARER_AUTH_SCHEME, withImpliedLimits } from './http/openapi.js';
import { rateLimitByAddress, type RateLimiter } from './http/rate-limit.js';
import type { Logger } from './logger.js';
import { organisationRoutes } from './organisations/routes.js';
import { findOrganisation } from './organisations/service.js';
import { participantRoutes } from './participants/routes.js';
import { consentRoutes } from './consents/routes.js';
import { caseRoutes } from './cases/routes.js';
import { createStaffDirectory } from './staff/directory.js';
import { staffRoutes } from './staff/routes.js';
import { deadlineRoutes } from './deadlines/routes.js';
import { calendarRoutes } from './calendars/routes.js';
import { protocolRoutes } from './protocols-api/routes.js';
import { auditRoutes } from './audit/routes.js';
import { ensureAuditChains } from './audit/audit.js';
import { auditForbidden } from './http/audit-forbidden.js';
import { checkpointByRows, countRowsOf, createRowCheckpointer } from './audit/checkpointer.js';
import { auditTamperRisk, TAMPER_WARNING } from './audit/tamper-risk.js';
import { writeCheckpoints } from './audit/verify.js';
import type { CheckpointSigner } from './audit/signer.js';
import type { Mailer } from '../notifications/mailer.js';
import { notificationRoutes } from './messages-api/routes.js';
import { indicatorRoutes } from './indicators/routes.js';
import { docsRoutes, systemRoutes } from './system/routes.js';
import type { ActorOrganisation } from './auth/authenticator.js';
import type { OrganisationKind } from './domain.js';
import { webRoutes, type WebSignIn } from './web/routes.js';
import { webSessionRoutes } from './web/session-routes.js';
import { createMetrics, type Metrics } from './metrics/registry.js';
import { measureRequests, metricsRoutes } from './metrics/routes.js';

export type AppDeps = {
  database: DatabaseHandle;
  clock: Clock;
  logger: Logger;
  keys: KeySet;
  auditSigner: CheckpointSigner;
  /** The national id digest key (loadNationalIdKey: from its file, never the database). */
  nationalIdKey: Buffer;
  mailer: Mailer;
  /** Request limits shared through the database (src/http/rate-limit.ts); omit to run without. */
  rateLimiter?: RateLimiter | undefined;
  /** Called after an organisation is created or changed. */
  organisationsChanged?: () => Promise<void>;
  config: Pick<Config, 'auth' | 'publicUrl' | 'bodyLimitBytes'> & {
    indicatorThreshold?: number;
    indicatorCacheSeconds?: number;
    audit?: Pick<Config['audit'], 'checkpointEveryRows'>;
  };
  /** The Prometheus registry (the service passes one with the process metrics, also served on METRICS_LISTEN); omitted, the app makes its own. */
  metrics?: Metrics;
  /** The web workspace under /app (left out, the service is API-only). */
  web?: { sessionKey: Uint8Array; signIn: WebSignIn; session?: WebSessionLifetime };
};

/**
 * The composition root. Everything a handler needs arrives here and reaches it through the
 * request context; nothing is a module singleton, so tests build as many apps as they like,
 * each on its own database and clock.
 */
export async function createApp(deps: AppDeps) {
  const { database, clock, logger, keys, config } = deps;
  const db = database.db;
  const lookupOrganisation = async (id: string): Promise<ActorOrganisation | undefined> => {
    const row = await findOrganisation(db, id);
    return row && { id: row.id, kind: row.kind as OrganisationKind, name: row.name, country: row.country, region: row.region };
  };
  await ensureAuditChains(db, clock.now());
  const tamperRisk = await auditTamperRisk(database);
  if (tamperRisk?.canBypassAuditTriggers) logger.warn('the database role can bypass the audit trail triggers', { reasons: tamperRisk.reasons.join(', '), docs: TAMPER_WARNING });
  const metrics = deps.metrics ?? createMetrics({ database, clock, logger });
  const checkpointer = createRowCheckpointer(config.audit?.checkpointEveryRows ?? 1000, () => writeCheckpoints(db, deps.auditSigner, clock.now(), logger), logger);
  countRowsOf(db, checkpointer);
  const services: Services = {
    db,
    database,
    clock,
    logger,
    authenticator: createAuthenticator({ keys, config: config.auth, clock, lookupOrganisation }),
    config: { publicUrl: config.publicUrl, bodyLimitBytes: config.bodyLimitBytes },
    nationalIdKey: deps.nationalIdKey,
    auditSigner: deps.auditSigner,
    mailer: deps.mailer,
    rateLimiter: deps.rateLimiter,
    auditTamperRisk: tamperRisk,
    organisationsChanged: deps.organisationsChanged,
    metrics,
    staff: createStaffDirectory(logger),
  };

  // Every validation failure, from any route, becomes one problem+json shape; unstorable text
  // (NUL, unpaired surrogates) anywhere in a request is one of them (src/http/input.ts).
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use('*', measureRequests(metrics));
  app.use('*', requestContext(services));
  app.use('*', checkpointByRows(checkpointer));
  app.use('*', securityHeaders(config.publicUrl));
  app.use('*', noStore);
  if (deps.rateLimiter) app.use('*', rateLimitByAddress(deps.rateLimiter, clock));
  app.use(
    '*',
    limitBody(config.bodyLimitBytes, () => {
      throw new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${config.bodyLimitBytes} bytes.`);
    }),
  );

  app.route('/', systemRoutes());
  app.route('/', organisationRoutes());
  app.route('/', participantRoutes());
  app.route('/', consentRoutes());
  app.route('/', caseRoutes());
  app.route('/', staffRoutes());
  app.route('/', deadlineRoutes());
  app.route('/', calendarRoutes());
  app.route('/', protocolRoutes());
  app.route('/', auditRoutes());
  app.route('/', notificationRoutes());
  app.route('/', webSessionRoutes({ demoSignIn: deps.web?.signIn.kind === 'demo' }));
  app.route('/', indicatorRoutes(config.indicatorThreshold ?? 5, config.indicatorCacheSeconds ?? 0));
  app.route('/', docsRoutes());
  app.route('/', metricsRoutes());
  // The pages call the API in-process (app.fetch), so they obey its rules by construction.
  if (deps.web)
    app.route(
      '/app',
      webRoutes({ ...deps.web, publicUrl: config.publicUrl }, (request) => app.fetch(request)),
    );

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', BEARER_AUTH_SCHEME);
  let document: unknown;
  app.get('/openapi.json', (c) => {
    document ??= withImpliedLimits(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'CADAP protocol service',
          version: '0.1.0',
          description:
            'Collaboration between prisons, courts, probation, treatment providers, halfway houses and NGOs. ' +
            'Errors are application/problem+json. Each operation names the permission it needs in `x-permission`.',
        },
      }),
    );
    return c.json(document);
  });

  app.notFound((c) => renderError(c, new AppError('NOT_FOUND', 'No such route.')));
  app.onError(async (error, c) => {
    let appError = toAppError(error, logger, c.get('requestId'));
    // A 403 is a denial: audited (committed on its own) before the answer goes out.
    if (appError.code === 'FORBIDDEN') await auditForbidden(c).catch((failure: unknown) => (appError = toAppError(failure, logger, c.get('requestId'))));
    return renderError(c, appError);
  });
  return app;
}

export type App = Awaited<ReturnType<typeof createApp>>;
