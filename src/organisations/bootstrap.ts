import { count, sql } from 'drizzle-orm';
import type { z } from '@hono/zod-openapi';
import type { Database } from '../../db/client.js';
import { organisations } from '../../db/schema.js';
import { ensureAuditChains, recordAudit, SYSTEM_ACTOR } from '../audit/audit.js';
import type { Actor } from '../auth/authenticator.js';
import { CreateOrganisationSchema } from './schemas.js';
import { createOrganisation, type OrganisationRow } from './service.js';

/**
 * `cadap bootstrap`: the first organisations of an empty registry, without a request. The API
 * registers an organisation only for an admin's token, and a token names a registered
 * organisation (its `org` claim): on an empty database someone has to come first. Bootstrap
 * does that once, for the deployer on the server, and refuses as soon as any organisation exists.
 */

export type BootstrapField = { path: string; message: string };

/** Why nothing was created: the input (fields named) or the registry that is not empty. */
export class BootstrapRefused extends Error {
  constructor(
    message: string,
    readonly fields: BootstrapField[] = [],
  ) {
    super(message);
    this.name = 'BootstrapRefused';
  }
}

export type BootstrapInput = z.input<typeof CreateOrganisationSchema>;

/** An arbitrary, fixed key: two bootstraps at once take turns, and the second finds the registry taken. */
const BOOTSTRAP_LOCK_KEY = 7_230_118_432;

/**
 * Validates every body with the API's own schema (POST /organisations), all or nothing: the
 * paths name the body's place in the list when there are several (`[1].region`).
 */
export function parseBootstrapInput(bodies: readonly unknown[]): z.infer<typeof CreateOrganisationSchema>[] {
  if (bodies.length === 0) throw new BootstrapRefused('No organisation given: name at least the admin’s organisation.');
  const fields: BootstrapField[] = [];
  const parsed = bodies.map((body, index) => {
    const result = CreateOrganisationSchema.safeParse(body);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const path = issue.path.map(String).join('.');
      fields.push({ path: bodies.length > 1 ? `[${index}]${path ? `.${path}` : ''}` : path || '(body)', message: issue.message });
    }
    return undefined;
  });
  if (fields.length > 0) throw new BootstrapRefused('The organisations are not valid; nothing was created.', fields);
  return parsed as z.infer<typeof CreateOrganisationSchema>[];
}

/**
 * Creates the organisations in one transaction, each with an audit row written as the service
 * itself (SYSTEM_ACTOR, request id `bootstrap`). Refuses when the registry holds any organisation.
 */
export async function bootstrapOrganisations(db: Database, bodies: readonly unknown[], now: Date): Promise<OrganisationRow[]> {
  const valid = parseBootstrapInput(bodies);
  await ensureAuditChains(db, now);
  // createOrganisation asks who may register which kind: here, the service on the deployer's behalf.
  const registrar: Actor = { ...SYSTEM_ACTOR, roles: ['admin'] };
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`);
    const [existing] = await tx.select({ n: count() }).from(organisations);
    const n = Number(existing?.n ?? 0);
    if (n > 0) {
      throw new BootstrapRefused(
        `The registry already has ${n} organisation${n === 1 ? '' : 's'}: bootstrap only sets up an empty database. Register more with POST /organisations and an admin’s token.`,
      );
    }
    const rows: OrganisationRow[] = [];
    for (const body of valid) {
      const row = await createOrganisation(tx, registrar, body, now);
      await recordAudit(tx, {
        actor: SYSTEM_ACTOR,
        action: 'organisation.bootstrap',
        subjectType: 'organisation',
        subjectId: row.id,
        requestId: 'bootstrap',
        outcome: 'success',
        at: now,
      });
      rows.push(row);
    }
    return rows;
  });
}
