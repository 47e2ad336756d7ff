import { and, asc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { cases, deadlines, participants } from '../../db/schema.js';
import { transitionFor } from '../../protocols/engine.js';
import type { Effect } from '../../protocols/model.js';
import { longestWaiting } from './capacity.js';
import { audit } from '../audit/audit.js';
import { raiseAlert, retireDeadlines } from '../deadlines/rows.js';
import type { RequestFacts } from '../request-facts.js';
import { definitionOf, type CaseRow } from './facts.js';
import { applyEventTx, openCaseTx, SYSTEM_SUB, type Author } from './transitions.js';

/* The effect interpreter: what the engine's effects do to other rows, in the event's transaction. */

/** The service itself as the author of an event (a chained case's, a timeout's), under the facts of what caused it. */
export function systemAuthor(request: RequestFacts): Author {
  return { engine: { kind: 'system' }, sub: SYSTEM_SUB, organisationId: null, request };
}

/** Effects run in the same transaction as the event that caused them. */
export async function applyEffects(tx: Executor, row: CaseRow, effects: Effect[], author: Author, version: number): Promise<void> {
  const now = author.request.now;
  for (const effect of effects) {
    switch (effect.kind) {
      case 'open_case': {
        const definition = definitionOf(effect.protocol);
        const owner = effect.parties.find((party) => party.part === definition.opening.ownerPart);
        if (!owner) throw new Error(`chained ${effect.protocol} case without its ${definition.opening.ownerPart}`);
        await openCaseTx(
          tx,
          {
            protocol: effect.protocol,
            participantId: row.participantId,
            ownerOrganisationId: owner.organisationId,
            parties: effect.parties,
            data: effect.data,
            parentCaseId: row.id,
          },
          systemAuthor(author.request),
        );
        break;
      }
      case 'signal_parent': {
        if (!row.parentCaseId) break;
        const [parent] = await tx.select().from(cases).where(eq(cases.id, row.parentCaseId)).for('update');
        // Only a parent of the protocol the data names, still accepting the signal in its state.
        if (parent && parent.closedAt === null && parent.protocol === effect.protocol && transitionFor(definitionOf(parent.protocol), parent.state, effect.event.type)) {
          await applyEventTx(tx, parent, effect.event, systemAuthor(author.request));
        }
        break;
      }
      case 'signal_children': {
        const children = await tx
          .select()
          .from(cases)
          .where(and(eq(cases.parentCaseId, row.id), eq(cases.protocol, effect.protocol), isNull(cases.closedAt)))
          .for('update');
        for (const child of children) {
          // Only where the child still accepts the signal (an arrived resident's date no longer moves).
          if (transitionFor(definitionOf(child.protocol), child.state, effect.event.type)) await applyEventTx(tx, child, effect.event, systemAuthor(author.request));
        }
        break;
      }
      case 'signal_person': {
        // The person's other open cases of the protocol, where they still accept the signal (a release ends the unit enrolment).
        const others = await tx
          .select()
          .from(cases)
          .where(and(eq(cases.participantId, row.participantId), eq(cases.protocol, effect.protocol), isNull(cases.closedAt), ne(cases.id, row.id)))
          .orderBy(asc(cases.openedAt))
          .for('update');
        for (const other of others) {
          if (transitionFor(definitionOf(other.protocol), other.state, effect.event.type)) await applyEventTx(tx, other, effect.event, systemAuthor(author.request));
        }
        break;
      }
      case 'record_person':
        // Merged into the class's JSON object: the other fields of the record stay as they are. A new
        // version, as for a correction, so an edit made from the old one is refused; audited as the case's change.
        await tx
          .update(participants)
          .set({ [effect.class]: sql`${participants[effect.class]} || ${JSON.stringify(effect.set)}::jsonb`, version: sql`${participants.version} + 1`, updatedAt: now })
          .where(eq(participants.id, row.participantId));
        await audit(tx, author.request, {
          action: `participant.record.${effect.class}`,
          subjectType: 'participant',
          subjectId: row.participantId,
          participantId: row.participantId,
          outcome: 'success',
        });
        break;
      case 'retire_own':
        await retireDeadlines(tx, and(eq(deadlines.caseId, row.id), eq(deadlines.rule, effect.rule)), now);
        break;
      case 'alert':
        await raiseAlert(tx, { caseId: row.id, participantId: row.participantId }, effect.rule, effect.concerns, String(version), now);
        break;
      case 'capacity_freed': {
        const waiting = await longestWaiting(tx, definitionOf(row.protocol), effect.holderId);
        if (waiting) await raiseAlert(tx, { caseId: waiting.id, participantId: waiting.participantId }, effect.rule, [waiting.ownerOrganisationId], `${row.id}:${version}`, now);
        break;
      }
      case 'void_participant_deadlines': {
        const others = await tx
          .select({ id: cases.id })
          .from(cases)
          .where(and(eq(cases.participantId, row.participantId), eq(cases.protocol, effect.protocol), isNull(cases.closedAt)));
        if (others.length > 0) {
          await retireDeadlines(
            tx,
            and(
              inArray(
                deadlines.caseId,
                others.map((other) => other.id),
              ),
              eq(deadlines.rule, effect.rule),
            ),
            now,
          );
        }
        break;
      }
      default: {
        const unknown: never = effect;
        throw new Error(`unknown effect ${JSON.stringify(unknown)}`);
      }
    }
  }
}
