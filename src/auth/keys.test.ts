import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureLocalSigningKey, LOCAL_JWKS_FILE, LOCAL_SIGNING_KEY_FILE } from './keys.js';
import { signLocalToken } from './local-token.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the embedded signing key', () => {
  it('is made once, kept private, and signs tokens its public key set verifies', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-keys-'));
    dirs.push(dir);
    const jwks = await ensureLocalSigningKey(dir);
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(key).not.toHaveProperty('d'); // the public set carries no private part
    expect(fs.statSync(path.join(dir, LOCAL_SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCAL_SIGNING_KEY_FILE), 'utf8'))).toHaveProperty('d');

    const token = await signLocalToken(dir, { org: 'org-1', roles: ['judge'], sub: 'someone' }, { issuer: 'iss', audience: 'aud', ttlSeconds: 60 });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'iss', audience: 'aud' });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: key!.kid });
    expect(payload).toMatchObject({ org: 'org-1', roles: ['judge'], sub: 'someone' });

    // A second start keeps the key: the same key id, the same file.
    const before = fs.readFileSync(path.join(dir, LOCAL_JWKS_FILE), 'utf8');
    expect((await ensureLocalSigningKey(dir)).keys[0]!.kid).toBe(key!.kid);
    expect(fs.readFileSync(path.join(dir, LOCAL_JWKS_FILE), 'utf8')).toBe(before);
  });
});
