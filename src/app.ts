import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { DatabaseHandle } from '../db/client.js';
import { createAuthenticator } from './auth/authenticator.js';
import type { KeySet } from './auth/keys.js';
import type { Clock } from './clock.js';
import type { Config, WebSessionLifetime } from './config.js';
import type { AppEnv, Services } from './http/context.js';
import { AppError, fieldErrors, renderError, toAppError } from './http/errors.js';
import { noStore, requestContext } from './http/middleware.js';
import { rateLimitByAddress, type RateLimiter } from './http/rate-limit.js';
import type { Logger } from './logger.js';
import { organisationRoutes } from './organisations/routes.js';
import { findOrganisation } from './organisations/service.js';
import { participantRoutes } from './participants/routes.js';
import { consentRoutes } from './consents/routes.js';
import { caseRoutes } from './cases/routes.js';
import { deadlineRoutes } from './deadlines/routes.js';
import { calendarRoutes } from './calendars/routes.js';
import { protocolRoutes } from './protocols-api/routes.js';
import { auditRoutes } from './audit/routes.js';
import { ensureAuditChains } from './audit/audit.js';
import type { CheckpointSigner } from './audit/signer.js';
import type { Mailer } from '../notifications/mailer.js';
import { notificationRoutes } from './notifications/routes.js';
import { indicatorRoutes } from './indicators/routes.js';
import { loadNationalIdKey } from './participants/service.js';
import { docsRoutes, systemRoutes } from './system/routes.js';
import type { ActorOrganisation } from './auth/authenticator.js';
import type { OrganisationKind } from './domain.js';
import { webRoutes, type WebSignIn } from './web/routes.js';
import { webSessionRoutes } from './web/session-routes.js';

export type AppDeps = {
  database: DatabaseHandle;
  clock: Clock;
  logger: Logger;
  keys: KeySet;
  auditSigner: CheckpointSigner;
  mailer: Mailer;
  /** Request limits shared through the database (src/http/rate-limit.ts); omit to run without. */
  rateLimiter?: RateLimiter | undefined;
  config: Pick<Config, 'auth' | 'publicUrl' | 'bodyLimitBytes'> & { indicatorThreshold?: number; indicatorCacheSeconds?: number };
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
  const services: Services = {
    db,
    database,
    clock,
    logger,
    authenticator: createAuthenticator({ keys, config: config.auth, clock, lookupOrganisation }),
    config: { publicUrl: config.publicUrl, bodyLimitBytes: config.bodyLimitBytes },
    nationalIdKey: await loadNationalIdKey(db, clock.now()),
    auditSigner: deps.auditSigner,
    mailer: deps.mailer,
    rateLimiter: deps.rateLimiter,
  };

  const app = new OpenAPIHono<AppEnv>({
    // Every validation failure, from any route, becomes one problem+json shape.
    defaultHook: (result) => {
      if (!result.success) {
        const target = result.target === 'json' ? 'body' : result.target;
        throw new AppError('VALIDATION_FAILED', `The request ${target} is not valid.`, { errors: fieldErrors(result.error.issues, target) });
      }
    },
  });

  app.use('*', requestContext(services));
  app.use(
    '*',
    secureHeaders({
      strictTransportSecurity: 'max-age=63072000; includeSubDomains',
      xFrameOptions: 'DENY',
      referrerPolicy: 'no-referrer',
      crossOriginResourcePolicy: 'same-origin',
    }),
  );
  app.use('*', noStore);
  if (deps.rateLimiter) app.use('*', rateLimitByAddress(deps.rateLimiter, clock));
  app.use(
    '*',
    bodyLimit({
      maxSize: config.bodyLimitBytes,
      onError: () => {
        throw new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${config.bodyLimitBytes} bytes.`);
      },
    }),
  );

  app.route('/', systemRoutes());
  app.route('/', organisationRoutes());
  app.route('/', participantRoutes());
  app.route('/', consentRoutes());
  app.route('/', caseRoutes());
  app.route('/', deadlineRoutes());
  app.route('/', calendarRoutes());
  app.route('/', protocolRoutes());
  app.route('/', auditRoutes());
  app.route('/', notificationRoutes());
  app.route('/', webSessionRoutes());
  app.route('/', indicatorRoutes(config.indicatorThreshold ?? 5, config.indicatorCacheSeconds ?? 0));
  app.route('/', docsRoutes());
  // The pages call the API in-process (app.fetch), so they obey its rules by construction.
  if (deps.web) app.route('/app', webRoutes({ ...deps.web, publicUrl: config.publicUrl }, (request) => app.fetch(request)));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'CADAP protocol service',
      version: '0.1.0',
      description:
        'Collaboration between prisons, courts, probation, treatment providers, halfway houses and NGOs. ' +
        'Errors are application/problem+json. Each operation names the permission it needs in `x-permission`.',
    },
  });

  app.notFound((c) => renderError(c, new AppError('NOT_FOUND', 'No such route.')));
  app.onError((error, c) => renderError(c, toAppError(error, logger, c.get('requestId'))));
  return app;
}

export type App = Awaited<ReturnType<typeof createApp>>;
