import { randomBytes, randomUUID } from 'node:crypto';
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { z } from '@hono/zod-openapi';
import type { Database, Executor } from '../../db/client.js';
import { organisations, participantNotes, participants } from '../../db/schema.js';
import { basesOf, isVisible, participantDisclosure, type Disclosure } from '../access/policy.js';
import { redactPersonRecord } from '../access/redaction.js';
import { raiseAlert } from '../deadlines/rows.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../auth/authenticator.js';
import type { RequestFacts } from '../request-facts.js';
import type { DataClass } from '../domain.js';
import { AppError, notFound, validationFailed, type FieldError } from '../errors.js';
import { fieldErrors } from '../../protocols/field-errors.js';
import { afterKey, decodeCursor, toPage } from '../pagination.js';
import { nationalIdDigest } from './national-id-key.js';
import { possibleDuplicates } from './search.js';
import { erasedConflict, isErased } from '../retention/erasure.js';
import {
  CLASS_SCHEMAS,
  STRUCTURED_CLASSES,
  type CorrectParticipantSchema,
  type ParticipantSchema,
  type ParticipantSearchQuery,
  type RegisterParticipantSchema,
  type StructuredClass,
} from './schemas.js';

export { nationalIdDigest };

export type ParticipantRow = typeof participants.$inferSelect;
type NoteRow = typeof participantNotes.$inferSelect;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `P-XXXX-XXXX` from a cryptographic source: used in every message instead of a name. */
export function generateReferenceCode(): string {
  const chars = [...randomBytes(8)].map((byte) => CROCKFORD[byte % 32]).join('');
  return `P-${chars.slice(0, 4)}-${chars.slice(4)}`;
}

async function notesFor(db: Executor, participantId: string, actor: Actor, disclosure: Disclosure): Promise<NoteRow[]> {
  const where = disclosure.othersNotes
    ? eq(participantNotes.participantId, participantId)
    : and(eq(participantNotes.participantId, participantId), eq(participantNotes.organisationId, actor.organisation.id));
  return db.select().from(participantNotes).where(where).orderBy(asc(participantNotes.createdAt), asc(participantNotes.id));
}

/**
 * The participant as this actor may see them: only disclosed classes are present at all. A person
 * erased under retention (src/retention/) has no class left to disclose: who may see them (the
 * record owner, the region's coordinator) gets the reference code, the record's dates and
 * `erasedAt`, with no class and no note.
 */
export function presentParticipant(row: ParticipantRow, disclosure: Disclosure, notes: NoteRow[]) {
  const erased = isErased(row);
  const body: Record<string, unknown> = {
    id: row.id,
    referenceCode: row.referenceCode,
    recordOwnerId: row.ownerOrganisationId,
    region: row.region,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    disclosed: erased ? [] : [...disclosure.classes].map(([dataClass, basis]) => ({ dataClass, basis })),
  };
  if (erased) {
    body.notes = [];
    body.erasedAt = row.updatedAt.toISOString();
    return body as z.infer<typeof ParticipantSchema>;
  }
  Object.assign(body, redactPersonRecord(row, STRUCTURED_CLASSES, new Set(disclosure.classes.keys())));
  body.notes = notes.map((note) => ({ id: note.id, organisationId: note.organisationId, text: note.text, createdAt: note.createdAt.toISOString() }));
  return body as z.infer<typeof ParticipantSchema>;
}

function disclosedClasses(row: ParticipantRow, disclosure: Disclosure, notes: NoteRow[]): DataClass[] {
  if (isErased(row)) return [];
  const classes = [...disclosure.classes.keys()];
  return notes.length > 0 ? [...classes, 'notes'] : classes;
}

async function findParticipant(db: Executor, id: string, forUpdate = false): Promise<ParticipantRow | undefined> {
  const query = db.select().from(participants).where(eq(participants.id, id));
  const [row] = forUpdate ? await query.for('update') : await query;
  return row;
}

/**
 * Registers a person. A national id that someone the caller can see (their identity) already
 * has is a possible duplicate: 409 CONFLICT naming them (`possibleDuplicates`), and nothing is
 * written; the caller opens the existing person, or sends again with their ids in
 * `notDuplicateOf` when it is someone else. A match the caller cannot see is not mentioned.
 */
export async function registerParticipant(db: Executor, facts: RequestFacts, nationalIdKey: Buffer, body: z.infer<typeof RegisterParticipantSchema>) {
  const { actor, now } = facts;
  const digest = nationalIdDigest(nationalIdKey, body.identity.nationalId);
  const known = digest ? await possibleDuplicates(db, facts, digest, body.notDuplicateOf ?? []) : [];
  if (known.length > 0) {
    throw new AppError(
      'CONFLICT',
      'Someone your organisation can see is registered with this national id. Open them, or register again with their ids in notDuplicateOf if this is another person.',
      { extra: { possibleDuplicates: known } },
    );
  }
  return db.transaction(async (tx) => {
    let row: ParticipantRow | undefined;
    for (let attempt = 0; attempt < 5 && !row; attempt += 1) {
      [row] = await tx
        .insert(participants)
        .values({
          id: randomUUID(),
          referenceCode: generateReferenceCode(),
          ownerOrganisationId: actor.organisation.id,
          region: actor.organisation.region,
          nationalIdDigest: digest,
          identity: body.identity,
          contact: body.contact ?? {},
          custody: body.custody ?? {},
          legal: body.legal ?? {},
          compliance: body.compliance ?? {},
          health: body.health ?? {},
          social: body.social ?? {},
          version: 1,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing({ target: participants.referenceCode })
        .returning();
    }
    if (!row) throw new Error('could not allocate a unique reference code');
    if (body.note) {
      await tx
        .insert(participantNotes)
        .values({ id: randomUUID(), participantId: row.id, organisationId: actor.organisation.id, authorSub: actor.sub, text: body.note, createdAt: now });
    }
    await flagPossibleDuplicate(tx, row, now);
    const written: DataClass[] = [
      ...STRUCTURED_CLASSES.filter((dataClass) => dataClass === 'identity' || body[dataClass] !== undefined),
      ...(body.note ? (['notes'] as const) : []),
    ];
    await audit(tx, facts, { action: 'participant.register', subjectType: 'participant', subjectId: row.id, participantId: row.id, dataClasses: written, outcome: 'success' });
    const disclosure = await participantDisclosure(tx, actor, row, now);
    const notes = await notesFor(tx, row.id, actor, disclosure);
    return presentParticipant(row, disclosure, notes);
  });
}

/**
 * A national id already registered is not refused (that would reveal the person is known):
 * the coordinator of the new record's region is told of a possible duplicate instead.
 */
async function flagPossibleDuplicate(tx: Executor, row: ParticipantRow, now: Date): Promise<void> {
  if (!row.nationalIdDigest) return;
  const [other] = await tx
    .select({ id: participants.id })
    .from(participants)
    .where(and(eq(participants.nationalIdDigest, row.nationalIdDigest), ne(participants.id, row.id)))
    .limit(1);
  if (!other) return;
  const [coordinator] = await tx
    .select({ id: organisations.id })
    .from(organisations)
    .where(and(eq(organisations.kind, 'coordinator'), eq(organisations.region, row.region)));
  if (coordinator) await raiseAlert(tx, { caseId: null, participantId: row.id }, 'possible_duplicate', [coordinator.id], row.id, now);
}

/**
 * Audits an attempt on a participant the actor may not see, then answers as if absent. The row
 * names the person when they exist, so their region's coordinator sees who probed them.
 */
async function denyParticipant(db: Executor, facts: RequestFacts, action: string, participantId: string | undefined, exists = false): Promise<never> {
  await audit(db, facts, { action, subjectType: 'participant', subjectId: participantId, participantId: exists ? participantId : undefined, outcome: 'denied' });
  throw notFound('participant');
}

export async function readParticipant(db: Database, facts: RequestFacts, id: string) {
  const row = await findParticipant(db, id);
  const disclosure = row ? await participantDisclosure(db, facts.actor, row, facts.now) : undefined;
  if (!row || !disclosure || !isVisible(disclosure)) return denyParticipant(db, facts, 'participant.read', id, row !== undefined);
  const notes = await notesFor(db, row.id, facts.actor, disclosure);
  await audit(db, facts, {
    action: 'participant.read',
    subjectType: 'participant',
    subjectId: row.id,
    participantId: row.id,
    dataClasses: disclosedClasses(row, disclosure, notes),
    basis: basesOf(disclosure),
    outcome: 'success',
  });
  return presentParticipant(row, disclosure, notes);
}

/**
 * Search by reference code. A match the caller may not see is left out (and the attempt
 * audited), so the answer never tells whether the code exists.
 */
export async function searchParticipants(db: Database, facts: RequestFacts, query: z.infer<typeof ParticipantSearchQuery>) {
  const after = decodeCursor(query.cursor, 1) as [string] | undefined;
  const rows = await db
    .select()
    .from(participants)
    .where(and(eq(participants.referenceCode, query.reference), afterKey('asc', [participants.id], after)))
    .orderBy(asc(participants.id))
    .limit(query.limit + 1);
  const visible: { row: ParticipantRow; disclosure: Disclosure; notes: NoteRow[] }[] = [];
  for (const row of rows) {
    const disclosure = await participantDisclosure(db, facts.actor, row, facts.now);
    if (isVisible(disclosure)) visible.push({ row, disclosure, notes: await notesFor(db, row.id, facts.actor, disclosure) });
  }
  // The rows join the audit trail's group commit (each committed before the answer goes out).
  await Promise.all([
    ...visible.map(({ row, disclosure, notes }) =>
      audit(db, facts, {
        action: 'participant.search',
        subjectType: 'participant',
        subjectId: row.id,
        participantId: row.id,
        dataClasses: disclosedClasses(row, disclosure, notes),
        basis: basesOf(disclosure),
        outcome: 'success',
      }),
    ),
    // One denial per match the caller may not see, naming the person (the answer still says nothing).
    ...rows
      .filter((row) => !visible.some((item) => item.row.id === row.id))
      .map((row) => audit(db, facts, { action: 'participant.search', subjectType: 'participant', subjectId: undefined, participantId: row.id, outcome: 'denied' })),
  ]);
  const page = toPage(visible, query.limit, (item) => [item.row.id]);
  return { items: page.items.map((item) => presentParticipant(item.row, item.disclosure, item.notes)), nextCursor: page.nextCursor };
}

export async function correctParticipant(db: Database, facts: RequestFacts, nationalIdKey: Buffer, id: string, body: z.infer<typeof CorrectParticipantSchema>) {
  const { actor, now } = facts;
  // Visibility is decided before the transaction, so a denial's audit row is kept.
  const current = await findParticipant(db, id);
  const preliminary = current ? await participantDisclosure(db, actor, current, now) : undefined;
  if (!current || !preliminary || !isVisible(preliminary)) return denyParticipant(db, facts, 'participant.correct', id, current !== undefined);

  return db.transaction(async (tx) => {
    const row = await findParticipant(tx, id, true);
    if (!row) throw notFound('participant');
    const disclosure = await participantDisclosure(tx, actor, row, now);
    if (!isVisible(disclosure)) throw notFound('participant');
    if (isErased(row)) throw erasedConflict();
    if (body.expectedVersion !== undefined && body.expectedVersion !== row.version) {
      throw new AppError('STALE_VERSION', `The participant is at version ${row.version}; you sent ${body.expectedVersion}. Read it again and retry.`);
    }
    const errors: FieldError[] = [];
    const changes: Partial<Record<StructuredClass, Record<string, unknown>>> = {};
    for (const dataClass of STRUCTURED_CLASSES) {
      const patch = body[dataClass];
      if (patch === undefined) continue;
      if (!disclosure.classes.has(dataClass)) {
        errors.push({ path: `body.${dataClass}`, message: `Your organisation may not see, and so may not correct, ${dataClass} data of this person.` });
        continue;
      }
      const merged: Record<string, unknown> = { ...row[dataClass] };
      for (const [field, value] of Object.entries(patch)) {
        if (value === null) delete merged[field];
        else if (value !== undefined) merged[field] = value;
      }
      const checked = CLASS_SCHEMAS[dataClass].safeParse(merged);
      if (!checked.success) errors.push(...fieldErrors(checked.error.issues, `body.${dataClass}`));
      else changes[dataClass] = checked.data;
    }
    if (errors.length > 0) throw validationFailed('The correction is not valid.', errors);
    const changed = Object.keys(changes) as StructuredClass[];
    if (changed.length === 0 && !body.note) throw validationFailed('The correction changes nothing: name at least one data class or a note.');

    let updated = row;
    if (changed.length > 0) {
      const identity = changes.identity;
      const [next] = await tx
        .update(participants)
        .set({
          ...changes,
          ...(identity ? { nationalIdDigest: nationalIdDigest(nationalIdKey, identity.nationalId as string | undefined) } : {}),
          version: sql`${participants.version} + 1`,
          updatedAt: now,
        })
        .where(eq(participants.id, id))
        .returning();
      if (!next) throw notFound('participant');
      updated = next;
    }
    if (body.note) {
      await tx
        .insert(participantNotes)
        .values({ id: randomUUID(), participantId: id, organisationId: actor.organisation.id, authorSub: actor.sub, text: body.note, createdAt: now });
    }
    await audit(tx, facts, {
      action: 'participant.correct',
      subjectType: 'participant',
      subjectId: id,
      participantId: id,
      dataClasses: [...changed, ...(body.note ? (['notes'] as const) : [])],
      basis: basesOf(disclosure),
      outcome: 'success',
    });
    const notes = await notesFor(tx, id, actor, disclosure);
    return presentParticipant(updated, disclosure, notes);
  });
}
