import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertStartable, ConfigError, EMBEDDED_AUDIENCE, EMBEDDED_ISSUER, loadConfig } from '../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('with nothing set: embedded PGlite in ./data, local issuer, port 3000', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'pglite', dataDir: path.resolve('./data') });
    expect(config.auth).toMatchObject({ jwks: { kind: 'local', dir: path.resolve('./data/auth') }, issuer: EMBEDDED_ISSUER, audience: EMBEDDED_AUDIENCE });
    expect(config.port).toBe(3000);
    expect(config.seedDemo).toBe('auto');
  });

  it('DATABASE_URL selects postgres.js with a sized pool', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/cadap', DATABASE_POOL_MAX: '25' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/cadap', poolMax: 25 });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).database.kind).toBe('pglite');
  });

  it('names each bad variable, and never echoes a URL that may hold a password', () => {
    const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'mysql://user:secret@db/x', LOG_LEVEL: 'loud' });
    expect(problems.some((problem) => problem.startsWith('PORT:') && problem.includes('"eighty"'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('LOG_LEVEL:'))).toBe(true);
    const url = problems.find((problem) => problem.startsWith('DATABASE_URL:'));
    expect(url).toBeDefined();
    expect(url).not.toContain('secret');
  });

  it('an external key set needs its issuer and audience', () => {
    const problems = problemsOf({ AUTH_JWKS_URL: 'https://id.example.org/jwks.json' });
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^AUTH_ISSUER:/), expect.stringMatching(/^AUTH_AUDIENCE:/)]));
  });

  it('refuses both a JWKS URL and a JWKS file', () => {
    expect(problemsOf({ AUTH_JWKS_URL: 'https://id.example.org/jwks.json', AUTH_JWKS_FILE: './jwks.json', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' })).toEqual([
      expect.stringMatching(/^AUTH_JWKS_FILE: set AUTH_JWKS_URL or AUTH_JWKS_FILE, not both/),
    ]);
  });

  it('pins algorithms from a list and refuses symmetric ones', () => {
    expect(loadConfig({ AUTH_ALGORITHMS: 'RS256, PS256' }).auth.algorithms).toEqual(['RS256', 'PS256']);
    expect(problemsOf({ AUTH_ALGORITHMS: 'HS256' })[0]).toMatch(/^AUTH_ALGORITHMS/);
  });

  it('mail and scheduler: .eml files in DATA_DIR/mail without SMTP_URL; SCHEDULER=off for API-only replicas', () => {
    const embedded = loadConfig({});
    expect(embedded.mail).toEqual({ smtpUrl: undefined, from: 'CADAP <no-reply@cadap.invalid>', fileDir: path.resolve('./data/mail') });
    expect(embedded.scheduler).toEqual({ enabled: true, cron: '* * * * *' });
    const replica = loadConfig({ SMTP_URL: 'smtp://mail.example.org:25', SCHEDULER: 'off' });
    expect(replica.mail.smtpUrl).toBe('smtp://mail.example.org:25');
    expect(replica.scheduler.enabled).toBe(false);
    expect(problemsOf({ SMTP_URL: 'http://mail' })[0]).toMatch(/^SMTP_URL/);
  });
});

describe('configuration: sign-in without an identity provider', () => {
  const idp = { AUTH_JWKS_URL: 'https://id.example.org/jwks.json', AUTH_ISSUER: 'https://id.example.org', AUTH_AUDIENCE: 'cadap' };
  const postgres = { DATABASE_URL: 'postgres://u@db:5432/cadap' };

  it('listens on 127.0.0.1 unless HOST is set', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig(postgres).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('PostgreSQL without an identity provider cannot start unless AUTH_EMBEDDED_KEY=true chooses the embedded key', () => {
    expect(() => assertStartable(loadConfig(postgres))).toThrow(ConfigError);
    expect(() => assertStartable(loadConfig(postgres))).toThrow(/AUTH_JWKS_URL.*AUTH_JWKS_FILE.*AUTH_EMBEDDED_KEY=true/s);
    const chosen = loadConfig({ ...postgres, AUTH_EMBEDDED_KEY: 'true' });
    expect(chosen.embeddedKeyChosen).toBe(true);
    expect(() => assertStartable(chosen)).not.toThrow();
    expect(() => assertStartable(loadConfig({ ...postgres, ...idp }))).not.toThrow();
    expect(() => assertStartable(loadConfig({}))).not.toThrow();
    expect(loadConfig({}).embeddedKeyChosen).toBe(false);
    expect(problemsOf({ ...idp, AUTH_EMBEDDED_KEY: 'true' })).toEqual([expect.stringMatching(/^AUTH_EMBEDDED_KEY: /)]);
    expect(problemsOf({ AUTH_EMBEDDED_KEY: 'yes' })[0]).toMatch(/^AUTH_EMBEDDED_KEY/);
  });

  it('in production (the image), no settings is a refusal naming them, not a demo on 0.0.0.0; CADAP_DEMO=true asks for the demo', () => {
    const production = { NODE_ENV: 'production' };
    expect(() => assertStartable(loadConfig(production))).toThrow(/DATABASE_URL.*AUTH_JWKS_URL.*AUTH_JWKS_FILE.*AUTH_ISSUER.*AUTH_AUDIENCE.*CADAP_DEMO=true/);
    expect(() => assertStartable(loadConfig({ ...production, CADAP_DEMO: 'true' }))).not.toThrow();
    expect(loadConfig({ ...production, CADAP_DEMO: 'true' }).web.demoSignIn).toBe(true);
    // The embedded key chosen on purpose, or a real identity provider, on the embedded database.
    expect(() => assertStartable(loadConfig({ ...production, AUTH_EMBEDDED_KEY: 'true' }))).not.toThrow();
    expect(() => assertStartable(loadConfig({ ...production, ...idp }))).not.toThrow();
    expect(() => assertStartable(loadConfig({ ...production, ...postgres, ...idp }))).not.toThrow();
    expect(problemsOf({ CADAP_DEMO: 'yes' })[0]).toMatch(/^CADAP_DEMO/);
  });

  it('offers demo sign-in only on the embedded database with the embedded key outside production, unless WEB_DEMO_SIGN_IN asks', () => {
    expect(loadConfig({}).web.demoSignIn).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).web.demoSignIn).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).web.demoSignIn).toBe(false);
    expect(loadConfig({ ...postgres, AUTH_EMBEDDED_KEY: 'true' }).web.demoSignIn).toBe(false);
    expect(loadConfig({ ...postgres, ...idp }).web.demoSignIn).toBe(false);
    expect(loadConfig({ WEB_DEMO_SIGN_IN: 'off' }).web.demoSignIn).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', WEB_DEMO_SIGN_IN: 'on' }).web.demoSignIn).toBe(true);
    expect(loadConfig({ ...postgres, AUTH_EMBEDDED_KEY: 'true', WEB_DEMO_SIGN_IN: 'on' }).web.demoSignIn).toBe(true);
    expect(problemsOf({ ...idp, WEB_DEMO_SIGN_IN: 'on' })).toEqual([expect.stringMatching(/^WEB_DEMO_SIGN_IN: /)]);
  });

  it('token lifetime cap and web session lifetimes: defaults and bounds', () => {
    const defaults = loadConfig({});
    expect(defaults.auth.maxTokenLifetimeSeconds).toBe(43_200);
    expect(defaults.web.session).toEqual({ idleMinutes: 30, maxHours: 12 });
    const set = loadConfig({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: '3600', WEB_SESSION_IDLE_MINUTES: '15', WEB_SESSION_MAX_HOURS: '8' });
    expect(set.auth.maxTokenLifetimeSeconds).toBe(3600);
    expect(set.web.session).toEqual({ idleMinutes: 15, maxHours: 8 });
    expect(problemsOf({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: '0' })[0]).toMatch(/^AUTH_MAX_TOKEN_LIFETIME_SECONDS/);
    expect(problemsOf({ WEB_SESSION_IDLE_MINUTES: 'soon' })[0]).toMatch(/^WEB_SESSION_IDLE_MINUTES/);
  });

  it('retention: sent e-mails 30 days, read notices 180 days, people 5 years, daily from the tick; bad values name the variable', () => {
    expect(loadConfig({}).retention).toEqual({ daily: true, outboxDays: 30, inboxDays: 180, years: 5 });
    expect(loadConfig({ RETENTION: 'off', RETENTION_OUTBOX_DAYS: '7', RETENTION_INBOX_DAYS: '90', RETENTION_YEARS: '10' }).retention).toEqual({
      daily: false,
      outboxDays: 7,
      inboxDays: 90,
      years: 10,
    });
    expect(problemsOf({ RETENTION_YEARS: '0' })[0]).toMatch(/^RETENTION_YEARS/);
    expect(problemsOf({ RETENTION_OUTBOX_DAYS: 'a month' })[0]).toMatch(/^RETENTION_OUTBOX_DAYS: .*"a month"/);
    expect(problemsOf({ RETENTION: 'yes' })[0]).toMatch(/^RETENTION:/);
  });
});
