import { createHash } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, type AuthConfig } from '../config.js';
import type { Clock } from '../clock.js';
import { isRoleValidForKind, ROLES, type OrganisationKind, type Role } from '../domain.js';
import { unauthenticated } from '../errors.js';
import type { KeySet } from './keys.js';
import { isUuid } from '../uuid.js';

/** The organisation facts authentication needs. */
export type ActorOrganisation = { id: string; kind: OrganisationKind; name: string; country: string; region: string };

/** Who is calling, as the service understood the token. */
export type Actor = {
  sub: string;
  name: string | undefined;
  organisation: ActorOrganisation;
  roles: Role[];
  /** When the token expires; cached verifications never outlive it. */
  expiresAt: Date;
};

export type OrganisationLookup = (id: string) => Promise<ActorOrganisation | undefined>;

const MAX_TOKEN_LENGTH = 8192;
const MAX_CACHE_ENTRIES = 10_000;

export type Authenticator = {
  authenticate(token: string): Promise<Actor>;
  /** Drops every cached verification (e.g. after an organisation's kind is corrected). */
  clearCache(): void;
};

/**
 * Verifies bearer tokens: signature against the key set with pinned algorithms, `iss`, `aud`,
 * `exp` and `sub` required, a small clock tolerance, a lifetime (`exp` - `iat`) no longer than
 * the configured cap; then the `org` must exist and every role
 * must be valid for that organisation's kind. Successful verifications are cached until the
 * token's `exp`, keyed by a hash of the token; the cache is dropped when the key set changes.
 */
export function createAuthenticator(deps: { keys: KeySet; config: AuthConfig; clock: Clock; lookupOrganisation: OrganisationLookup }): Authenticator {
  const { keys, config, clock, lookupOrganisation } = deps;
  const cache = new Map<string, Actor>();
  let cacheFingerprint = keys.fingerprint();

  const syncCache = () => {
    const current = keys.fingerprint();
    if (current !== cacheFingerprint) {
      cache.clear();
      cacheFingerprint = current;
    }
  };

  async function verify(token: string): Promise<Actor> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys.getKey, {
        algorithms: config.algorithms,
        issuer: config.issuer,
        audience: config.audience,
        requiredClaims: ['exp', 'sub', 'iss', 'aud'],
        clockTolerance: config.clockToleranceSeconds,
        currentDate: clock.now(),
      }));
    } catch (error) {
      throw unauthenticated(describeJoseError(error));
    }
    // A token that lives longer than the cap is a standing key: refused however it was signed.
    const maxLifetime = config.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
    // Without "iat", from now; an "iat" in the future counts from now too (it must not stretch the window).
    const nowSeconds = Math.floor(clock.now().getTime() / 1000);
    const issuedAt = typeof payload.iat === 'number' ? Math.min(payload.iat, nowSeconds) : nowSeconds;
    if ((payload.exp as number) - issuedAt > maxLifetime) {
      throw unauthenticated(`The token lives longer than this service accepts (at most ${maxLifetime} seconds from "iat" to "exp").`);
    }
    const org = payload.org;
    if (typeof org !== 'string' || !isUuid(org)) throw unauthenticated('The token has no valid "org" claim.');
    const roles = payload.roles;
    if (!Array.isArray(roles) || roles.length === 0 || !roles.every((role) => typeof role === 'string')) {
      throw unauthenticated('The token has no valid "roles" claim.');
    }
    const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
    if (unknown.length > 0) throw unauthenticated(`The token names unknown roles: ${unknown.join(', ')}.`);
    const organisation = await lookupOrganisation(org);
    if (!organisation) throw unauthenticated('The token names an organisation that is not registered.');
    const invalid = (roles as Role[]).filter((role) => !isRoleValidForKind(role, organisation.kind));
    if (invalid.length > 0) {
      throw unauthenticated(`Role ${invalid.join(', ')} is not valid at an organisation of kind ${organisation.kind}.`);
    }
    return {
      sub: payload.sub as string,
      name: typeof payload.name === 'string' ? payload.name : undefined,
      organisation,
      roles: [...new Set(roles as Role[])],
      expiresAt: new Date((payload.exp as number) * 1000),
    };
  }

  return {
    async authenticate(token: string): Promise<Actor> {
      if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw unauthenticated('The bearer token is malformed.');
      await keys.refresh();
      syncCache();
      const key = createHash('sha256').update(token).digest('base64url');
      const now = clock.now().getTime();
      const cached = cache.get(key);
      if (cached && cached.expiresAt.getTime() > now) return cached;
      if (cached) cache.delete(key);
      const actor = await verify(token);
      syncCache();
      if (cache.size >= MAX_CACHE_ENTRIES) {
        for (const [entryKey, entry] of cache) if (entry.expiresAt.getTime() <= now) cache.delete(entryKey);
        // Still full: drop the oldest entries (a Map iterates in insertion order).
        for (const entryKey of cache.keys()) {
          if (cache.size < MAX_CACHE_ENTRIES * 0.9) break;
          cache.delete(entryKey);
        }
      }
      cache.set(key, actor);
      return actor;
    },
    clearCache() {
      cache.clear();
    },
  };
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'The token is not valid yet.';
    if (error.claim === 'iss') return 'The token was issued by an issuer this service does not trust.';
    if (error.claim === 'aud') return 'The token is not meant for this service (audience).';
    return `The token's "${error.claim}" claim is missing or invalid.`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm this service does not accept.';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'The token is signed with a key this service does not know.';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature is not valid.';
  return 'The bearer token is malformed or cannot be verified.';
}
