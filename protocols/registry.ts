import { type CaseSnapshot, type DecisionFacts, type FactName, type Party } from './model.js';
import type { PartDefinition } from './types.js';
import { addDays, addMonths, daysBetween, localDateOf } from './time.js';
import { certificateOf, claimPeriodAllowed, claimsOf } from './money.js';

/**
 * The one registry of the guards, conditions and recipient resolvers the protocol data names.
 * Each is a pure function of the snapshot, the event data and the time (none reads a database
 * or a clock), with a readable label for the published document and the facts it reads, so a
 * definition that uses it must ask for them. Assignments are in assignments.ts; the builders
 * of chained cases' data in chains.ts.
 */

type Data = Record<string, unknown>;
export type RuleInput = {
  snapshot: CaseSnapshot;
  eventData: Data;
  now: Date;
  part: string | null;
  parts: Readonly<Record<string, PartDefinition>>;
  /** The id the event will have in the history, when the service gives one (a claim is named by its event's id). */
  eventId?: string;
};

/**
 * A guard passes (`true`) or names why not; `capacity` refusals are 409 CAPACITY_FULL; a refusal
 * naming a data field (`path`) is a validation error (422) about that field.
 */
export type GuardResult = true | { reason: string; capacity?: true; /** The data field at fault, for a validation error's path. */ path?: string };
export type GuardSpec = { label: string; needs?: readonly FactName[]; check: (input: RuleInput) => GuardResult };
export type ConditionInput = { snapshot: Pick<CaseSnapshot, 'data' | 'facts' | 'parties'>; eventData: Data };
export type ConditionSpec = { label: string; needs?: readonly FactName[]; test: (input: ConditionInput) => boolean };
export type ResolverSpec = { label: string; resolve: (snapshot: Pick<CaseSnapshot, 'data' | 'parties' | 'ownerOrganisationId' | 'facts'>) => string[] };

export const PATHWAYS = ['accommodation', 'identity_documents', 'health_continuity', 'employment_education', 'family', 'finance_benefits', 'patronage'] as const;
export type PathwayName = (typeof PATHWAYS)[number];
export type Pathway = { status: 'not_started' | 'in_progress' | 'done' | 'not_needed'; organisationId?: string; note?: string };

export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
export const partyOf = (snapshot: { parties: readonly Party[] }, part: string) => snapshot.parties.find((party) => party.part === part)?.organisationId;
export const pathwaysOf = (data: Data) => (data.pathways ?? {}) as Record<PathwayName, Pathway>;
const settled = (pathway: Pathway | undefined) => pathway?.status === 'done' || pathway?.status === 'not_needed';

/** A fact the definition asked for; a missing one is a definition error, never a silent refusal. */
export function need<K extends FactName>(facts: DecisionFacts, name: K): NonNullable<DecisionFacts[K]> | Extract<DecisionFacts[K], null> {
  const value = facts[name];
  if (value === undefined) throw new Error(`the fact ${name} was not gathered: name it in the protocol data's facts`);
  return value as NonNullable<DecisionFacts[K]>;
}

/** Whether an organisation may fill a part: kind, certification, and consent for an NGO. */
export function organisationFitsPart(
  snapshot: Pick<CaseSnapshot, 'facts'>,
  organisationId: string,
  part: string,
  rule: { kinds: readonly string[]; certified?: boolean; needsConsent?: boolean },
): GuardResult {
  const organisation = snapshot.facts.organisations[organisationId];
  if (!organisation) return { reason: `Organisation ${organisationId} is not registered.` };
  if (!rule.kinds.includes(organisation.kind)) return { reason: `A ${organisation.kind} cannot fill the ${part} part (needs ${rule.kinds.join(' or ')}).` };
  if (rule.certified && organisation.certified !== true) return { reason: `The ${part} must hold a valid certification.` };
  if (rule.needsConsent && !snapshot.facts.consentedOrganisations.has(organisationId)) {
    return { reason: `Naming this ${part} needs a valid sharing consent of the participant that names it.` };
  }
  return true;
}

const followUpMissing = (month: number): ConditionSpec => ({
  label: `the month-${month} follow-up is not recorded`,
  test: ({ snapshot }) => !((snapshot.data.followUpsRecorded ?? []) as number[]).includes(month),
});

export const GUARDS = {
  partyAssignable: {
    label: 'the part exists and the organisation fits it (kind, certification, a consent naming an NGO)',
    check: ({ snapshot, eventData, parts }) => {
      const part = str(eventData.part) ?? '';
      const rule = Object.hasOwn(parts, part) ? parts[part] : undefined;
      if (!rule || rule.automatic) return { reason: `"${part}" is not a part that can be assigned in this protocol.` };
      if (rule.filledBy) return { reason: `The ${part} part is filled by ${rule.filledBy.join(' or ')}, not assigned.` };
      return organisationFitsPart(snapshot, str(eventData.organisationId) ?? '', part, rule);
    },
  },
  allPathwaysSettled: {
    label: 'every pathway is done or marked not needed',
    check: ({ snapshot }) => {
      const open = PATHWAYS.filter((name) => !settled(pathwaysOf(snapshot.data)[name]));
      return open.length === 0 ? true : { reason: `Pathways not yet done or marked not needed: ${open.join(', ')}.` };
    },
  },
  ngoPartWithConsent: {
    label: 'an NGO part (the patron after release) with a valid consent naming it',
    check: ({ snapshot }) => {
      const ngo = partyOf(snapshot, 'ngo');
      if (!ngo) return { reason: 'The plan needs an NGO part (the patron after release).' };
      return snapshot.facts.consentedOrganisations.has(ngo) ? true : { reason: 'The NGO part needs a valid sharing consent naming it.' };
    },
  },
  actingOrganisationIsParty: {
    label: 'the acting organisation named is a party of the case',
    check: ({ snapshot, eventData }) => {
      const acting = str(eventData.organisationId);
      if (!acting || snapshot.parties.some((party) => party.organisationId === acting)) return true;
      return { reason: 'The acting organisation of a pathway must be a party of the case.' };
    },
  },
  halfwayHouseCertified: {
    label: 'the house named is a certified halfway house',
    check: ({ snapshot, eventData }) =>
      organisationFitsPart(snapshot, str(eventData.halfwayHouseOrganisationId) ?? '', 'halfway_house', { kinds: ['halfway_house'], certified: true }),
  },
  transfereeIsPrison: {
    label: 'the new owner is another prison',
    check: ({ snapshot, eventData }) => {
      const to = str(eventData.toOrganisationId) ?? '';
      if (to === snapshot.ownerOrganisationId) return { reason: 'The plan is already owned by this prison.' };
      return organisationFitsPart(snapshot, to, 'prison', { kinds: ['prison'] });
    },
  },
  anotherNgoWithConsent: {
    label: 'another certified NGO, with a valid consent naming it',
    check: ({ snapshot, eventData }) => {
      const ngo = str(eventData.ngoOrganisationId) ?? '';
      if (ngo === partyOf(snapshot, 'ngo')) return { reason: 'Resend the handover to another NGO than the one that declined.' };
      return organisationFitsPart(snapshot, ngo, 'ngo', { kinds: ['ngo'], certified: true, needsConsent: true });
    },
  },
  followUpNotYetRecorded: {
    label: 'the follow-up for this month is not recorded yet (once per month)',
    check: ({ snapshot, eventData }) => {
      const month = num(eventData.month);
      return ((snapshot.data.followUpsRecorded ?? []) as number[]).includes(month!) ? { reason: `The month-${month} follow-up is already recorded.` } : true;
    },
  },
  followUpWindowOpen: {
    label: 'the follow-up for month m is not recorded before the release date + m months − 14 days',
    check: ({ snapshot, eventData, now }) => {
      const month = num(eventData.month)!;
      const from = addDays(addMonths(str(snapshot.data.releaseDate)!, month), -14);
      if (localDateOf(now, snapshot.facts.timeZone) >= from) return true;
      return { reason: `The month-${month} follow-up can be recorded from ${from} (14 days before ${month} months after release), not earlier.` };
    },
  },
  bedFreeOnArrival: {
    label: 'a bed is free on the expected arrival date (else 409 CAPACITY_FULL)',
    needs: ['freeCapacity'],
    check: ({ snapshot }) => (need(snapshot.facts, 'freeCapacity') ? true : { reason: 'No free bed on the expected arrival date.', capacity: true }),
  },
  firstInQueueOrReason: {
    label: 'when a place is free, the person has waited longest for it, or a reason says why they go first',
    needs: ['freeCapacity', 'firstInQueue'],
    check: ({ snapshot, eventData }) => {
      if (!need(snapshot.facts, 'freeCapacity') || need(snapshot.facts, 'firstInQueue') || str(eventData.reason)) return true;
      return { reason: 'Someone has waited longer for a place in this unit: admit them first, or give a reason for admitting this person ahead of them.' };
    },
  },
  releaseDateNotPassed: {
    label: 'the plan’s release date has not passed (the referral’s arrival date is the release date)',
    check: ({ snapshot, now }) =>
      (str(snapshot.data.releaseDate) ?? '') >= localDateOf(now, snapshot.facts.timeZone)
        ? true
        : { reason: 'The plan’s release date has passed: change it first (RELEASE_DATE_CHANGED), since the halfway house expects the person on that date.' },
  },
  arrivalNotInPast: {
    label: 'the expected arrival date is not in the past (in the owner’s time zone)',
    check: ({ snapshot, eventData, now }) =>
      (str(eventData.expectedArrivalDate) ?? '') >= localDateOf(now, snapshot.facts.timeZone)
        ? true
        : { reason: 'The expected arrival date is in the past.', path: 'expectedArrivalDate' },
  },
  // rehabilitation-certificate (DOMAIN.md §6)
  validUntilAfterToday: {
    label: 'the certificate’s end date is after today (in the owner’s time zone)',
    check: ({ snapshot, eventData, now }) =>
      (str(eventData.validUntil) ?? '') > localDateOf(now, snapshot.facts.timeZone) ? true : { reason: 'The certificate must be valid after today.', path: 'validUntil' },
  },
  informedConsentRecorded: {
    label: 'the person’s informed consent is recorded on this case (a valid consent recorded with this case)',
    needs: ['consentOnCase'],
    check: ({ snapshot }) =>
      need(snapshot.facts, 'consentOnCase') ? true : { reason: 'Record the person’s informed consent on this case (a consent with this case) before issuing the certificate.' },
  },
  centreCertified: {
    label: 'the centre named is a treatment provider certified on that day, and not the centre already chosen',
    check: ({ snapshot, eventData }) => {
      const centre = str(eventData.centreOrganisationId) ?? '';
      if (centre === partyOf(snapshot, 'centre')) return { reason: 'This centre is already the person’s centre.', path: 'centreOrganisationId' };
      const fits = organisationFitsPart(snapshot, centre, 'centre', { kinds: ['treatment_provider'], certified: true });
      return fits === true ? true : { ...fits, path: 'centreOrganisationId' };
    },
  },
  claimWithinBalance: {
    label: 'the amount is not above the certificate’s value less the approved and pending claims',
    check: ({ snapshot, eventData }) => {
      const certificate = certificateOf(snapshot.data);
      const remaining = certificate ? certificate.remaining : 0;
      return (num(eventData.amount) ?? 0) <= remaining
        ? true
        : {
            // Amounts travel in minor units (the API's unit); say so, with the currency, so "50000000" is not read as the sum.
            reason: `The claim is above the certificate’s balance: ${remaining} left after approved and pending claims (minor units${certificate ? ` of ${certificate.currency}` : ''}).`,
            path: 'amount',
          };
    },
  },
  claimPeriodAllowed: {
    label:
      'the period starts on or after the admission to the current centre, ends by the certificate’s end and today (in the owner’s time zone), and shares no day with a pending or approved claim',
    check: ({ snapshot, eventData, now }) =>
      claimPeriodAllowed(snapshot.data, { periodFrom: str(eventData.periodFrom) ?? '', periodTo: str(eventData.periodTo) ?? '' }, localDateOf(now, snapshot.facts.timeZone)),
  },
  claimPending: {
    label: 'the claim named is a claim of this case, still pending (decided once only)',
    check: ({ snapshot, eventData }) => {
      const claim = claimsOf(snapshot.data).find((candidate) => candidate.id === str(eventData.claimId));
      if (!claim) return { reason: 'No claim with this id in this case.', path: 'claimId' };
      return claim.status === 'pending' ? true : { reason: `This claim is already ${claim.status}: a claim is decided once.` };
    },
  },
  noPendingClaims: {
    label: 'no claim is pending (the coordinator decides them first)',
    check: ({ snapshot }) =>
      claimsOf(snapshot.data).some((claim) => claim.status === 'pending') ? { reason: 'Claims are pending: the coordinator decides them before the case closes.' } : true,
  },
  stayIsLonger: {
    label: 'the new maximum stay is longer than the current one',
    check: ({ snapshot, eventData }) =>
      (num(eventData.maxStayDays) ?? 0) > (num(snapshot.data.maxStayDays) ?? 0) ? true : { reason: 'An extension must be longer than the current maximum stay.' },
  },
} as const satisfies Record<string, GuardSpec>;
export type GuardName = keyof typeof GUARDS;

/** Conditions choose among targets, and decide whether a deadline rule, an alert or a chained case applies. */
export const CONDITIONS = {
  outcomeIsRevoke: { label: 'the outcome is revoke', test: ({ eventData }) => eventData.outcome === 'revoke' },
  outcomeIsUnsuitable: { label: 'the outcome is unsuitable', test: ({ eventData }) => eventData.outcome === 'unsuitable' },
  hasFreeCapacity: { label: 'the unit has a free place', needs: ['freeCapacity'], test: ({ snapshot }) => need(snapshot.facts, 'freeCapacity') === true },
  noOpenPreRelease: {
    label: 'the person has no open pre-release plan',
    needs: ['openProtocols'],
    test: ({ snapshot }) => !need(snapshot.facts, 'openProtocols').has('pre-release'),
  },
  allPathwaysNotStarted: {
    label: 'no pathway has been started',
    test: ({ snapshot }) => PATHWAYS.every((name) => (pathwaysOf(snapshot.data)[name]?.status ?? 'not_started') === 'not_started'),
  },
  somePathwayOpen: { label: 'a pathway is not yet done or marked not needed', test: ({ snapshot }) => PATHWAYS.some((name) => !settled(pathwaysOf(snapshot.data)[name])) },
  followUp3Missing: followUpMissing(3),
  followUp6Missing: followUpMissing(6),
  followUp12Missing: followUpMissing(12),
  hasNgoPart: { label: 'an NGO part is named', test: ({ snapshot }) => partyOf(snapshot, 'ngo') !== undefined },
  incidentIsRelapse: { label: 'the incident is a relapse', test: ({ eventData }) => eventData.kind === 'relapse' },
  twoAdverseTestsWithin30Days: {
    label: 'this test is positive or missed, and so was another within 30 days',
    test: ({ snapshot, eventData }) => {
      if (eventData.result !== 'positive' && eventData.result !== 'missed') return false;
      const date = str(eventData.date)!;
      return ((snapshot.data.adverseTests ?? []) as string[]).filter((other) => Math.abs(daysBetween(other, date)) <= 30).length >= 2;
    },
  },
} as const satisfies Record<string, ConditionSpec>;
export type ConditionName = keyof typeof CONDITIONS;

/** Resolvers name, from the snapshot, the organisations a deadline or an alert concerns. */
export const RESOLVERS = {
  partiesWithOpenPathways: {
    label: 'each party acting on a pathway not yet done (the owner for pathways nobody has taken)',
    resolve: (snapshot) => {
      const pathways = pathwaysOf(snapshot.data);
      return PATHWAYS.filter((name) => !settled(pathways[name])).map((name) => pathways[name]?.organisationId ?? snapshot.ownerOrganisationId);
    },
  },
  allParties: { label: 'every party of the case', resolve: (snapshot) => snapshot.parties.map((party) => party.organisationId) },
  senderAndProbation: {
    label: 'the sender, and the probation service named at handover',
    resolve: (snapshot) => [partyOf(snapshot, 'sender'), str(snapshot.data.probationOrganisationId)].filter((id): id is string => Boolean(id)),
  },
} as const satisfies Record<string, ResolverSpec>;
export type ResolverName = keyof typeof RESOLVERS;

/** The facts a guard or a condition reads. */
export const guardNeeds = (name: GuardName): readonly FactName[] => (GUARDS[name] as GuardSpec).needs ?? [];
export const conditionNeeds = (name: ConditionName): readonly FactName[] => (CONDITIONS[name] as ConditionSpec).needs ?? [];
