import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import type { Database, Executor, Transaction } from '../../db/client.js';
import { rowsOf } from '../../db/migrate.js';
import { breakGlassGrants, caseEvents, cases, consents, participantNotes, participants } from '../../db/schema.js';
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit.js';
import { DATA_CLASSES } from '../domain.js';
import { AppError } from '../errors.js';
import { withoutFreeText } from './free-text.js';
import { erasedColumns } from './inventory.js';

/**
 * Erasure of a person whose cases all closed more than RETENTION_YEARS ago (a person with no case:
 * whose record has not changed for that long). Their personal data goes (the columns the
 * inventory marks `empty` or `null`, and the free text of their cases' data and history); the
 * reference code, the case shells (protocol, states, parties, dates, organisations, the codes
 * of each event) and the audit trail stay, so the indicators and `cadap audit verify` still hold.
 * One transaction per person, audited as the service itself: a person is erased entirely or not
 * at all, and erasing again changes nothing. An erased person has an empty `identity` (a
 * registered person always has a name and a date of birth), which is how the API knows.
 */

/** The tables erasure empties columns of (inventory.ts), and the column naming the person. */
export const PERSON_TABLES: readonly { table: PgTable; person: string }[] = [
  { table: participants, person: 'id' },
  { table: participantNotes, person: 'participant_id' },
  { table: consents, person: 'participant_id' },
  { table: breakGlassGrants, person: 'participant_id' },
];

/** The identity of an erased person: registration always writes a name and a date of birth. */
export const isErased = (row: { identity: Record<string, unknown> }) => Object.keys(row.identity).length === 0;

/** Writing about a person erased under retention: refused (a person who returns is registered again, as a new record). */
export const erasedConflict = () =>
  new AppError('CONFLICT', 'This person’s personal data was erased under the retention rule: nothing more is recorded about them. Register the person again if they return.');

/**
 * For a transaction about to write about a person: holds the person against erasure until it
 * commits (FOR SHARE; erasure locks FOR UPDATE and then finds the new case or consent) and
 * refuses a person already erased.
 */
export async function refuseErased(tx: Executor, participantId: string, refusal: () => AppError = erasedConflict): Promise<void> {
  const [person] = await tx.select({ identity: participants.identity }).from(participants).where(eq(participants.id, participantId)).for('share');
  if (person && isErased(person)) throw refusal();
}

/** `p.id` of the people due for erasure at `cutoff` (not erased yet; no case open or closed since; with no case, unchanged since). */
function erasable(cutoff: Date): SQL {
  const before = cutoff.toISOString();
  return sql`
    select p.id from ${participants} p
    where p.identity <> '{}'::jsonb
      and not exists (select 1 from ${cases} c where c.participant_id = p.id and (c.closed_at is null or c.closed_at >= ${before}::timestamptz))
      and (exists (select 1 from ${cases} c where c.participant_id = p.id) or p.updated_at < ${before}::timestamptz)`;
}

export async function erasablePeople(db: Executor, cutoff: Date): Promise<string[]> {
  return rowsOf<{ id: string }>(await db.execute(sql`${erasable(cutoff)} order by p.id`)).map((row) => String(row.id));
}

/** `column = <empty>` for each column the inventory erases in this table. */
function erasures(table: PgTable): SQL[] {
  const config = getTableConfig(table);
  return erasedColumns(config.name).map(({ column, action }) => {
    const found = config.columns.find((candidate) => candidate.name === column);
    if (!found) throw new Error(`the retention inventory names ${config.name}.${column}, which does not exist`);
    const name = sql.identifier(column);
    if (action === 'null') return sql`${name} = null`;
    const blank = found.getSQLType() === 'jsonb' ? sql`'{}'::jsonb` : sql`''`;
    return found.notNull ? sql`${name} = ${blank}` : sql`${name} = case when ${name} is null then null else ${blank} end`;
  });
}

/** Rewrites the `data` of the rows whose free text erasure removes, in one statement. */
async function rewriteData(tx: Transaction, table: typeof cases | typeof caseEvents, rows: { id: string; data: Record<string, unknown> }[]) {
  const changed = rows.map((row) => ({ id: row.id, data: withoutFreeText(row.data) })).filter((row, index) => JSON.stringify(row.data) !== JSON.stringify(rows[index]!.data));
  if (changed.length === 0) return;
  await tx.execute(sql`
    update ${table} t set data = v.data
    from jsonb_to_recordset(${JSON.stringify(changed)}::jsonb) as v(id uuid, data jsonb)
    where t.id = v.id`);
}

/** Erases one person if they are (still) due at `cutoff`; false when there was nothing to do. */
export async function erasePerson(db: Database, participantId: string, options: { now: Date; cutoff: Date; requestId: string }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [locked] = await tx.select({ id: participants.id }).from(participants).where(eq(participants.id, participantId)).for('update');
    if (!locked) return false;
    // Checked again under the lock, in a statement of its own (it sees what committed while this
    // waited): a case opened meanwhile keeps the person; another run's erasure leaves nothing to do.
    const [due] = rowsOf<{ id: string }>(await tx.execute(sql`${erasable(options.cutoff)} and p.id = ${participantId}`));
    if (!due) return false;
    for (const { table, person } of PERSON_TABLES) {
      const extra = table === participants ? [sql`version = version + 1`, sql`updated_at = ${options.now.toISOString()}::timestamptz`] : [];
      await tx.execute(sql`update ${table} set ${sql.join([...erasures(table), ...extra], sql`, `)} where ${sql.identifier(person)} = ${participantId}`);
    }
    const caseRows = await tx.select({ id: cases.id, data: cases.data }).from(cases).where(eq(cases.participantId, participantId)).for('update');
    await rewriteData(tx, cases, caseRows);
    if (caseRows.length > 0) {
      const events = await tx
        .select({ id: caseEvents.id, data: caseEvents.data })
        .from(caseEvents)
        .where(
          inArray(
            caseEvents.caseId,
            caseRows.map((row) => row.id),
          ),
        );
      await rewriteData(tx, caseEvents, events);
    }
    await recordAudit(tx, {
      actor: SYSTEM_ACTOR,
      action: 'participant.erase',
      subjectType: 'participant',
      subjectId: participantId,
      participantId,
      dataClasses: DATA_CLASSES,
      purpose: `retention: no case open or closed since ${options.cutoff.toISOString()}`,
      requestId: options.requestId,
      outcome: 'success',
      at: options.now,
    });
    return true;
  });
}
