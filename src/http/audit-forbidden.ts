import type { Context } from 'hono';
import { routePath } from 'hono/route';
import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { cases, consents, participants } from '../../db/schema.js';
import { requestFacts, type AppEnv } from './context.js';
import { audit } from '../audit/audit.js';
import { isUuid } from '../uuid.js';

/**
 * The person a request is about, when its path or its (validated) body names one that exists:
 * `/participants/:id…`, `/cases/:id…` (the case's participant), `/consents/:id…` (the consent's),
 * or a `participantId` in the body. Unknown ids name no one, so a row never points at nobody.
 */
export async function participantOfRequest(db: Executor, path: string, body: unknown): Promise<string | undefined> {
  const [, collection, id] = /^\/(participants|cases|consents)\/([^/]+)/.exec(path) ?? [];
  if (collection && id && isUuid(id)) {
    if (collection === 'participants') {
      const [row] = await db.select({ id: participants.id }).from(participants).where(eq(participants.id, id));
      return row?.id;
    }
    const table = collection === 'cases' ? cases : consents;
    const [row] = await db.select({ participantId: table.participantId }).from(table).where(eq(table.id, id));
    return row?.participantId;
  }
  const named = (body as { participantId?: unknown } | undefined)?.participantId;
  if (typeof named === 'string' && isUuid(named)) {
    const [row] = await db.select({ id: participants.id }).from(participants).where(eq(participants.id, named));
    return row?.id;
  }
  return undefined;
}

function validatedBody(c: Context<AppEnv>): unknown {
  try {
    return c.req.valid('json' as never);
  } catch {
    return undefined; // not validated (a 403 comes before validation)
  }
}

/**
 * Audits a 403 (a role that may never use the route, or a service's own refusal for the role):
 * action `route.forbidden`, the route as subject (its pattern, so no person id hides in it),
 * and the person it is about when known. Committed on its own, as the request fails.
 */
export async function auditForbidden(c: Context<AppEnv>): Promise<void> {
  const actor = c.var.actor as AppEnv['Variables']['actor'] | undefined;
  if (!actor) return;
  const { db } = c.var.services;
  const pattern = routePath(c, -1) || c.req.path;
  await audit(db, requestFacts(c), {
    action: 'route.forbidden',
    subjectType: 'route',
    subjectId: `${c.req.method} ${pattern}`,
    participantId: await participantOfRequest(db, c.req.path, validatedBody(c)),
    outcome: 'denied',
  });
}
