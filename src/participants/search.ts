import { and, asc, eq, not, notInArray, sql, type SQL } from 'drizzle-orm';
import type { z } from '@hono/zod-openapi';
import type { Executor } from '../../db/client.js';
import { participants } from '../../db/schema.js';
import { basesOf, isVisible, participantDisclosure, type Disclosure } from '../access/policy.js';
import { participantsInScope } from '../access/scope.js';
import { audit } from '../audit/audit.js';
import { validationFailed } from '../errors.js';
import { afterKey, decodeCursor, toPage } from '../pagination.js';
import type { RequestFacts } from '../request-facts.js';
import { isUuid } from '../uuid.js';
import { nationalIdDigest } from './national-id-key.js';
import type { ParticipantFindSchema, ParticipantFoundSchema, PossibleDuplicateSchema } from './schemas.js';

type Row = typeof participants.$inferSelect;
type Found = z.infer<typeof ParticipantFoundSchema>;

/** Each word typed begins a word of the name: the words folded as the database folds names (migration 0010). */
function nameMatches(name: string): SQL {
  const words = sql`"public"."cadap_name_words"(${name})`;
  return and(sql`cardinality(${words}) > 0`, sql`${participants.nameKeys} @> ${words}`) as SQL;
}

function presentFound(row: Row, disclosure: Disclosure): Found {
  if (!disclosure.classes.has('identity')) return { id: row.id, referenceCode: row.referenceCode };
  const identity = row.identity as { firstName: string; lastName: string; patronymic?: string; dateOfBirth: string };
  return {
    id: row.id,
    referenceCode: row.referenceCode,
    identity: {
      firstName: identity.firstName,
      lastName: identity.lastName,
      ...(identity.patronymic ? { patronymic: identity.patronymic } : {}),
      dateOfBirth: identity.dateOfBirth,
    },
  };
}

const invalidCursor = () => validationFailed('The cursor is not valid.', [{ path: 'body.cursor', message: 'Not a cursor returned by this search.' }]);

/**
 * Finds people by name, date of birth, national id or reference code, among those the caller
 * may see. A search on identity (name, date of birth, national id) looks only at people whose
 * identity the caller sees; a search by code alone at anyone the caller sees. The scope is in
 * the query (src/access/scope.ts), so pages are full and a cursor says nothing about anyone
 * else; each row shown is then checked with the access policy itself.
 *
 * Audit: every person shown is a `participant.search` row with the classes shown (identity when
 * the name is shown). A national id or a reference code is an identifier, so a search by one is
 * audited like a read: on the first page, everyone it matches who is out of the caller's scope
 * gets a denied row naming them (their region's coordinator sees it in GET /audit/denials). A
 * name or a date of birth matches people by chance, so there it is only the rows shown.
 */
export async function findParticipants(db: Executor, facts: RequestFacts, nationalIdKey: Buffer, body: z.infer<typeof ParticipantFindSchema>) {
  const onIdentity = body.name !== undefined || body.dateOfBirth !== undefined || body.nationalId !== undefined;
  const scope = participantsInScope(db, facts.actor, facts.now, onIdentity ? 'identity' : undefined);
  const digest = body.nationalId !== undefined ? nationalIdDigest(nationalIdKey, body.nationalId) : undefined;
  const identifiers = [digest ? eq(participants.nationalIdDigest, digest) : undefined, body.reference ? eq(participants.referenceCode, body.reference) : undefined].filter(
    (condition): condition is SQL => condition !== undefined,
  );
  const criteria = [
    ...identifiers,
    body.name !== undefined ? nameMatches(body.name) : undefined,
    body.dateOfBirth !== undefined ? sql`(${participants.identity} ->> 'dateOfBirth') = ${body.dateOfBirth}` : undefined,
  ];
  const after = decodeCursor(body.cursor, 2);
  if (after && !(typeof after[0] === 'string' && typeof after[1] === 'string' && isUuid(after[1]))) throw invalidCursor();
  const rows = await db
    .select()
    .from(participants)
    .where(and(scope, ...criteria, afterKey('asc', [participants.sortName, participants.id], after)))
    .orderBy(asc(participants.sortName), asc(participants.id))
    .limit(body.limit + 1);
  const page = toPage(rows, body.limit, (row) => [row.sortName ?? '', row.id]);
  const shown: { row: Row; disclosure: Disclosure }[] = [];
  for (const row of page.items) {
    const disclosure = await participantDisclosure(db, facts.actor, row, facts.now);
    if (onIdentity ? disclosure.classes.has('identity') : isVisible(disclosure)) shown.push({ row, disclosure });
  }
  const denied =
    identifiers.length > 0 && body.cursor === undefined
      ? await db
          .select({ id: participants.id })
          .from(participants)
          .where(and(...identifiers, not(scope)))
          .limit(20)
      : [];
  // The rows join the audit trail's group commit (each committed before the answer goes out).
  await Promise.all([
    ...shown.map(({ row, disclosure }) => {
      const classes = disclosure.classes.has('identity') ? (['identity'] as const) : [];
      return audit(db, facts, {
        action: 'participant.search',
        subjectType: 'participant',
        subjectId: row.id,
        participantId: row.id,
        dataClasses: classes,
        basis: basesOf(disclosure, classes),
        outcome: 'success',
      });
    }),
    ...denied.map((row) => audit(db, facts, { action: 'participant.search', subjectType: 'participant', subjectId: undefined, participantId: row.id, outcome: 'denied' })),
  ]);
  return { items: shown.map(({ row, disclosure }) => presentFound(row, disclosure)), nextCursor: page.nextCursor };
}

/**
 * Registration's possible duplicates: people with the same national id whose identity the
 * caller sees (and so could find by searching), less those the caller said are someone else.
 * Anyone else with that id stays unmentioned: telling would reveal that they are known; their
 * region's coordinator is told instead (service.ts, flagPossibleDuplicate). Each one named is
 * audited as a disclosure of identity.
 */
export async function possibleDuplicates(db: Executor, facts: RequestFacts, digest: string, notDuplicateOf: readonly string[]): Promise<z.infer<typeof PossibleDuplicateSchema>[]> {
  const rows = await db
    .select()
    .from(participants)
    .where(
      and(
        eq(participants.nationalIdDigest, digest),
        participantsInScope(db, facts.actor, facts.now, 'identity'),
        notDuplicateOf.length > 0 ? notInArray(participants.id, [...notDuplicateOf]) : undefined,
      ),
    )
    .orderBy(asc(participants.createdAt), asc(participants.id))
    .limit(20);
  const named: z.infer<typeof PossibleDuplicateSchema>[] = [];
  for (const row of rows) {
    const disclosure = await participantDisclosure(db, facts.actor, row, facts.now);
    if (!disclosure.classes.has('identity')) continue;
    named.push({ id: row.id, referenceCode: row.referenceCode });
    await audit(db, facts, {
      action: 'participant.possible_duplicate',
      subjectType: 'participant',
      subjectId: row.id,
      participantId: row.id,
      dataClasses: ['identity'],
      basis: basesOf(disclosure, ['identity']),
      outcome: 'success',
    });
  }
  return named;
}
