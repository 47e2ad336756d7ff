import fs from 'node:fs';
import path from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import { LOCAL_SIGNING_KEY_FILE } from './keys.js';

export type LocalTokenClaims = { org: string; roles: readonly string[]; sub: string; name?: string | undefined };

/** Whether the embedded signing key exists in `dir` (the service creates it on first start). */
export function hasLocalSigningKey(dir: string): boolean {
  return fs.existsSync(path.join(dir, LOCAL_SIGNING_KEY_FILE));
}

/**
 * Signs a token with the embedded local key in `dir` (DATA_DIR/auth): what `npm run token`
 * prints and what the web workspace's demo sign-in puts in its session. Only for the embedded
 * key set; with an external issuer, tokens come from that identity provider.
 */
export async function signLocalToken(dir: string, claims: LocalTokenClaims, options: { issuer: string; audience: string; ttlSeconds: number; now?: Date }): Promise<string> {
  const jwk = JSON.parse(fs.readFileSync(path.join(dir, LOCAL_SIGNING_KEY_FILE), 'utf8')) as JWK & { kid: string; alg: string };
  const key = await importJWK(jwk, jwk.alg);
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ org: claims.org, roles: [...claims.roles], ...(claims.name ? { name: claims.name } : {}) })
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + options.ttlSeconds)
    .sign(key);
}
