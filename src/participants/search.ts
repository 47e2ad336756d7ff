import { and, asc, eq, getTableColumns, not, notInArray, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { z } from '@hono/zod-openapi';
import type { Executor } from '../../db/client.js';
import { preparedPerDatabase } from '../../db/prepared.js';
import { qualified } from '../../db/qualified.js';
import { participantNameScopes, participants } from '../../db/schema.js';
import { basesOf, discloseFrom, isVisible, participantDisclosure, seesNoOne, type Disclosure } from '../access/policy.js';
import { participantsInScope, scopeCondition, scopeShape, scopeWithinOwnersAndParties, type ScopeValues } from '../access/scope.js';
import { closedCaseWindowStart } from '../access/sharing-table.js';
import { viewerGlassOf, viewerPartsOf } from '../access/viewer-facts.js';
import type { Actor } from '../auth/authenticator.js';
import { type DataClass } from '../domain.js';
import { audit } from '../audit/audit.js';
import { validationFailed } from '../errors.js';
import { afterKey, decodeCursor, toPage } from '../pagination.js';
import type { RequestFacts } from '../request-facts.js';
import { isUuid } from '../uuid.js';
import { nameWords } from './name-fold.js';
import { nationalIdDigest } from './national-id-key.js';
import type { ParticipantFindSchema, ParticipantFoundSchema, PossibleDuplicateSchema } from './schemas.js';

const NO_CONSENTS: ReadonlySet<DataClass> = new Set();

/** An organisation's part of a scoped name key: the last 12 hex digits of its id, as `cadap_scoped_words` (migration 0015) writes it. */
const organisationKey = (organisationId: string) => organisationId.toLowerCase().slice(-12);

type Row = typeof participants.$inferSelect;
type Found = z.infer<typeof ParticipantFoundSchema>;

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
  const { actor, now } = facts;
  const onIdentity = body.name !== undefined || body.dateOfBirth !== undefined || body.nationalId !== undefined;
  const digest = (body.nationalId !== undefined ? nationalIdDigest(nationalIdKey, body.nationalId) : undefined) ?? undefined;
  const after = decodeCursor(body.cursor, 2);
  if (after && !(typeof after[0] === 'string' && typeof after[1] === 'string' && isUuid(after[1]))) throw invalidCursor();
  // The name's words, folded here when Node folds it exactly as the database would (name-fold.ts); else the statement folds it.
  const words = body.name !== undefined ? nameWords(body.name) : undefined;
  const rows = !seesNoOne(actor)
    ? await findQuery(db, actor, onIdentity, body, digest !== undefined, words !== undefined, after !== undefined).execute(findValues(facts, body, digest, words, after))
    : [];
  const page = toPage(rows, body.limit, (found) => [found.row.sortName ?? '', found.row.id]);
  const shown: { row: Row; disclosure: Disclosure }[] = [];
  for (const found of page.items) {
    // The policy decides from what the statement read with each person (src/access/viewer-facts.ts).
    // A search shows at most a name, and every part of the sharing table gives identity outright,
    // never under a consent (src/access/sharing-table.test.ts holds the table to that), so the
    // person's consents cannot change what it shows: they are not read.
    const disclosure = discloseFrom(actor, found.row, found.viewerParts, NO_CONSENTS, found.glass);
    if (onIdentity ? disclosure.classes.has('identity') : isVisible(disclosure)) shown.push({ row: found.row, disclosure });
  }
  const identifiers = [digest ? eq(participants.nationalIdDigest, digest) : undefined, body.reference ? eq(participants.referenceCode, body.reference) : undefined].filter(
    (condition): condition is SQL => condition !== undefined,
  );
  const denied =
    identifiers.length > 0 && body.cursor === undefined
      ? await db
          .select({ id: participants.id })
          .from(participants)
          .where(and(...identifiers, not(participantsInScope(db, actor, now, onIdentity ? 'identity' : undefined))))
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

type Criteria = Pick<z.infer<typeof ParticipantFindSchema>, 'name' | 'dateOfBirth' | 'reference'>;

/** The search's values, by the names its prepared statement's placeholders have. */
function findValues(facts: RequestFacts, body: z.infer<typeof ParticipantFindSchema>, digest: string | undefined, words: string[] | undefined, after: unknown[] | undefined) {
  const { actor, now } = facts;
  return {
    organisationId: actor.organisation.id,
    region: actor.organisation.region,
    now: now.toISOString(),
    windowStart: closedCaseWindowStart(now).toISOString(),
    digest,
    reference: body.reference,
    name: body.name,
    words,
    // The same words behind the caller's organisation, as `participant_name_scopes` keys them (built
    // here as the words are; used by the statements of callers who see only their own people and parties).
    scopedWords: words?.map((word) => organisationKey(actor.organisation.id) + word),
    dateOfBirth: body.dateOfBirth,
    afterName: after?.[0],
    afterId: after?.[1],
    limit: body.limit + 1,
  };
}

/**
 * The search as one prepared statement per shape (which criteria, a cursor or not, the actor's
 * scope shape): the page of people in scope, each with what the access policy needs to decide
 * on their identity (the viewer's parts and break-glass), so a page costs one statement however
 * many people it shows. Built and parsed once per shape and connection. A search by name (its
 * words folded in Node) is also planned once per connection: its words and its page size reach
 * the statement through sub-selects, which the planner does not read, so every name costs the
 * same to it and PostgreSQL keeps the statement's generic plan after the first five (the name's
 * GIN index, then the scope per person found) instead of planning each search for its words,
 * a quarter of PostgreSQL's work per search at a million people (bench/README.md, the fourteenth pass;
 * tests/search-plan.int.test.ts). The other shapes are planned for their values, as before. A
 * caller without the coordinator role looks the name up first among its own organisation's people
 * (participant_name_scopes; bench/README.md, the fifteenth pass).
 */
const finders = new Map<string, ReturnType<typeof buildFinder>>();
function findQuery(db: Executor, actor: Actor, onIdentity: boolean, criteria: Criteria, byDigest: boolean, byWords: boolean, afterCursor: boolean) {
  const dataClass = onIdentity ? 'identity' : undefined;
  const has = {
    digest: byDigest,
    reference: criteria.reference !== undefined,
    name: criteria.name !== undefined && !byWords,
    words: criteria.name !== undefined && byWords,
    dateOfBirth: criteria.dateOfBirth !== undefined,
    afterCursor,
  };
  const key = `cadap_find_${Object.values(has)
    .map((on) => (on ? '1' : '0'))
    .join('')}_${scopeShape(actor, dataClass)}`;
  let finder = finders.get(key);
  if (!finder) {
    finder = buildFinder(key, actor, dataClass, has);
    finders.set(key, finder);
  }
  return finder(db);
}

function buildFinder(
  key: string,
  actor: Actor,
  dataClass: 'identity' | undefined,
  has: Record<'digest' | 'reference' | 'name' | 'words' | 'dateOfBirth' | 'afterCursor', boolean>,
) {
  const value = (name: string, type: string) => sql`${sql.placeholder(name)}::${sql.raw(type)}`;
  const values: ScopeValues = {
    organisationId: value('organisationId', 'uuid'),
    region: value('region', 'text'),
    now: value('now', 'timestamptz'),
    windowStart: value('windowStart', 'timestamptz'),
  };
  const person = qualified(participants.id);
  const name = value('name', 'text');
  const words = value('words', 'text[]');
  const scopedWords = value('scopedWords', 'text[]');
  // A caller who sees only its own people and parties (no coordinator role) finds the name among
  // them: the ids whose row for the caller's organisation in participant_name_scopes holds every
  // word (migration 0015; one GIN lookup, lists as long as the organisation's own people), read
  // first (`array(...)`), then those people by key. A row's keys are the person's name_keys behind
  // the organisation (its name is the person's at every commit: the triggers keep it so), so they
  // match exactly when `name_keys @> words` would; the scope is still checked on each, so the list
  // only narrows.
  // Everyone else searches the name's own index.
  const withinOwnParties = scopeWithinOwnersAndParties(actor);
  const { organisationId } = values;
  const scopedNameKeys = sql`"public"."cadap_scoped_words"(${qualified(participantNameScopes.organisationId)}, "public"."cadap_name_prefixes"(${qualified(participantNameScopes.sortName)}))`;
  const amongOwnParties = (typed: SQL) =>
    sql`${qualified(participants.id)} = any(array(select ${qualified(participantNameScopes.participantId)} from ${participantNameScopes} where ${scopedNameKeys} @> ${typed}))`;
  return preparedPerDatabase(key, (db) =>
    db
      .select({
        row: getTableColumns(participants),
        viewerParts: viewerPartsOf(person, values.organisationId, values.windowStart),
        glass: actor.roles.includes('coordinator') ? viewerGlassOf(person, values.organisationId, values.now) : sql<boolean>`false`,
      })
      .from(participants)
      .where(
        and(
          scopeCondition(db, actor, values, dataClass),
          has.digest ? sql`${qualified(participants.nationalIdDigest)} = ${value('digest', 'text')}` : undefined,
          has.reference ? sql`${qualified(participants.referenceCode)} = ${value('reference', 'text')}` : undefined,
          // Each word typed begins a word of the name: the words folded as the database folds names (migration 0010).
          has.name && !withinOwnParties
            ? sql`cardinality("public"."cadap_name_words"(${name})) > 0 and ${qualified(participants.nameKeys)} @> "public"."cadap_name_words"(${name})`
            : undefined,
          // The words out of the planner's sight (see findQuery); no words, no one.
          has.words && !withinOwnParties ? sql`${qualified(participants.nameKeys)} @> (select ${words} where cardinality(${words}) > 0)` : undefined,
          // The same among the people the caller’s organisation owns or is a party for (see above).
          has.name && withinOwnParties
            ? amongOwnParties(
                sql`(select "public"."cadap_scoped_words"(${organisationId}, "public"."cadap_name_words"(${name})) where cardinality("public"."cadap_name_words"(${name})) > 0)`,
              )
            : undefined,
          has.words && withinOwnParties ? amongOwnParties(sql`(select ${scopedWords} where cardinality(${scopedWords}) > 0)`) : undefined,
          has.dateOfBirth ? sql`(${qualified(participants.identity)} ->> 'dateOfBirth') = ${value('dateOfBirth', 'text')}` : undefined,
          has.afterCursor ? afterKey('asc', [participants.sortName, participants.id], [value('afterName', 'text'), value('afterId', 'uuid')]) : undefined,
        ),
      )
      .orderBy(asc(participants.sortName), asc(participants.id))
      // drizzle's limit takes a placeholder; an SQL fragment is built into the statement the same way.
      .limit(has.words ? (sql`(select ${sql.placeholder('limit')}::int)` as unknown as Placeholder) : sql.placeholder('limit')),
  );
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
