import fs from 'node:fs';
import path from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import { LOCAL_SIGNING_KEY_FILE } from './keys.js';

export type LocalTokenClaims = { org: string; roles: readonly string[]; sub: string; name?: string | undefined };

/**
 * Roles the embedded key never signs, in the web's demo sign-in or `npm run token`: an admin
 * manages the registry and an auditor reads the audit trail, and anyone who can reach the demo
 * must not become either. They come from an identity provider (AUTH_JWKS_URL / AUTH_JWKS_FILE).
 */
export const ROLES_NEVER_SIGNED_LOCALLY: readonly string[] = ['admin', 'auditor'];

export function refusedLocalRoles(roles: readonly string[]): string[] {
  return roles.filter((role) => ROLES_NEVER_SIGNED_LOCALLY.includes(role));
}

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
  const refused = refusedLocalRoles(claims.roles);
  if (refused.length > 0) throw new Error(`The embedded key never signs the role ${refused.join(', ')}.`);
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
