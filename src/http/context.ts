import type { Actor, Authenticator } from '../auth/authenticator.js';
import type { CheckpointSigner } from '../audit/signer.js';
import type { AuditTamperRisk } from '../audit/tamper-risk.js';
import type { Mailer } from '../../notifications/mailer.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database, DatabaseHandle } from '../../db/client.js';
import type { Logger } from '../logger.js';
import type { RateLimiter } from './rate-limit.js';
import type { RateLimitGroup } from '../config.js';
import type { RequestFacts } from '../request-facts.js';
import type { Metrics } from '../metrics/registry.js';
import type { StaffDirectory } from '../staff/directory.js';

/** What handlers get from the composition root, through the request context. */
export type Services = {
  db: Database;
  database: DatabaseHandle;
  clock: Clock;
  logger: Logger;
  authenticator: Authenticator;
  config: Pick<Config, 'publicUrl' | 'bodyLimitBytes'>;
  /** Sends the outbox's e-mail (SMTP, or .eml files in embedded mode). */
  mailer: Mailer;
  /** Signs and checks audit checkpoints. */
  auditSigner: CheckpointSigner;
  /** Secret used to digest national ids for duplicate detection; never leaves the process. */
  nationalIdKey: Buffer;
  /** Whether the database role could bypass the audit trail's triggers (checked at start; PostgreSQL only). */
  auditTamperRisk?: AuditTamperRisk | undefined;
  /** Per-subject and per-address request limits; absent when rate limiting is off. */
  rateLimiter?: RateLimiter | undefined;
  /** Records the caseworkers seen with a token for their organisation (who a case can be assigned to). */
  staff: StaffDirectory;
  /** Told after an organisation is created or changed (with the embedded key: rewrites the map `npm run token` reads). */
  organisationsChanged?: (() => Promise<void>) | undefined;
  /** The Prometheus registry GET /metrics renders. */
  metrics: Metrics;
};

export type AppEnv = {
  Variables: {
    requestId: string;
    services: Services;
    actor: Actor;
    /** The route group whose limits this request counts against (set when rate limiting is on). */
    rateLimitGroup?: Exclude<RateLimitGroup, 'auth-failure'>;
  };
};

export function requestFacts(c: { var: AppEnv['Variables'] }): RequestFacts {
  return { actor: c.var.actor, requestId: c.var.requestId, now: c.var.services.clock.now() };
}
