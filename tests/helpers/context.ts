import { count } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { createApp, type App, type AppDeps } from '../../src/app.js';
import type { Actor } from '../../src/auth/authenticator.js';
import { FixedClock } from '../../src/clock.js';
import type { Country, OrganisationKind, Role } from '../../src/domain.js';
import { createMemoryLogger } from '../../src/logger.js';
import { generateSigner } from '../../src/audit/signer.js';
import fs from 'node:fs';
import os from 'node:os';
import { loadNationalIdKey } from '../../src/participants/national-id-key.js';
import path from 'node:path';
import { createFileMailer, type Mailer } from '../../notifications/mailer.js';
import { createOrganisation, type OrganisationRow } from '../../src/organisations/service.js';
import { createTestIssuer, TEST_AUDIENCE, TEST_ISSUER, type TestIssuer } from './keys.js';
import { openTestDatabase } from './test-database.js';
import { appendLines, captureFile, personalValues } from './log-capture.js';
import { createRateLimiter, type RateLimiter } from '../../src/http/rate-limit.js';
import type { RateLimitConfig } from '../../src/config.js';
import type { KeySet } from '../../src/auth/keys.js';

export const TEST_NOW = '2026-03-02T06:00:00.000Z';

const ADMIN: Actor = {
  sub: 'test-setup',
  name: undefined,
  organisation: { id: '00000000-0000-0000-0000-000000000000', kind: 'coordinator', name: 'setup', country: 'KZ', region: 'KZ-PAV' },
  roles: ['admin'],
  expiresAt: new Date('2100-01-01T00:00:00Z'),
};

export type RequestOptions = {
  token?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** the peer address the request seems to come from */ address?: string;
};

/** Limits for tests that exercise rate limiting; flushes happen when the test calls `flush()` unless it sets an interval. */
export function testRateLimits(overrides: Partial<RateLimitConfig> = {}): RateLimitConfig {
  return {
    enabled: true,
    windowSeconds: 60,
    flushIntervalMs: 3_600_000,
    trustProxyHops: 0,
    limits: {
      read: { perSubject: 1000, perAddress: 1000 },
      write: { perSubject: 1000, perAddress: 1000 },
      admin: { perSubject: 1000, perAddress: 1000 },
      public: { perAddress: 1000 },
      'auth-failure': { perAddress: 1000 },
    },
    ...overrides,
  };
}

/**
 * One test file's world: an isolated database, a fixed clock, a memory logger, a local
 * issuer, and the real app built by the real composition root.
 */
export async function createTestContext(
  options: {
    bodyLimitBytes?: number;
    mailer?: Mailer;
    rateLimit?: RateLimitConfig;
    publicUrl?: string | undefined;
    web?: AppDeps['web'] | ((issuer: TestIssuer) => AppDeps['web']);
    indicators?: { threshold?: number; cacheSeconds?: number };
    /** Sign an audit checkpoint after this many audit rows (the service's default is 1000). */
    auditCheckpointEveryRows?: number;
  } = {},
) {
  const database = await openTestDatabase();
  const clock = new FixedClock(TEST_NOW);
  const logger = createMemoryLogger();
  const issuer: TestIssuer = await createTestIssuer();
  const auditSigner = generateSigner();
  // The national id key, from a file of this world's own (as a deployment shares one between instances).
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-nid-'));
  const nationalIdKeyFile = path.join(keyDir, 'national-id.key');
  const nationalIdKey = await loadNationalIdKey(database.db, nationalIdKeyFile, clock.now());
  /** An instance of the service on this file's database (a second one shares the database, as two processes would). */
  async function instance(instanceOptions: { rateLimit?: RateLimitConfig | undefined; keys?: KeySet; maxTokenLifetimeSeconds?: number } = {}) {
    const rateLimiter: RateLimiter | undefined = instanceOptions.rateLimit ? createRateLimiter({ db: database.db, clock, logger, config: instanceOptions.rateLimit }) : undefined;
    rateLimiter?.start();
    const instanceApp: App = await createApp({
      database,
      clock,
      logger,
      keys: instanceOptions.keys ?? issuer.keySet,
      auditSigner,
      nationalIdKey,
      mailer: options.mailer ?? createFileMailer(path.join(os.tmpdir(), 'cadap-test-mail')),
      rateLimiter,
      web: typeof options.web === 'function' ? options.web(issuer) : options.web,
      config: {
        // tokenFor mints 120-day tokens (tests move the clock by weeks), so this world allows them;
        // tests/auth.security.test.ts proves the default cap on an instance without this.
        auth: {
          jwks: { kind: 'file', path: '(test)' },
          issuer: TEST_ISSUER,
          audience: TEST_AUDIENCE,
          algorithms: ['ES256', 'RS256'],
          clockToleranceSeconds: 30,
          maxTokenLifetimeSeconds: instanceOptions.maxTokenLifetimeSeconds ?? 121 * 86400,
        },
        publicUrl: 'publicUrl' in options ? options.publicUrl : 'https://cadap.test',
        bodyLimitBytes: options.bodyLimitBytes ?? 64 * 1024,
        indicatorThreshold: options.indicators?.threshold ?? 5,
        indicatorCacheSeconds: options.indicators?.cacheSeconds ?? 0,
        audit: { checkpointEveryRows: options.auditCheckpointEveryRows ?? 1000 },
      },
    });
    const instanceRequest = (method: string, requestPath: string, opts: RequestOptions = {}) => send(instanceApp, method, requestPath, opts);
    return { app: instanceApp, rateLimiter, request: instanceRequest };
  }
  const main = await instance({ rateLimit: options.rateLimit });
  const app = main.app;

  let sequence = 0;
  const seeded = new Set<string>();

  async function send(target: App, method: string, path: string, opts: RequestOptions = {}) {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    if (opts.body !== undefined) personalValues(opts.body, seeded);
    // The node adapter's bindings, so the service sees a peer address as over a real socket.
    const env = opts.address ? { incoming: { socket: { remoteAddress: opts.address, remotePort: 40000, remoteFamily: opts.address.includes(':') ? 'IPv6' : 'IPv4' } } } : undefined;
    const response = await target.request(path, { method, headers, body }, env);
    const text = await response.text();
    let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json, text };
  }

  const request = (method: string, path: string, opts: RequestOptions = {}) => send(app, method, path, opts);

  async function tokenFor(org: { id: string }, roles: Role | Role[], claims: Record<string, unknown> = {}) {
    // Long-lived, so tests may move the clock forward by weeks.
    return issuer.sign({ org: org.id, roles: Array.isArray(roles) ? roles : [roles], ...claims }, { now: clock.now(), ttlSeconds: 120 * 86400 });
  }

  /**
   * An organisation, in the home region (KZ-PAV) unless `region` (and `country`, else the
   * region code's prefix) says otherwise; the time zone defaults to the country's.
   */
  async function organisation(kind: OrganisationKind, overrides: Partial<Parameters<typeof createOrganisation>[2]> = {}): Promise<OrganisationRow> {
    const n = (sequence += 1);
    const region = overrides.region ?? 'KZ-PAV';
    const country = overrides.country ?? (region.slice(0, 2) as Country);
    return createOrganisation(
      database.db,
      ADMIN,
      {
        kind,
        name: `${kind} ${n}`,
        country,
        region,
        notificationEmails: [`${kind}${n}@example.org`],
        ...(['ngo', 'treatment_provider', 'halfway_house'].includes(kind) ? { certificationValidUntil: '2027-12-31' } : {}),
        ...(kind === 'halfway_house' ? { beds: 4 } : {}),
        ...overrides,
      },
      clock.now(),
    );
  }

  async function rowCount(table: PgTable): Promise<number> {
    const [row] = await database.db.select({ n: count() }).from(table);
    return row?.n ?? 0;
  }

  return {
    app,
    rateLimiter: main.rateLimiter,
    instance,
    database,
    db: database.db,
    clock,
    logger,
    issuer,
    auditSigner,
    /** The national id key file this world's instances share (a spawned service must be given it too). */
    nationalIdKeyFile,
    request,
    tokenFor,
    organisation,
    /** Rows in a table: denial tests prove nothing was written. */
    count: rowCount,
    /** Registers personal values the request bodies do not name by a personal key (a break-glass reason, a witness), so the run's log check looks for them too. */
    registerPersonal: (...values: string[]) => {
      for (const value of values) seeded.add(value);
    },
    close: async () => {
      await main.rateLimiter?.stop();
      appendLines(
        captureFile('log'),
        logger.lines.map((line) => line.trimEnd()),
      );
      appendLines(captureFile('seeded'), seeded);
      await database.close();
      fs.rmSync(keyDir, { recursive: true, force: true });
    },
  };
}
export type TestContext = Awaited<ReturnType<typeof createTestContext>>;
