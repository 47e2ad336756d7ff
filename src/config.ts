import path from 'node:path';
import { z } from 'zod';
import type { DatabaseConfig } from '../db/client.js';

/**
 * The service's configuration, parsed once from the environment at the edge.
 * Nothing else in the code base reads `process.env`.
 */
const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const positiveInt = z.coerce.number().int().positive();

/** `<host>:<port>` (an IPv6 address in brackets: `[::1]:9464`), e.g. `127.0.0.1:9464`. */
const listenAddress = z
  .string()
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/, 'must be <host>:<port>, e.g. 127.0.0.1:9464')
  .transform((value) => {
    const separator = value.lastIndexOf(':');
    return { host: value.slice(0, separator).replace(/^\[(.*)\]$/, '$1'), port: Number(value.slice(separator + 1)) };
  })
  .refine((address) => address.port <= 65535, 'the port must be at most 65535');

/** 12 hours, a working shift and more: a bearer token living longer is a standing key to the API. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 12 * 3600;

/** `<per subject>/<per address>` requests per window, e.g. `1200/3000`. */
const subjectAddressLimit = z
  .string()
  .regex(/^\d+\/\d+$/, 'must be <per subject>/<per address>, e.g. 600/1500')
  .transform((value) => {
    const [perSubject, perAddress] = value.split('/').map(Number) as [number, number];
    return { perSubject, perAddress };
  })
  .refine((limit) => limit.perSubject > 0 && limit.perAddress > 0, 'both limits must be positive');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.url().optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_MAX: positiveInt.max(200).default(10),
    SEED_DEMO: z.enum(['auto', 'true', 'false']).default('auto'),
    AUTH_JWKS_URL: z.url().optional(),
    AUTH_JWKS_FILE: z.string().min(1).optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    AUTH_ALGORITHMS: csv
      .pipe(z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])).min(1))
      .default(['RS256', 'ES256', 'EdDSA']),
    AUTH_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    AUTH_JWKS_REFRESH_SECONDS: positiveInt.default(300),
    AUTH_EMBEDDED_KEY: z.enum(['true', 'false']).default('false'),
    /** In production (NODE_ENV=production, as in the image), the embedded demo starts only when asked for. */
    CADAP_DEMO: z.enum(['true', 'false']).default('false'),
    AUTH_MAX_TOKEN_LIFETIME_SECONDS: positiveInt.max(366 * 86_400).default(DEFAULT_MAX_TOKEN_LIFETIME_SECONDS),
    BODY_LIMIT_BYTES: positiveInt.max(50 * 1024 * 1024).default(256 * 1024),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    SHUTDOWN_TIMEOUT_SECONDS: positiveInt.default(20),
    MIGRATE_ON_START: z.enum(['true', 'false']).default('true'),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional(),
    MAIL_FROM: z.string().min(3).max(200).default('CADAP <no-reply@cadap.invalid>'),
    SCHEDULER: z.enum(['on', 'off']).default('on'),
    INDICATOR_SUPPRESSION_THRESHOLD: z.coerce.number().int().min(3, 'never lower than 3').max(100).default(5),
    INDICATOR_CACHE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
    SCHEDULER_CRON: z.string().min(9).max(100).default('* * * * *'),
    AUDIT_CHECKPOINT_KEY_FILE: z.string().min(1).optional(),
    AUDIT_CHECKPOINT_CRON: z.string().min(9).max(100).default('*/5 * * * *'),
    AUDIT_CHECKPOINT_EVERY_ROWS: positiveInt.max(1_000_000).default(1000),
    OIDC_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_SCOPES: z.string().min(1).default('openid profile'),
    WEB_SESSION_KEY_FILE: z.string().min(1).optional(),
    NATIONAL_ID_KEY_FILE: z.string().min(1).optional(),
    WEB_SESSION_IDLE_MINUTES: positiveInt.max(24 * 60).default(30),
    WEB_SESSION_MAX_HOURS: positiveInt.max(30 * 24).default(12),
    WEB_DEMO_SIGN_IN: z.enum(['auto', 'on', 'off']).default('auto'),
    RATE_LIMIT: z.enum(['on', 'off']).default('on'),
    RATE_LIMIT_WINDOW_SECONDS: positiveInt.max(3600).default(60),
    RATE_LIMIT_FLUSH_MS: z.coerce.number().int().min(10).max(10_000).default(250),
    RATE_LIMIT_READ: subjectAddressLimit.default({ perSubject: 1200, perAddress: 3000 }),
    RATE_LIMIT_WRITE: subjectAddressLimit.default({ perSubject: 300, perAddress: 1000 }),
    RATE_LIMIT_ADMIN: subjectAddressLimit.default({ perSubject: 120, perAddress: 300 }),
    RATE_LIMIT_PUBLIC: positiveInt.default(600),
    RATE_LIMIT_AUTH_FAILURES: positiveInt.default(30),
    TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
    METRICS_LISTEN: listenAddress.optional(),
    RETENTION: z.enum(['on', 'off']).default('on'),
    RETENTION_OUTBOX_DAYS: positiveInt.max(3650).default(30),
    RETENTION_INBOX_DAYS: positiveInt.max(3650).default(180),
    RETENTION_YEARS: positiveInt.max(100).default(5),
  })
  .superRefine((env, ctx) => {
    if (env.AUTH_JWKS_URL && env.AUTH_JWKS_FILE) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_JWKS_FILE'], message: 'set AUTH_JWKS_URL or AUTH_JWKS_FILE, not both' });
    }
    if (env.AUTH_JWKS_URL || env.AUTH_JWKS_FILE) {
      for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE'] as const) {
        if (!env[name]) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'is required when an external key set (AUTH_JWKS_URL or AUTH_JWKS_FILE) is configured' });
        }
      }
    }
    if (env.AUTH_EMBEDDED_KEY === 'true' && (env.AUTH_JWKS_URL || env.AUTH_JWKS_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_EMBEDDED_KEY'],
        message: 'chooses the embedded key, but an external key set (AUTH_JWKS_URL or AUTH_JWKS_FILE) is configured: set one or the other',
      });
    }
    if (env.WEB_DEMO_SIGN_IN === 'on' && (env.AUTH_JWKS_URL || env.AUTH_JWKS_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEB_DEMO_SIGN_IN'],
        message: 'demo sign-in mints tokens with the embedded key, which an external key set (AUTH_JWKS_URL or AUTH_JWKS_FILE) replaces',
      });
    }
    if (env.OIDC_ISSUER && !env.OIDC_CLIENT_ID) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_CLIENT_ID'], message: 'is required when OIDC_ISSUER is set' });
    }
    if (env.OIDC_ISSUER && !(env.AUTH_JWKS_URL || env.AUTH_JWKS_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['OIDC_ISSUER'],
        message: "needs the identity provider's key set (AUTH_JWKS_URL or AUTH_JWKS_FILE) so its access tokens can be verified",
      });
    }
  });

export type { DatabaseConfig };

export type AuthConfig = {
  /** Where the key set comes from: an external issuer's JWKS, or the embedded local key in DATA_DIR. */
  jwks: { kind: 'url'; url: string; refreshSeconds: number } | { kind: 'file'; path: string } | { kind: 'local'; dir: string };
  issuer: string;
  audience: string;
  algorithms: string[];
  clockToleranceSeconds: number;
  /** Tokens living longer than this (exp - iat, or exp - now without iat) are refused; unset: DEFAULT_MAX_TOKEN_LIFETIME_SECONDS. */
  maxTokenLifetimeSeconds?: number;
};

export type Config = {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl: string | undefined;
  dataDir: string;
  database: DatabaseConfig;
  seedDemo: 'auto' | 'true' | 'false';
  auth: AuthConfig;
  bodyLimitBytes: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  shutdownTimeoutMs: number;
  migrateOnStart: boolean;
  /** No SMTP URL: messages are written as .eml files into `DATA_DIR/mail`. */
  mail: { smtpUrl: string | undefined; from: string; fileDir: string };
  /** The tick and dispatcher; `off` for API-only replicas. */
  scheduler: { enabled: boolean; cron: string };
  /** Published indicator counts below this are suppressed (never lower than 3). */
  indicatorThreshold: number;
  /** How long a published table is served from memory before it is computed again (0: never kept). */
  indicatorCacheSeconds: number;
  /** Checkpoints are signed on the cron and after every `checkpointEveryRows` audit rows an instance writes. */
  audit: { checkpointKeyFile: string; checkpointCron: string; checkpointEveryRows: number };
  /**
   * AUTH_EMBEDDED_KEY=true: the operator chose the embedded key although no identity provider is
   * configured (required with DATABASE_URL; see `assertStartable`); every start warns about it.
   */
  embeddedKeyChosen: boolean;
  /** CADAP_DEMO=true: the embedded demo is wanted even in production (see `assertStartable`). */
  demoChosen: boolean;
  /** The web workspace under /app: its session key, and OpenID Connect sign-in when an issuer is configured. */
  web: {
    sessionKeyFile: string;
    oidc: OidcConfig | undefined;
    /**
     * One-click demo sign-in (never as admin or auditor): only with the embedded key, and by default
     * only on the embedded database outside production or with CADAP_DEMO=true (WEB_DEMO_SIGN_IN=auto); `on` asks for it anyway.
     */
    demoSignIn: boolean;
    /** Server-side session lifetimes: ended after this long without a request, and this long after sign-in whatever happens. */
    session: WebSessionLifetime;
  };
  rateLimit: RateLimitConfig;
  /** The key that digests national ids (outside the database; shared by every instance). */
  nationalIdKeyFile: string;
  /** A second listener serving only GET /metrics, with no token (unset: none; admins still read /metrics on the main port). */
  metrics: { listen: { host: string; port: number } | undefined };
  retention: RetentionConfig;
};

/**
 * What is kept how long (src/retention/): sent e-mails and their .eml files `outboxDays` after
 * sending, read notices `inboxDays` after reading, a person's data `years` after their last
 * case closed. `daily`: the scheduler's tick runs it once a day; `cadap retention run` any time.
 */
export type RetentionConfig = { daily: boolean; outboxDays: number; inboxDays: number; years: number };

export type RateLimitGroup = 'read' | 'write' | 'admin' | 'public' | 'auth-failure';

/**
 * Requests per fixed window, per token subject and per client address, for each route group
 * (src/http/rate-limit.ts). `public` and `auth-failure` have no subject: they count by address,
 * `auth-failure` counting 401 answers.
 */
export type RateLimitConfig = {
  enabled: boolean;
  windowSeconds: number;
  /** How often each instance adds its counts to the shared table and reads the totals back. */
  flushIntervalMs: number;
  /** How many proxies in front of the service append to X-Forwarded-For (0: use the socket address). */
  trustProxyHops: number;
  limits: Record<RateLimitGroup, { perSubject?: number; perAddress: number }>;
};

export type WebSessionLifetime = { idleMinutes: number; maxHours: number };

/** OpenID Connect authorization code flow with PKCE against the configured issuer. */
export type OidcConfig = { issuer: string; clientId: string; clientSecret: string | undefined; scopes: string };

/** The issuer and audience of tokens minted with the embedded local key (`npm run token`). */
export const EMBEDDED_ISSUER = 'urn:cadap:embedded';
export const EMBEDDED_AUDIENCE = 'cadap-api';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(source: Record<string, string | undefined>): Config {
  // Treat empty strings as unset, as shells and .env files commonly produce them.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || 'environment';
        const value = typeof issue.path[0] === 'string' ? cleaned[issue.path[0]] : undefined;
        const shown = value === undefined || /URL|SECRET|KEY|PASSWORD/i.test(name) ? '' : ` (got "${value}")`;
        return `${name}: ${issue.message}${shown}`;
      }),
    );
  }
  const env = parsed.data;
  const dataDir = path.resolve(env.DATA_DIR);
  const jwks: AuthConfig['jwks'] = env.AUTH_JWKS_URL
    ? { kind: 'url', url: env.AUTH_JWKS_URL, refreshSeconds: env.AUTH_JWKS_REFRESH_SECONDS }
    : env.AUTH_JWKS_FILE
      ? { kind: 'file', path: path.resolve(env.AUTH_JWKS_FILE) }
      : { kind: 'local', dir: path.join(dataDir, 'auth') };
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    publicUrl: env.PUBLIC_URL?.replace(/\/$/, ''),
    dataDir,
    database: env.DATABASE_URL ? { kind: 'postgres', url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX } : { kind: 'pglite', dataDir },
    seedDemo: env.SEED_DEMO,
    auth: {
      jwks,
      issuer: env.AUTH_ISSUER ?? EMBEDDED_ISSUER,
      audience: env.AUTH_AUDIENCE ?? EMBEDDED_AUDIENCE,
      algorithms: env.AUTH_ALGORITHMS,
      clockToleranceSeconds: env.AUTH_CLOCK_TOLERANCE_SECONDS,
      maxTokenLifetimeSeconds: env.AUTH_MAX_TOKEN_LIFETIME_SECONDS,
    },
    embeddedKeyChosen: env.AUTH_EMBEDDED_KEY === 'true',
    demoChosen: env.CADAP_DEMO === 'true',
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    logLevel: env.LOG_LEVEL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    migrateOnStart: env.MIGRATE_ON_START === 'true',
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, fileDir: path.join(dataDir, 'mail') },
    scheduler: { enabled: env.SCHEDULER === 'on', cron: env.SCHEDULER_CRON },
    indicatorThreshold: env.INDICATOR_SUPPRESSION_THRESHOLD,
    indicatorCacheSeconds: env.INDICATOR_CACHE_SECONDS,
    audit: {
      checkpointKeyFile: path.resolve(env.AUDIT_CHECKPOINT_KEY_FILE ?? path.join(dataDir, 'audit', 'checkpoint-key.pem')),
      checkpointCron: env.AUDIT_CHECKPOINT_CRON,
      checkpointEveryRows: env.AUDIT_CHECKPOINT_EVERY_ROWS,
    },
    web: {
      sessionKeyFile: path.resolve(env.WEB_SESSION_KEY_FILE ?? path.join(dataDir, 'auth', 'web-session.key')),
      oidc:
        env.OIDC_ISSUER && env.OIDC_CLIENT_ID
          ? { issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID, clientSecret: env.OIDC_CLIENT_SECRET, scopes: env.OIDC_SCOPES }
          : undefined,
      demoSignIn:
        jwks.kind === 'local' &&
        (env.WEB_DEMO_SIGN_IN === 'on' || (env.WEB_DEMO_SIGN_IN === 'auto' && !env.DATABASE_URL && (env.NODE_ENV !== 'production' || env.CADAP_DEMO === 'true'))),
      session: { idleMinutes: env.WEB_SESSION_IDLE_MINUTES, maxHours: env.WEB_SESSION_MAX_HOURS },
    },
    nationalIdKeyFile: path.resolve(env.NATIONAL_ID_KEY_FILE ?? path.join(dataDir, 'auth', 'national-id.key')),
    metrics: { listen: env.METRICS_LISTEN },
    retention: { daily: env.RETENTION === 'on', outboxDays: env.RETENTION_OUTBOX_DAYS, inboxDays: env.RETENTION_INBOX_DAYS, years: env.RETENTION_YEARS },
    rateLimit: {
      enabled: env.RATE_LIMIT === 'on',
      windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
      flushIntervalMs: env.RATE_LIMIT_FLUSH_MS,
      trustProxyHops: env.TRUST_PROXY,
      limits: {
        read: env.RATE_LIMIT_READ,
        write: env.RATE_LIMIT_WRITE,
        admin: env.RATE_LIMIT_ADMIN,
        public: { perAddress: env.RATE_LIMIT_PUBLIC },
        'auth-failure': { perAddress: env.RATE_LIMIT_AUTH_FAILURES },
      },
    },
  };
}

/**
 * What only a start (and `npm run token`) refuses: PostgreSQL without an identity provider.
 * The embedded key is a file anyone with the data directory can sign any token with; on the
 * embedded database that is the zero-setup demo, on a shared PostgreSQL it must be chosen
 * explicitly (AUTH_EMBEDDED_KEY=true), and then every start warns.
 */
export function assertStartable(config: Config): void {
  // The image runs with NODE_ENV=production: there, no settings at all must not mean a demo on 0.0.0.0.
  if (config.env === 'production' && config.database.kind === 'pglite' && config.auth.jwks.kind === 'local' && !config.embeddedKeyChosen && !config.demoChosen) {
    throw new ConfigError([
      'NODE_ENV=production with neither DATABASE_URL nor an identity provider: set DATABASE_URL and AUTH_JWKS_URL (or AUTH_JWKS_FILE) with AUTH_ISSUER and AUTH_AUDIENCE, ' +
        'or set CADAP_DEMO=true to run the embedded demo (fictional data, demo sign-in) on purpose',
    ]);
  }
  if (config.database.kind === 'postgres' && config.auth.jwks.kind === 'local' && !config.embeddedKeyChosen) {
    throw new ConfigError([
      'DATABASE_URL is set but no identity provider is: set AUTH_JWKS_URL (or AUTH_JWKS_FILE) with AUTH_ISSUER and AUTH_AUDIENCE, ' +
        'or set AUTH_EMBEDDED_KEY=true to sign tokens with the embedded key in DATA_DIR/auth (anyone who can read that file can sign in as anyone: not for production)',
    ]);
  }
}
