import { createHash } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { html, raw } from 'hono/html';
import type { Executor } from '../../db/client.js';
import { auditEvents, organisations, participants } from '../../db/schema.js';
import { audit } from '../audit/audit.js';
import type { RequestFacts } from '../request-facts.js';
import { notFound } from '../errors.js';
import { afterKey, decodeTimeCursor, toPage } from '../pagination.js';

export type DisclosureEntry = {
  at: string;
  organisation: { id: string | null; name: string | null };
  roles: string[];
  action: string;
  dataClasses: string[];
  purpose: string | null;
  basis: string | null;
};

/**
 * The accounting of disclosures (DOMAIN.md): every time this person's data was disclosed,
 * to whom, which classes, when, why and on what basis, read from the audit trail. For the
 * record owner and the region's coordinator, to hand to the person.
 */
/** One page of the disclosures (`limit`, `cursor`), or all of them for the printable page. */
export async function listDisclosures(db: Executor, facts: RequestFacts, participantId: string, page: { limit?: number; cursor?: string } = {}) {
  const after = decodeTimeCursor(page.cursor, 'int');
  const [participant] = await db.select().from(participants).where(eq(participants.id, participantId));
  const allowed =
    participant &&
    (participant.ownerOrganisationId === facts.actor.organisation.id ||
      (facts.actor.roles.includes('coordinator') && facts.actor.organisation.kind === 'coordinator' && facts.actor.organisation.region === participant.region));
  if (!participant || !allowed) {
    await audit(db, facts, { action: 'participant.disclosures', subjectType: 'participant', subjectId: participantId, participantId: participant?.id, outcome: 'denied' });
    throw notFound('participant');
  }
  const query = db
    .select({ row: auditEvents, name: organisations.name })
    .from(auditEvents)
    .leftJoin(organisations, eq(organisations.id, auditEvents.organisationId))
    .where(
      and(
        eq(auditEvents.participantId, participantId),
        eq(auditEvents.outcome, 'success'),
        sql`jsonb_array_length(${auditEvents.dataClasses}) > 0`,
        afterKey('asc', [auditEvents.at, auditEvents.seq], after),
      ),
    )
    .orderBy(asc(auditEvents.at), asc(auditEvents.seq));
  const rows = page.limit === undefined ? await query : await query.limit(page.limit + 1);
  const { items: shown, nextCursor } =
    page.limit === undefined ? { items: rows, nextCursor: null } : toPage(rows, page.limit, ({ row }) => [row.at.toISOString(), Number(row.seq)]);
  await audit(db, facts, { action: 'participant.disclosures', subjectType: 'participant', subjectId: participantId, participantId, outcome: 'success' });
  const items: DisclosureEntry[] = shown.map(({ row, name }) => ({
    at: row.at.toISOString(),
    organisation: { id: row.organisationId, name },
    roles: row.roles,
    action: row.action,
    dataClasses: row.dataClasses,
    purpose: row.purpose,
    basis: row.basis,
  }));
  return { participant: { id: participant.id, referenceCode: participant.referenceCode }, generatedAt: facts.now.toISOString(), items, nextCursor };
}

const ACTIONS: Record<string, string> = {
  'participant.register': 'registered the person',
  'participant.read': 'read the record',
  'participant.search': 'found the record by reference',
  'participant.correct': 'corrected the record',
  'case.read': 'read a case',
  'case.list': 'listed a case',
  'case.history': 'read a case history',
  'case.break_glass': 'emergency access (break-glass)',
};

const PAGE_STYLE =
  'body{font:14px/1.5 system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#eee}@media print{body{margin:0}}';

/**
 * The page's policy: nothing loads, nothing runs, it cannot be framed; its one inline
 * stylesheet is allowed by its hash alone.
 */
export const DISCLOSURES_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

/** A plain printable page; the reference code, never a name, identifies the person. */
export function disclosuresPage(report: Awaited<ReturnType<typeof listDisclosures>>) {
  const rows = report.items.map(
    (item) => html`<tr>
      <td>${item.at.slice(0, 16).replace('T', ' ')} UTC</td>
      <td>${item.organisation.name ?? '—'}</td>
      <td>${ACTIONS[item.action] ?? item.action}</td>
      <td>${item.dataClasses.join(', ')}</td>
      <td>${item.basis ?? '—'}</td>
      <td>${item.purpose ?? '—'}</td>
    </tr>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Disclosures of ${report.participant.referenceCode}</title>
<style>${raw(PAGE_STYLE)}</style>
</head>
<body>
<h1>Who received your data</h1>
<p>Reference: <strong>${report.participant.referenceCode}</strong>. Generated ${report.generatedAt.slice(0, 10)}.
Every time an organisation received data about you through this service, it is listed here: when, who, what kinds of data, on what basis, and why.</p>
<table>
<thead><tr><th>When</th><th>Organisation</th><th>What happened</th><th>Kinds of data</th><th>Basis</th><th>Reason given</th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="6">No disclosures recorded.</td></tr>`}</tbody>
</table>
</body>
</html>`;
}
