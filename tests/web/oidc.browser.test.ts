import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { generateSigner } from '../../src/audit/signer.js';
import type { Actor } from '../../src/auth/authenticator.js';
import { RemoteKeySet } from '../../src/auth/keys.js';
import { systemClock } from '../../src/clock.js';
import { listen, type RunningServer } from '../../src/http/serve.js';
import { createMemoryLogger } from '../../src/logger.js';
import { createOrganisation, type OrganisationRow } from '../../src/organisations/service.js';
import { createFileMailer } from '../../notifications/mailer.js';
import { openTestDatabase } from '../helpers/test-database.js';
import { chromiumMissing, expectAccessible, launchBrowser } from './browser.js';

/**
 * Production sign-in against a real OpenID provider (panva's oidc-provider) started here on
 * 127.0.0.1: authorization code flow with PKCE, in Chromium, through the provider's login page.
 * The provider issues JWT access tokens with the `org` and `roles` claims, and the service
 * verifies them with the provider's JWKS URL, as in production.
 */
const ADMIN: Actor = {
  sub: 'test-setup',
  name: undefined,
  organisation: { id: '00000000-0000-0000-0000-000000000000', kind: 'coordinator', name: 'setup', country: 'KZ', region: 'KZ-PAV' },
  roles: ['admin'],
  expiresAt: new Date('2100-01-01T00:00:00Z'),
};

let providerServer: http.Server;
let service: RunningServer;
let database: Awaited<ReturnType<typeof openTestDatabase>>;
let base: string;
let ngo: OrganisationRow;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  if (chromiumMissing) return;
  database = await openTestDatabase();
  ngo = await createOrganisation(
    database.db,
    ADMIN,
    { kind: 'ngo', name: 'OIDC Test NGO', country: 'KZ', region: 'KZ-PAV', notificationEmails: ['ngo@example.org'], certificationValidUntil: '2030-12-31', locale: 'en' },
    new Date(),
  );

  providerServer = http.createServer();
  await new Promise<void>((resolve) => providerServer.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(providerServer.address() as AddressInfo).port}`;
  // The service listens first, so the provider can be told its redirect URI; the app is built once the provider runs.
  const holder: { app?: App } = {};
  service = await listen((request) => holder.app!.fetch(request), { host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${service.port}`;

  const rsa = await generateKeyPair('RS256', { extractable: true });
  const es = await generateKeyPair('ES256', { extractable: true });
  const provider = new Provider(issuer, {
    clients: [
      { client_id: 'cadap-web', client_secret: 'test-secret', redirect_uris: [`${base}/app/oidc/callback`], grant_types: ['authorization_code'], response_types: ['code'] },
    ],
    jwks: {
      keys: [
        { ...(await exportJWK(rsa.privateKey)), kid: 'rs', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(es.privateKey)), kid: 'es', alg: 'ES256', use: 'sig' },
      ],
    },
    scopes: ['openid', 'profile', 'cadap'],
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id }) }),
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:cadap:api',
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'cadap', audience: 'cadap-api', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
      },
    },
    // The claims the service's authenticator needs, in the access token.
    extraTokenClaims: () => ({ org: ngo.id, roles: ['ngo_worker'] }),
  } as ConstructorParameters<typeof Provider>[1]);
  providerServer.on('request', provider.callback());

  const auth = {
    jwks: { kind: 'url' as const, url: `${issuer}/jwks`, refreshSeconds: 300 },
    issuer,
    audience: 'cadap-api',
    algorithms: ['ES256', 'RS256'],
    clockToleranceSeconds: 30,
  };
  holder.app = await createApp({
    database,
    clock: systemClock,
    logger: createMemoryLogger(),
    keys: await RemoteKeySet.load(auth.jwks.url, { refreshSeconds: 300 }),
    auditSigner: generateSigner(),
    nationalIdKey: randomBytes(32),
    mailer: createFileMailer(path.join(os.tmpdir(), 'cadap-test-mail')),
    config: { auth, publicUrl: undefined, bodyLimitBytes: 65536 },
    web: {
      sessionKey: new Uint8Array(randomBytes(32)),
      signIn: { kind: 'oidc', oidc: { issuer, clientId: 'cadap-web', clientSecret: 'test-secret', scopes: 'openid profile cadap' } },
    },
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await service?.close(1000);
  providerServer?.close();
  await database?.close();
});

describe.skipIf(chromiumMissing)('web sign-in with OpenID Connect', { timeout: 120_000 }, () => {
  it('signs in through the provider (code flow with PKCE) and lands on the organisation’s workspace', async () => {
    const page = await browser.context.newPage();
    const authorizeRequests: URL[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/auth?')) authorizeRequests.push(new URL(request.url()));
    });
    await page.goto(`${base}/app/sign-in`);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Sign in with your organisation’s account' }).click();
    await page.waitForSelector('input[name=login]');
    const authorize = authorizeRequests[0]!;
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    await page.fill('input[name=login]', 'caseworker-1');
    await page.fill('input[name=password]', 'any');
    await page.click('button[type=submit]');
    // The provider's consent screen, then back to the service's callback and on to the workspace.
    await page.waitForSelector('input[name=prompt][value=consent]', { state: 'attached' });
    await Promise.all([page.waitForURL(`${base}/app`, { timeout: 30_000 }), page.click('button[type=submit]')]);
    expect(await page.locator('h1').innerText()).toContain('OIDC Test NGO');
    expect(await page.locator('.who').innerText()).toContain('OIDC Test NGO');
    await expectAccessible(page);
  });

  it('signing out ends the OIDC session on the server: the cookie saved before opens nothing', async () => {
    const saved = (await browser.context.cookies(base)).find((cookie) => cookie.name === 'cadap-session');
    expect(saved).toBeDefined();
    const page = await browser.context.newPage();
    await page.goto(`${base}/app`);
    expect(await page.locator('.who').innerText()).toContain('OIDC Test NGO');
    await Promise.all([page.waitForURL(`${base}/app/sign-in`), page.getByRole('button', { name: 'Sign out' }).click()]);
    const replayed = await fetch(`${base}/app`, { headers: { cookie: `cadap-session=${saved!.value}` }, redirect: 'manual' });
    expect(replayed.status).toBe(303);
    expect(replayed.headers.get('location')).toBe('/app/sign-in');
  });

  it('refuses a callback that does not carry the state it started with', async () => {
    const response = await fetch(`${base}/app/oidc/callback?code=forged&state=forged`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/app/sign-in?failed=1');
  });
});
