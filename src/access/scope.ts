import { and, eq, exists, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { qualified } from '../../db/qualified.js';
import { breakGlassGrants, caseParties, cases, participants } from '../../db/schema.js';
import type { Actor } from '../auth/authenticator.js';
import { seesNoOne } from './policy.js';
import { type DataClass } from '../domain.js';
import { closedCaseWindowStart, RECORD_OWNER_CLASSES, REGION_COORDINATOR_CLASSES, SHARING_TABLE } from './sharing-table.js';

/**
 * The access policy (policy.ts) as a condition on `participants`, for lists that must be scoped
 * in SQL: a search filtered after its LIMIT would show short or empty pages whose cursor hints
 * at people the caller may not see. A person is in scope when one of the policy's rules gives
 * the caller `dataClass` (any class, when none is named) without a consent: the record owner,
 * the region's coordinator, a part of a case of theirs open or closed less than 90 days ago
 * whose sharing-table row gives the class, a live break-glass grant. Rules that need a consent
 * are left out, so this is never wider than the policy; callers still ask `participantDisclosure`
 * for each row they show.
 */
export function participantsInScope(db: Executor, actor: Actor, now: Date, dataClass?: DataClass): SQL {
  const windowStart = closedCaseWindowStart(now);
  return scopeCondition(
    db,
    actor,
    {
      organisationId: sql`${actor.organisation.id}::uuid`,
      region: sql`${actor.organisation.region}`,
      now: sql`${now.toISOString()}::timestamptz`,
      windowStart: sql`${windowStart.toISOString()}::timestamptz`,
    },
    dataClass,
  );
}

/** The values the scope compares with: bound values, or a prepared statement's placeholders (the search's). */
export type ScopeValues = { organisationId: SQL; region: SQL; now: SQL; windowStart: SQL };

/**
 * `participantsInScope` over given values. Its shape depends only on the actor's roles, the kind
 * of its organisation and `dataClass` (`scopeShape`), so a prepared statement built for one
 * actor serves every actor of the same shape with the values as placeholders.
 */
export function scopeCondition(db: Executor, actor: Actor, values: ScopeValues, dataClass?: DataClass): SQL {
  if (seesNoOne(actor)) return sql`false`;
  const { organisationId } = values;
  const gives = (classes: readonly DataClass[]) => (dataClass ? classes.includes(dataClass) : classes.length > 0);
  const rules: SQL[] = [];
  if (gives(RECORD_OWNER_CLASSES)) rules.push(sql`${qualified(participants.ownerOrganisationId)} = ${organisationId}`);
  if (actor.organisation.kind === 'coordinator' && actor.roles.includes('coordinator') && gives(REGION_COORDINATOR_CLASSES)) {
    rules.push(sql`${qualified(participants.region)} = ${values.region}`);
  }
  // The parts whose sharing-table row gives the class without a consent, as 'protocol part' keys:
  // one array to compare with, cheaper for the planner than an OR of every pair.
  const parts = Object.entries(SHARING_TABLE).flatMap(([protocol, byPart]) =>
    Object.entries(byPart)
      .filter(([, grants]) => gives((Object.entries(grants) as [DataClass, string][]).filter(([, how]) => how !== 'consent').map(([given]) => given)))
      .map(([part]) => `${protocol} ${part}`),
  );
  if (parts.length > 0) {
    // Correlated (EXISTS, not IN): a search that finds a handful of people checks each of them
    // through the person's cases (cases_participant_idx), instead of first listing every person
    // the organisation is a party for (tens of thousands in a large region, on every search).
    // The case's parties are a second, fenced EXISTS (`offset 0` keeps PostgreSQL from turning it
    // into a join): a lookup per case through case_parties_organisation_idx, as the join's plan
    // was, but two one-table plans instead of a join whose every method (merge join's included,
    // which probes both indexes' ends) the planner costs again at each search. With the same
    // fence in viewer-facts.ts, a name search at a million participants took PostgreSQL about
    // 0.35 ms less CPU (bench/README.md, "A sixth pass").
    const partyOfCase = sql`exists (select 1 from ${caseParties} where ${qualified(caseParties.caseId)} = ${qualified(cases.id)}
      and ${qualified(caseParties.organisationId)} = ${organisationId}
      and (${qualified(cases.protocol)} || ' ' || ${qualified(caseParties.part)}) = any(array[${sql.join(
        parts.map((key) => sql`${key}`),
        sql`, `,
      )}]::text[]) offset 0)`;
    const asParty = db
      .select({ one: sql`1` })
      .from(cases)
      .where(and(eq(cases.participantId, participants.id), sql`(${qualified(cases.closedAt)} is null or ${qualified(cases.closedAt)} > ${values.windowStart})`, partyOfCase));
    rules.push(exists(asParty));
  }
  if (actor.roles.includes('coordinator')) {
    const glass = db
      .select({ id: breakGlassGrants.participantId })
      .from(breakGlassGrants)
      .where(and(sql`${qualified(breakGlassGrants.organisationId)} = ${organisationId}`, sql`${qualified(breakGlassGrants.expiresAt)} > ${values.now}`));
    rules.push(inArray(participants.id, glass));
  }
  return or(...rules) ?? sql`false`;
}

/**
 * Whether every person `scopeCondition` lets this actor see is owned by the actor's organisation or
 * has a case it is a party to: true for every actor without the coordinator role, whose rules are
 * the record owner and a part of a case. Its name search then looks the name up among the people
 * `participant_name_scopes` (migration 0015) lists for its organisation, and checks the full scope
 * for the few it finds there. A coordinator's region and break-glass grants reach people its
 * organisation has never had to do with: not for them. `scopeShape` tells the two apart.
 */
export function scopeWithinOwnersAndParties(actor: Actor): boolean {
  return !seesNoOne(actor) && !actor.roles.includes('coordinator');
}

/** What `scopeCondition`'s SQL depends on besides its values, as a short key for naming prepared statements. */
export function scopeShape(actor: Actor, dataClass?: DataClass): string {
  if (seesNoOne(actor)) return 'none';
  const regional = actor.organisation.kind === 'coordinator' && actor.roles.includes('coordinator');
  return `${dataClass ?? 'any'}_${regional ? 'r' : ''}${actor.roles.includes('coordinator') ? 'g' : ''}`;
}
