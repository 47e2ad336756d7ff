import { and, eq, gt, isNull, or } from 'drizzle-orm';
import { consentedClasses } from './consents.js';
import type { Executor } from '../../db/client.js';
import { breakGlassGrants, caseParties, cases } from '../../db/schema.js';
import type { Actor } from '../auth/authenticator.js';
import { DATA_CLASSES, NON_PERSONAL_ROLES, type DataClass } from '../domain.js';
import { BREAK_GLASS_HOURS, closedCaseWindowStart, RECORD_OWNER_CLASSES, REGION_COORDINATOR_CLASSES, SHARING_TABLE } from './sharing-table.js';

/**
 * On what basis a data class is disclosed: by a case part (`party`), by the court's order
 * (`court_order`), by a valid consent (`consent`), by break-glass (`break_glass`), or by
 * DOMAIN.md's rules 2 and 3 (`record_owner`, `region_coordinator`).
 */
export type Basis = 'party' | 'court_order' | 'record_owner' | 'region_coordinator' | 'consent' | 'break_glass';

/** When several bases give a class, the response names the first of these. */
const BASIS_ORDER: readonly Basis[] = ['party', 'court_order', 'record_owner', 'region_coordinator', 'consent', 'break_glass'];

/** One of the actor's parts in a case of the person (the protocol and the part's name). */
export type ViewerPart = { protocol: string; part: string };

/** `timeZone`, the record owner's, when the caller already has it (it dates consents). */
export type ParticipantFacts = { id: string; ownerOrganisationId: string; region: string; timeZone?: string };

export type Disclosure = {
  /** Each data class this actor may see of this participant, with the basis. Empty: the participant does not exist for them. */
  classes: Map<DataClass, Basis>;
  /** Whether other organisations' notes are disclosed (the `notes` class, under consent or break-glass). */
  othersNotes: boolean;
};

export const NOTHING: Disclosure = { classes: new Map(), othersNotes: false };

/** Whether every role of the actor is one that never sees a person (auditor, admin): the policy gives them nothing. */
export const seesNoOne = (actor: Actor): boolean => actor.roles.every((role) => NON_PERSONAL_ROLES.includes(role));

export { BREAK_GLASS_HOURS };

/**
 * The one access policy for personal data (DOMAIN.md, "Role-scoped sharing"): which classes
 * of which participant an actor's organisation may see, and why. Default deny. Every path
 * that reads or writes personal data asks here. Nothing is cached: a revoked consent or an
 * expired grant narrows the very next answer.
 */
export async function participantDisclosure(
  db: Executor,
  actor: Actor,
  participant: ParticipantFacts,
  now: Date,
  /** The actor's parts in the person's cases within the window, when the caller read them already (a case read does, in the same query). */
  knownParts?: ReadonlyArray<ViewerPart>,
  /** The classes the actor's valid consents name today, when the caller read them already in the same transaction (an event's facts do). */
  knownConsented?: ReadonlySet<DataClass>,
): Promise<Disclosure> {
  if (seesNoOne(actor)) return NOTHING;
  const organisationId = actor.organisation.id;
  // Rule 1: parts in the participant's cases, open or closed less than 90 days ago.
  const windowStart = closedCaseWindowStart(now);
  const parts =
    knownParts ??
    (await db
      .select({ protocol: cases.protocol, part: caseParties.part })
      .from(caseParties)
      .innerJoin(cases, eq(cases.id, caseParties.caseId))
      .where(and(eq(cases.participantId, participant.id), eq(caseParties.organisationId, organisationId), or(isNull(cases.closedAt), gt(cases.closedAt, windowStart)))));
  // Consents are read only when one of the actor's parts has a class that depends on one.
  const consented = needsConsents(parts) ? (knownConsented ?? (await consentedClasses(db, participant.id, organisationId, now, participant.timeZone))) : new Set<DataClass>();
  // Rule 4: a live break-glass grant on a case of the participant.
  const glass =
    actor.roles.includes('coordinator') &&
    (
      await db
        .select({ id: breakGlassGrants.id })
        .from(breakGlassGrants)
        .where(and(eq(breakGlassGrants.participantId, participant.id), eq(breakGlassGrants.organisationId, organisationId), gt(breakGlassGrants.expiresAt, now)))
        .limit(1)
    ).length > 0;
  return discloseFrom(actor, participant, parts, consented, glass);
}

const partEntries = (parts: ReadonlyArray<ViewerPart>) => parts.flatMap(({ protocol, part }) => Object.entries(SHARING_TABLE[protocol]?.[part] ?? {}) as [DataClass, string][]);

/** Whether one of these parts gives a class only under a consent (so the consents decide it). */
const needsConsents = (parts: ReadonlyArray<ViewerPart>): boolean => partEntries(parts).some(([, how]) => how === 'consent');

/**
 * The policy itself, over facts already read: the actor's parts in the person's cases within the
 * 90-day window, the classes the actor's consents from the person name today (read when
 * `needsConsents(parts)`), and whether the actor's organisation holds a live break-glass grant
 * on the person. `participantDisclosure` reads them; a query that reads many people reads them
 * with each person (src/access/viewer-facts.ts) and decides here.
 */
export function discloseFrom(actor: Actor, participant: ParticipantFacts, parts: ReadonlyArray<ViewerPart>, consented: ReadonlySet<DataClass>, glass: boolean): Disclosure {
  if (seesNoOne(actor)) return NOTHING;
  const organisationId = actor.organisation.id;
  const found = new Map<DataClass, Set<Basis>>();
  const grant = (dataClass: DataClass, basis: Basis) => {
    const bases = found.get(dataClass) ?? new Set<Basis>();
    bases.add(basis);
    found.set(dataClass, bases);
  };
  // Rule 1: parts in the participant's cases; consents widen the K classes.
  for (const [dataClass, how] of partEntries(parts)) {
    if (how === 'consent') {
      if (consented.has(dataClass)) grant(dataClass, 'consent');
    } else grant(dataClass, how as Basis);
  }
  // Rule 2: the record owner.
  if (participant.ownerOrganisationId === organisationId) for (const dataClass of RECORD_OWNER_CLASSES) grant(dataClass, 'record_owner');
  // Rule 3: the coordinator of the participant's region.
  if (actor.organisation.kind === 'coordinator' && actor.roles.includes('coordinator') && actor.organisation.region === participant.region) {
    for (const dataClass of REGION_COORDINATOR_CLASSES) grant(dataClass, 'region_coordinator');
  }
  // Rule 4: a live break-glass grant on a case of the participant gives every class (a coordinator's only).
  if (glass && actor.roles.includes('coordinator')) for (const dataClass of DATA_CLASSES) grant(dataClass, 'break_glass');

  const classes = new Map<DataClass, Basis>();
  for (const dataClass of DATA_CLASSES) {
    const bases = found.get(dataClass);
    const basis = bases && BASIS_ORDER.find((candidate) => bases.has(candidate));
    if (basis) classes.set(dataClass, basis);
  }
  return { classes, othersNotes: classes.has('notes') };
}

export function isVisible(disclosure: Disclosure): boolean {
  return disclosure.classes.size > 0;
}

/** The basis summary for an audit row: each distinct basis, in order. */
export function basesOf(disclosure: Disclosure, classes?: Iterable<DataClass>): string | undefined {
  const wanted = classes ? new Set(classes) : undefined;
  const bases = BASIS_ORDER.filter((basis) => [...disclosure.classes].some(([dataClass, given]) => given === basis && (!wanted || wanted.has(dataClass))));
  return bases.length > 0 ? bases.join(',') : undefined;
}
