import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { StaticKeySet } from '../../src/auth/keys.js';

export const TEST_ISSUER = 'https://id.test.cadap.invalid';
export const TEST_AUDIENCE = 'cadap-test-api';

export type SigningKey = { kid: string; alg: 'ES256' | 'RS256'; privateKey: CryptoKey; publicJwk: JWK };

export async function createSigningKey(alg: 'ES256' | 'RS256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A local issuer for tests: keys whose public halves form the service's key set. */
export async function createTestIssuer() {
  const es = await createSigningKey('ES256', 'test-es');
  const rs = await createSigningKey('RS256', 'test-rs');
  const keySet = new StaticKeySet({ keys: [es.publicJwk, rs.publicJwk] });
  return {
    es,
    rs,
    keySet,
    /** Signs arbitrary claims; defaults give a valid token for the test issuer and audience. */
    async sign(claims: JWTPayload, options: { key?: SigningKey; header?: Record<string, unknown>; now?: Date; ttlSeconds?: number } = {}) {
      const key = options.key ?? es;
      const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
      const payload: JWTPayload = { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'user-1', iat, exp: iat + (options.ttlSeconds ?? 3600), ...claims };
      for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
      return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...options.header }).sign(key.privateKey);
    },
  };
}
export type TestIssuer = Awaited<ReturnType<typeof createTestIssuer>>;
