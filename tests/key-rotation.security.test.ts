import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/auth/authenticator.js';
import { FileKeySet, RemoteKeySet, type KeySet } from '../src/auth/keys.js';
import { systemClock } from '../src/clock.js';
import { createTestContext } from './helpers/context.js';
import { createSigningKey, createTestIssuer, TEST_AUDIENCE, TEST_ISSUER, type SigningKey, type TestIssuer } from './helpers/keys.js';

const ORG = { id: '5d0c7a52-8a8e-4c2f-b6c1-6f4b1f0e2d3a', kind: 'prison' as const, name: 'P', country: 'KZ', region: 'KZ-PAV' };

function authenticatorFor(keys: KeySet) {
  return createAuthenticator({
    keys,
    clock: systemClock,
    config: { jwks: { kind: 'file', path: '(test)' }, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, algorithms: ['ES256', 'RS256'], clockToleranceSeconds: 30 },
    lookupOrganisation: async (id) => (id === ORG.id ? ORG : undefined),
  });
}

let issuer: TestIssuer;
let next: SigningKey;
const sign = (key: SigningKey) => issuer.sign({ org: ORG.id, roles: ['prison_staff'] }, { key });

beforeAll(async () => {
  issuer = await createTestIssuer();
  next = await createSigningKey('ES256', 'rotated-2');
});

describe('a JWKS served over HTTP by the identity provider', () => {
  let published: JSONWebKeySet;
  let fetches = 0;
  let failing = false;
  const server = http.createServer((_request, response) => {
    fetches += 1;
    if (failing) {
      response.statusCode = 503;
      response.end();
      return;
    }
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(published));
  });
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('accepts a newly published key on the next request and refuses a retired key once it leaves the set', async () => {
    published = { keys: [issuer.es.publicJwk] };
    const keys = await RemoteKeySet.load(url, { refreshSeconds: 3600, unknownKidCooldownMs: 0 });
    const auth = authenticatorFor(keys);
    const oldToken = await sign(issuer.es);
    await expect(auth.authenticate(oldToken)).resolves.toMatchObject({ organisation: { id: ORG.id } });

    // The provider rotates: publishes the new key and retires the old one.
    published = { keys: [next.publicJwk] };
    const fetchesBefore = fetches;
    await expect(auth.authenticate(await sign(next))).resolves.toMatchObject({ roles: ['prison_staff'] });
    expect(fetches).toBe(fetchesBefore + 1);
    // The old token was cached as valid; the key set changed, so the cache was dropped.
    await expect(auth.authenticate(oldToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('through the HTTP API on the real database: the new key works on the next request, the retired key’s token gets 401', async () => {
    const t = await createTestContext();
    try {
      const prison = await t.organisation('prison');
      published = { keys: [issuer.es.publicJwk] };
      const { request } = await t.instance({ keys: await RemoteKeySet.load(url, { refreshSeconds: 3600, unknownKidCooldownMs: 0 }) });
      const signAt = (key: SigningKey) => issuer.sign({ org: prison.id, roles: ['prison_staff'] }, { key, now: t.clock.now() });
      const oldToken = await signAt(issuer.es);
      expect((await request('GET', '/me', { token: oldToken })).status).toBe(200);
      // Rotation: the new key is published, the old one retired, in one change of the served set.
      published = { keys: [next.publicJwk] };
      expect((await request('GET', '/me', { token: await signAt(next) })).status).toBe(200);
      const refused = await request('GET', '/me', { token: oldToken });
      expect(refused.status).toBe(401);
      expect(refused.json.code).toBe('UNAUTHENTICATED');
    } finally {
      await t.close();
    }
  });

  it('keeps the keys it has when a refresh fails', async () => {
    published = { keys: [issuer.es.publicJwk] };
    const keys = await RemoteKeySet.load(url, { refreshSeconds: 3600, unknownKidCooldownMs: 0 });
    const auth = authenticatorFor(keys);
    failing = true;
    try {
      const fetchesBefore = fetches;
      const stranger = await createSigningKey('ES256', 'stranger');
      await expect(auth.authenticate(await sign(stranger))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(fetches).toBe(fetchesBefore + 1);
      await expect(auth.authenticate(await sign(issuer.es))).resolves.toBeDefined();
    } finally {
      failing = false;
    }
  });
});

describe('a JWKS file', () => {
  it('is re-read when it changes, and the verification cache is dropped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-jwks-'));
    const file = path.join(dir, 'jwks.json');
    try {
      fs.writeFileSync(file, JSON.stringify({ keys: [issuer.es.publicJwk] }));
      const auth = authenticatorFor(new FileKeySet(file));
      const oldToken = await sign(issuer.es);
      await expect(auth.authenticate(oldToken)).resolves.toBeDefined();
      fs.writeFileSync(file, JSON.stringify({ keys: [next.publicJwk] }));
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(file, later, later);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // the file is checked at most once a second
      await expect(auth.authenticate(await sign(next))).resolves.toBeDefined();
      await expect(auth.authenticate(oldToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('publishes only public keys: a private key in the file is ignored', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-jwks-'));
    const file = path.join(dir, 'jwks.json');
    try {
      const { exportJWK } = await import('jose');
      const privateJwk = { ...(await exportJWK(issuer.es.privateKey)), kid: 'test-es', alg: 'ES256' };
      fs.writeFileSync(file, JSON.stringify({ keys: [privateJwk] }));
      const auth = authenticatorFor(new FileKeySet(file));
      await expect(auth.authenticate(await sign(issuer.es))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
