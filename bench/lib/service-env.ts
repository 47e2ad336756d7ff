import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { DatabaseConfig } from '../../src/config.js';

export type ServiceEnv = {
  /** A staff token of the organisation with the role, signed with the key the service trusts. */
  tokenFor: (org: string, role: string) => Promise<string>;
  /** The environment of a service under load: the bench's key set, no scheduler, no rate limit, logs at warn. */
  serviceEnv: (target: DatabaseConfig) => Record<string, string>;
};

const ISSUER = 'https://id.bench.cadap.invalid';
const AUDIENCE = 'cadap-bench';

/** Keys: the service trusts a JWKS file written in `work`; the bench signs staff tokens with its private half. */
export async function createServiceEnv(work: string): Promise<ServiceEnv> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwksFile = path.join(work, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] }));
  const checkpointKey = path.join(work, 'checkpoint-key.pem');
  return {
    tokenFor: (org, role) =>
      new SignJWT({ org, roles: [role] })
        .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
        .setSubject(`bench:${role}`)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('6h')
        .sign(privateKey),
    serviceEnv: (target) => ({
      ...(target.kind === 'postgres' ? { DATABASE_URL: target.url } : { DATA_DIR: target.dataDir }),
      AUTH_JWKS_FILE: jwksFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUDIT_CHECKPOINT_KEY_FILE: checkpointKey,
      SCHEDULER: 'off',
      RATE_LIMIT: 'off',
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      // The load rows measure computing the indicators; the soak runs with the default cache.
      INDICATOR_CACHE_SECONDS: '0',
    }),
  };
}
