import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { createApp } from './app.js';
import { loadKeySet } from './auth/keys.js';
import { systemClock, type Clock } from './clock.js';
import { assertStartable, type Config } from './config.js';
import { firstRoleFor, isRegistryEmpty, seedDemo, writeOrganisationMap, type OrganisationMapEntry } from './demo/seed.js';
import { listen } from './http/serve.js';
import cron from 'node-cron';
import { loadCheckpointSigner } from './audit/signer.js';
import { writeCheckpoints } from './audit/verify.js';
import { createFileMailer, createSmtpMailer } from '../notifications/mailer.js';
import { createScheduler } from './scheduler.js';
import { summariseError, type Logger } from './logger.js';
import { loadNationalIdKey } from './participants/national-id-key.js';
import { signLocalToken } from './auth/local-token.js';
import { loadSessionKey } from './web/session.js';
import type { WebSignIn } from './web/routes.js';
import { createRateLimiter } from './http/rate-limit.js';
import { createMetrics } from './metrics/registry.js';
import { metricsListenerApp } from './metrics/routes.js';
import { listenForBackups } from './backup/control-socket.js';
import { embeddedSnapshot } from './backup/embedded.js';

export type RunningService = { port: number; url: string; database: DatabaseHandle; stop(): Promise<void> };

/**
 * Starts the whole service from a parsed configuration: database (locked, migrated),
 * keys, demo data when embedded and empty, HTTP server. `stop` shuts it down gracefully.
 */
export async function startService(config: Config, logger: Logger, clock: Clock = systemClock, opening?: Promise<DatabaseHandle>): Promise<RunningService> {
  assertStartable(config); // server.ts checks before opening the database (exit 78); any other caller is held to it too
  const database = await (opening ?? openDatabase(config.database, { fromTemplate: config.migrateOnStart }));
  try {
    if (database.created === 'template') logger.info('created the embedded database from its migrated template');
    if (database.created === 'initdb') logger.info('created the embedded database with PGlite (no template)');
    if (config.migrateOnStart) await database.migrate();
    warnAboutSignIn(config, logger);
    const keys = await loadKeySet(config.auth, logger);
    const auditSigner = loadCheckpointSigner(config.audit.checkpointKeyFile);
    const embedded = database.kind === 'pglite';
    const shouldSeed = config.seedDemo === 'true' || (config.seedDemo === 'auto' && embedded);
    let seeded = false;
    const nationalIdKey = await loadNationalIdKey(database.db, config.nationalIdKeyFile, clock.now());
    if (shouldSeed && (await isRegistryEmpty(database.db))) {
      await seedDemo(database.db, clock.now(), nationalIdKey);
      seeded = true;
      logger.info('seeded the demo region', { database: database.kind });
    }
    let organisationMap: OrganisationMapEntry[] = [];
    if (config.auth.jwks.kind === 'local') organisationMap = await writeOrganisationMap(database.db, config.auth.jwks.dir);

    const mailer = config.mail.smtpUrl ? createSmtpMailer(config.mail.smtpUrl) : createFileMailer(config.mail.fileDir);
    const rateLimiter = config.rateLimit.enabled ? createRateLimiter({ db: database.db, clock, logger, config: config.rateLimit }) : undefined;
    rateLimiter?.start();
    const metrics = createMetrics({ database, clock, logger, processMetrics: true });
    const app = await createApp({
      database,
      clock,
      logger,
      keys,
      auditSigner,
      nationalIdKey,
      mailer,
      rateLimiter,
      metrics,
      config,
      // With the embedded key, `npm run token` finds organisations created while the service runs.
      ...(config.auth.jwks.kind === 'local' ? { organisationsChanged: localMapWriter(database.db, config.auth.jwks.dir) } : {}),
      web: { sessionKey: loadSessionKey(config.web.sessionKeyFile), signIn: webSignIn(config), session: config.web.session },
    });
    // Signed checkpoints of the audit chains, so a truncated tail is caught (node-cron is only the tick).
    const checkpoint = async () => {
      try {
        await writeCheckpoints(database.db, auditSigner, clock.now(), logger);
      } catch (error) {
        logger.warn('audit checkpoint failed', { error: summariseError(error) });
      }
    };
    const checkpointTask = cron.schedule(config.audit.checkpointCron, checkpoint, { noOverlap: true });
    const metricsServer = config.metrics.listen && (await listenForMetrics(metricsListenerApp(metrics, logger).fetch, config.metrics.listen, logger));
    const server = await listen(app.fetch, { host: config.host, port: config.port }).catch(async (error: unknown) => {
      await metricsServer?.close(0);
      throw error;
    });
    const url = config.publicUrl ?? `http://localhost:${server.port}`;
    // The embedded database is this process's alone: `cadap backup` asks it for a snapshot on a socket in DATA_DIR.
    const backups = embedded ? await listenForBackups(config.dataDir, () => embeddedSnapshot(database, config), logger) : undefined;
    const scheduler = createScheduler({
      db: database.db,
      mailer,
      clock,
      logger,
      publicUrl: url,
      from: config.mail.from,
      cron: config.scheduler.cron,
      ...(config.retention.daily ? { retention: { settings: config.retention, mailDir: config.mail.fileDir } } : {}),
    });
    if (config.scheduler.enabled) scheduler.start();
    printBanner(url, database.kind, config, organisationMap, seeded);
    logger.info('listening', { url, host: config.host, docs: `${url}/docs`, database: database.kind, pid: process.pid });

    let stopping: Promise<void> | undefined;
    return {
      port: server.port,
      url,
      database,
      stop: () =>
        (stopping ??= (async () => {
          logger.info('shutting down: finishing in-flight requests');
          await server.close(config.shutdownTimeoutMs);
          await metricsServer?.close(0);
          await checkpointTask.stop();
          await scheduler.stop();
          await rateLimiter?.stop();
          await mailer.close();
          await backups?.close();
          await checkpoint();
          await database.close();
          logger.info('stopped');
        })()),
    };
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
}

/** The separate metrics listener (METRICS_LISTEN): no token, so a warning when it is reachable from beyond this machine. */
async function listenForMetrics(fetch: Parameters<typeof listen>[0], address: { host: string; port: number }, logger: Logger) {
  const server = await listen(fetch, address);
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  logger.info('metrics listening', { url: `http://${host}:${server.port}/metrics`, host: address.host });
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(address.host)) {
    logger.warn(
      'METRICS_LISTEN is not a loopback address: anyone who reaches it reads the metrics without a token (no personal data, but operational counts); keep it to the scraper’s network',
      {
        host: address.host,
      },
    );
  }
  return server;
}

function localMapWriter(db: DatabaseHandle['db'], dir: string) {
  return async () => {
    await writeOrganisationMap(db, dir);
  };
}

/** What every start says while sign-in is weaker than an identity provider (AUTH_EMBEDDED_KEY, demo sign-in in production). */
function warnAboutSignIn(config: Config, logger: Logger) {
  if (config.embeddedKeyChosen) {
    logger.warn(
      'AUTH_EMBEDDED_KEY=true: tokens are signed with the embedded key in DATA_DIR/auth; anyone who can read that file can sign in as any organisation. Configure an identity provider (AUTH_JWKS_URL or AUTH_JWKS_FILE) for real use',
      {
        database: config.database.kind,
      },
    );
  }
  if (config.web.demoSignIn && config.env === 'production') {
    logger.warn('WEB_DEMO_SIGN_IN=on with NODE_ENV=production: anyone who reaches /app can sign in as any organisation (never as admin or auditor)');
  }
}

/** Demo sign-in with the embedded key (as `npm run token`) where it is safe (config.web.demoSignIn), else OpenID Connect when an issuer is configured. */
function webSignIn(config: Config): WebSignIn {
  const { jwks, issuer, audience } = config.auth;
  if (jwks.kind === 'local' && config.web.demoSignIn) {
    const dir = jwks.dir;
    return { kind: 'demo', mintToken: (claims) => signLocalToken(dir, claims, { issuer, audience, ttlSeconds: 2 * 3600 }) };
  }
  return config.web.oidc ? { kind: 'oidc', oidc: config.web.oidc } : { kind: 'none' };
}

/** What a newcomer needs after `npm start`: where it runs and how to get a token. Written to stderr, apart from the JSON logs. */
function printBanner(url: string, kind: string, config: Config, organisations: OrganisationMapEntry[], seeded: boolean) {
  const lines = [
    '',
    `CADAP protocol service on ${url} (${kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL'})`,
    `  Web:       ${url}/app${config.web.demoSignIn ? ' (demo sign-in: pick an organisation and a role)' : ''}`,
    `  API docs:  ${url}/docs     OpenAPI: ${url}/openapi.json`,
    `  Mail:      ${config.mail.smtpUrl ? 'SMTP' : `written as .eml files to ${config.mail.fileDir}`}${config.scheduler.enabled ? '' : ' (scheduler off on this instance)'}`,
  ];
  if (config.auth.jwks.kind === 'local' && organisations.length > 0) {
    lines.push(`  ${seeded ? 'Demo region seeded. ' : ''}Mint a token for an organisation (valid 8 hours), then call the API:`);
    for (const org of [...organisations].sort((a, b) => a.kind.localeCompare(b.kind))) {
      lines.push(`    npm run token -- --org "${org.name}" --role ${firstRoleFor(org.kind)}`);
    }
    lines.push(
      `  e.g.  curl -H "Authorization: Bearer $(npm run -s token -- --org "${organisations[0]?.name}" --role ${firstRoleFor(organisations[0]?.kind ?? 'coordinator')})" ${url}/me`,
    );
  }
  lines.push('');
  process.stderr.write(`${lines.join('\n')}\n`);
}
