import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { auditChains, caseEvents, cases, organisations } from '../../db/schema.js';
import { factsFor, transitionFor, transitionsIn } from '../../protocols/engine.js';
import { PROTOCOLS } from '../../protocols/index.js';
import type { EngineEvent, Party } from '../../protocols/model.js';
import type { ProtocolDefinition } from '../../protocols/types.js';
import { appendingStatement, entryOf, type AuditFacts } from '../audit/audit.js';
import { definitionOf, type CaseRow, type FactsRow } from './facts.js';
import { changedMeanwhile, decideEvent, historyRow, holderColumns, type Author, type EventResult } from './transitions.js';

/*
 * Observations recorded in one statement (issue 18): an event that leaves the state as it is and
 * writes nothing but the case's data, its history row and its audit row, without a transaction
 * around it. src/cases/service.ts (`recordEvent`) chooses between this and a transaction.
 */

/**
 * Whether a state's event is an observation (the state unchanged) decided on what the event's load
 * reads alone: no fact that takes a statement of its own under a lock (`LOADERS`, facts.ts: the
 * capacity facts, the queue). Only such an event may be recorded by `recordObservation`.
 */
const observedAlone = (definition: ProtocolDefinition, state: string, type: string): boolean =>
  transitionFor(definition, state, type)?.target === 'observation' && factsFor(definition, state, type).every((name) => name === 'openProtocols');

/** The event types that are such an observation in some state of some protocol (a drug test, a contact, a note). */
const OBSERVATION_TYPES: ReadonlySet<string> = new Set(
  Object.values(PROTOCOLS).flatMap((definition) =>
    Object.keys(definition.states).flatMap((state) => Object.keys(transitionsIn(definition, state)).filter((type) => observedAlone(definition, state, type))),
  ),
);

/** Whether `recordObservation` may record an event of this type (which it decides on the case it reads). */
export const mayObserve = (type: string): boolean => OBSERVATION_TYPES.has(type);

/**
 * An observation's writes and its audit row in one statement (`appendingStatement`): the case's
 * data, version and time changed only at the version the event was decided on, and while the case
 * is open; the history row only when the case changed; the audit row only then too. One statement
 * is one transaction: all three commit together, or none. Its locks are taken in the order of an
 * event's transaction: the case's row, the sender's organisation's, then a chain head. (`chain` is
 * the append's placeholder.)
 */
const observationStatement = appendingStatement<{ changed: number }>(
  'cadap_case_observation',
  sql`changed as (
      update ${cases} set data = ${sql.placeholder('data')}::jsonb, version = ${sql.placeholder('version')}::int, updated_at = ${sql.placeholder('at')}::timestamptz
      where id = ${sql.placeholder('caseId')}::uuid and version = ${sql.placeholder('expectedVersion')}::int and closed_at is null
        -- The chain head the append waits for when none is free exists (heads are made at start and never removed), so a change always gets its audit row.
        and exists (select 1 from ${auditChains} where chain = ${sql.placeholder('chain')}::text)
      returning id
    ),
    recorded as (
      insert into ${caseEvents} (id, case_id, version, type, data, part, actor_sub, organisation_id, from_state, to_state, observation, at)
      select ${sql.placeholder('eventId')}::uuid, changed.id, ${sql.placeholder('version')}::int, ${sql.placeholder('type')}::text, ${sql.placeholder('eventData')}::jsonb,
        ${sql.placeholder('part')}::text, ${sql.placeholder('actorSub')}::text, ${sql.placeholder('organisationId')}::uuid, ${sql.placeholder('state')}::text,
        ${sql.placeholder('state')}::text, true, ${sql.placeholder('at')}::timestamptz
      from changed
    ),
    -- The sender's organisation, which the history row's foreign key locks (key share) only at the
    -- end of the statement: locked here, before the chain head, in the order a transaction takes
    -- them (a capacity decision locks a house's row, then at its end a chain head).
    actor as (select 1 from ${organisations} where id = ${sql.placeholder('organisationId')}::uuid and exists (select 1 from changed) for key share)`,
  sql`exists (select 1 from changed) and (${sql.placeholder('organisationId')}::uuid is null or exists (select 1 from actor))`,
  sql`(select count(*) from changed)::int as changed`,
);

/**
 * Records an observation on a case read without a lock (`loadCaseForEvent` with `lock` false), in
 * one statement and no transaction around it: the engine decides on the case as read, and the
 * statement changes the case only at that version (`observationStatement`), so an event that
 * raced it makes this one STALE_VERSION, as the lock would have. Only when the decision writes
 * nothing but the case's data, its history row and the audit row: the state, the parties, the
 * owner and the place held unchanged, no deadline, effect or closure. `present` makes the answer
 * from the case and the event as written, before the write. Otherwise returns nothing and writes
 * nothing, and the caller records the event in a transaction (`applyEventTx`).
 */
export async function recordObservation<T>(
  db: Executor,
  read: CaseRow,
  event: EngineEvent,
  author: Author,
  known: { parties: Party[]; facts: FactsRow },
  entry: AuditFacts,
  present: (result: EventResult) => Promise<T>,
): Promise<{ answer: T } | undefined> {
  const definition = definitionOf(read.protocol);
  if (!observedAlone(definition, read.state, event.type)) return undefined;
  const { parties, consents, eventId, decision } = await decideEvent(db, read, event, author, known);
  const { next, deadlines } = decision;
  const holder = holderColumns(definition, next);
  const alone =
    decision.observation &&
    !decision.final &&
    decision.effects.length === 0 &&
    deadlines.schedule.length + deadlines.move.length + deadlines.void.length === 0 &&
    next.state === read.state &&
    next.previousState === read.previousState &&
    next.ownerOrganisationId === read.ownerOrganisationId &&
    holder.unitId === read.unitId &&
    holder.houseId === read.houseId &&
    next.parties.length === parties.length &&
    next.parties.every((party) => parties.some((old) => old.part === party.part && old.organisationId === party.organisationId));
  if (!alone) return undefined;
  const now = author.request.now;
  const version = read.version + 1;
  const history = historyRow(read.id, version, eventId, event, decision, author);
  // The answer is made before the write: nothing can fail after it has committed.
  const answer = await present({ row: { ...read, data: next.data as Record<string, unknown>, version, updatedAt: now }, event: history, consents, sameAudience: true });
  const [written] = await observationStatement(db, [entryOf(author.request, entry)], {
    caseId: read.id,
    expectedVersion: read.version,
    version,
    data: JSON.stringify(next.data),
    at: now.toISOString(),
    eventId,
    type: event.type,
    eventData: JSON.stringify(history.data),
    part: history.part,
    actorSub: history.actorSub,
    organisationId: history.organisationId,
    state: read.state,
  });
  if (!written || written.changed === 0) throw changedMeanwhile();
  // Cannot happen (the update requires the head the append would wait for): a defect, not a refusal.
  if (!written.chain) throw new Error('observation recorded without its audit row');
  return { answer };
}
