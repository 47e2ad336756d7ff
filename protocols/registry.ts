import { coordinatorOrAdmins, type CaseSnapshot, type Effect, type Party } from './model.js';
import { DEFAULT_MAX_STAY_DAYS } from './vocabulary.js';
import { addDays, daysBetween, localDateOf } from './time.js';

/**
 * The one registry of everything the protocol data names: guards, conditions, assignments,
 * effects and notification resolvers. Each is a pure function of the snapshot, the event
 * data and the time; none reads a database or a clock.
 */

type Data = Record<string, unknown>;
export type RuleInput = { snapshot: CaseSnapshot; eventData: Data; now: Date; part: string | null };

/** A guard passes (`true`) or names why not; `capacity` refusals are 409 CAPACITY_FULL. */
export type GuardResult = true | { reason: string; capacity?: true };
export type Guard = (input: RuleInput) => GuardResult;

/** A snapshot change: data fields to set, and optionally new parties or a new owner. */
export type Assignment = (input: RuleInput & { target: string }) => { data?: Data; parties?: Party[]; ownerOrganisationId?: string };

export type EffectBuilder = (input: RuleInput & { target: string; next: { data: Data; parties: readonly Party[] } }) => Effect[];

export const PATHWAYS = ['accommodation', 'identity_documents', 'health_continuity', 'employment_education', 'family', 'finance_benefits', 'patronage'] as const;
export type PathwayName = (typeof PATHWAYS)[number];
export type Pathway = { status: 'not_started' | 'in_progress' | 'done' | 'not_needed'; organisationId?: string; note?: string };

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const partyOf = (snapshot: { parties: readonly Party[] }, part: string) => snapshot.parties.find((party) => party.part === part)?.organisationId;
const today = (input: RuleInput) => localDateOf(input.now, input.snapshot.facts.timeZone);
const pathwaysOf = (data: Data) => (data.pathways ?? {}) as Record<PathwayName, Pathway>;
const settled = (pathway: Pathway | undefined) => pathway?.status === 'done' || pathway?.status === 'not_needed';

/** The organisation kinds each part accepts, for `partyAssignable`; filled in from the definitions. */
export type PartRules = Record<string, { kinds: readonly string[]; certified?: boolean; needsConsent?: boolean; automatic?: string }>;

export function makeGuards(parts: PartRules): Record<string, Guard> {
  return {
    /** PARTY_ASSIGNED: the part exists, the organisation is of its kind, certified and consented where required. */
    partyAssignable: ({ snapshot, eventData }) => {
      const part = str(eventData.part) ?? '';
      const rule = parts[part];
      if (!rule || rule.automatic) return { reason: `"${part}" is not a part that can be assigned in this protocol.` };
      return organisationFitsPart(snapshot, str(eventData.organisationId) ?? '', part, rule);
    },
  };
}

/** Whether an organisation may fill a part: kind, certification, and consent for an NGO. */
export function organisationFitsPart(
  snapshot: CaseSnapshot,
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

export const GUARDS: Record<string, Guard> = {
  /** PLAN_AGREED: every pathway done or not needed (DOMAIN.md §3). */
  allPathwaysSettled: ({ snapshot }) => {
    const open = PATHWAYS.filter((name) => !settled(pathwaysOf(snapshot.data)[name]));
    return open.length === 0 ? true : { reason: `Pathways not yet done or marked not needed: ${open.join(', ')}.` };
  },
  /** PLAN_AGREED: an NGO part (the patron after release) with a consent naming it. */
  ngoPartWithConsent: ({ snapshot }) => {
    const ngo = partyOf(snapshot, 'ngo');
    if (!ngo) return { reason: 'The plan needs an NGO part (the patron after release).' };
    return snapshot.facts.consentedOrganisations.has(ngo) ? true : { reason: 'The NGO part needs a valid sharing consent naming it.' };
  },
  /** PATHWAY_UPDATED: the acting organisation is a party of the case. */
  actingOrganisationIsParty: ({ snapshot, eventData }) => {
    const acting = str(eventData.organisationId);
    if (!acting || snapshot.parties.some((party) => party.organisationId === acting)) return true;
    return { reason: 'The acting organisation of a pathway must be a party of the case.' };
  },
  /** HALFWAY_HOUSE_REFERRED: the house is a certified halfway house. */
  halfwayHouseCertified: ({ snapshot, eventData }) =>
    organisationFitsPart(snapshot, str(eventData.halfwayHouseOrganisationId) ?? '', 'halfway_house', { kinds: ['halfway_house'], certified: true }),
  /** OWNER_TRANSFERRED: the new owner is another prison. */
  transfereeIsPrison: ({ snapshot, eventData }) => {
    const to = str(eventData.toOrganisationId) ?? '';
    if (to === snapshot.ownerOrganisationId) return { reason: 'The plan is already owned by this prison.' };
    return organisationFitsPart(snapshot, to, 'prison', { kinds: ['prison'] });
  },
  /** RESENT: another NGO, certified, with a consent naming it. */
  anotherNgoWithConsent: ({ snapshot, eventData }) => {
    const ngo = str(eventData.ngoOrganisationId) ?? '';
    if (ngo === partyOf(snapshot, 'ngo')) return { reason: 'Resend the handover to another NGO than the one that declined.' };
    return organisationFitsPart(snapshot, ngo, 'ngo', { kinds: ['ngo'], certified: true, needsConsent: true });
  },
  /** ACCEPTED: a free bed on the arrival date, else 409 CAPACITY_FULL. */
  bedFreeOnArrival: ({ snapshot }) => (snapshot.facts.houseHasFreeBed === true ? true : { reason: 'No free bed on the expected arrival date.', capacity: true }),
  /** STAY_EXTENDED: the new maximum is longer than the current one. */
  stayIsLonger: ({ snapshot, eventData }) =>
    (num(eventData.maxStayDays) ?? 0) > (num(snapshot.data.maxStayDays) ?? 0) ? true : { reason: 'An extension must be longer than the current maximum stay.' },
};

/** Conditions choose among targets, and decide whether a deadline rule applies. */
export const CONDITIONS: Record<string, (input: { snapshot: Pick<CaseSnapshot, 'data' | 'facts' | 'parties'>; eventData: Data }) => boolean> = {
  outcomeIsRevoke: ({ eventData }) => eventData.outcome === 'revoke',
  outcomeIsUnsuitable: ({ eventData }) => eventData.outcome === 'unsuitable',
  unitHasFreePlace: ({ snapshot }) => snapshot.facts.unitHasFreePlace === true,
  noOpenPreRelease: ({ snapshot }) => snapshot.facts.hasOpenPreRelease !== true,
  allPathwaysNotStarted: ({ snapshot }) => PATHWAYS.every((name) => (pathwaysOf(snapshot.data)[name]?.status ?? 'not_started') === 'not_started'),
  somePathwayOpen: ({ snapshot }) => PATHWAYS.some((name) => !settled(pathwaysOf(snapshot.data)[name])),
  followUp3Missing: ({ snapshot }) => !((snapshot.data.followUpsRecorded ?? []) as number[]).includes(3),
  followUp6Missing: ({ snapshot }) => !((snapshot.data.followUpsRecorded ?? []) as number[]).includes(6),
  followUp12Missing: ({ snapshot }) => !((snapshot.data.followUpsRecorded ?? []) as number[]).includes(12),
};

/** Resolvers name, from the snapshot, the organisations a deadline concerns. */
export const RESOLVERS: Record<string, (snapshot: Pick<CaseSnapshot, 'data' | 'parties' | 'ownerOrganisationId'>) => string[]> = {
  /** Pre-release: each party acting on a pathway not yet done; the owner for pathways nobody has taken. */
  partiesWithOpenPathways: (snapshot) => {
    const pathways = pathwaysOf(snapshot.data);
    return PATHWAYS.filter((name) => !settled(pathways[name])).map((name) => pathways[name]?.organisationId ?? snapshot.ownerOrganisationId);
  },
  allParties: (snapshot) => snapshot.parties.map((party) => party.organisationId),
  /** Patronage: the sender, and the probation service named at handover. */
  senderAndProbation: (snapshot) => [partyOf(snapshot, 'sender'), str(snapshot.data.probationOrganisationId)].filter((id): id is string => Boolean(id)),
};

export const ASSIGNMENTS: Record<string, Assignment> = {
  /** PARTY_ASSIGNED: the part is filled by the named organisation (replacing any before it). */
  assignParty: ({ snapshot, eventData }) => ({
    parties: [...snapshot.parties.filter((party) => party.part !== eventData.part), { part: str(eventData.part)!, organisationId: str(eventData.organisationId)! }].sort((a, b) =>
      a.part.localeCompare(b.part),
    ),
  }),

  // court-ordered-treatment
  orderEnd: ({ eventData }) => ({ data: { orderEndDate: addDays(str(eventData.orderDate)!, num(eventData.durationDays)!) } }),
  startReporting: ({ snapshot, eventData }) => {
    const intake = str(eventData.assessmentDate)!;
    return { data: { intakeDate: intake, nextReportDue: addDays(intake, num(snapshot.data.reportingIntervalDays) ?? 30) } };
  },
  /** Reporting runs from intake: a report before intake (a refusal under review) moves nothing. */
  advanceReportDue: ({ snapshot }) => {
    const due = str(snapshot.data.nextReportDue);
    return due ? { data: { nextReportDue: addDays(due, num(snapshot.data.reportingIntervalDays) ?? 30) } } : {};
  },
  recordDrugTest: ({ snapshot, eventData }) => {
    if (eventData.result !== 'positive' && eventData.result !== 'missed') return {};
    const adverse = [...((snapshot.data.adverseTests ?? []) as string[]), str(eventData.date)!].sort();
    return { data: { adverseTests: adverse.slice(-10) } };
  },

  // unit-enrolment
  admit: (input) => {
    const date = str(input.eventData.date) ?? today(input);
    if (input.target === 'enrolled') return { data: { admittedOn: date, nextReviewDue: addDays(date, 30), waitlistedAt: null } };
    return { data: { waitlistedAt: str(input.snapshot.data.waitlistedAt) ?? input.now.toISOString() } };
  },
  advanceReview: ({ eventData }) => ({ data: { lastReviewOn: str(eventData.date), nextReviewDue: addDays(str(eventData.date)!, 30) } }),
  recordPhase: ({ eventData }) => ({ data: { phase: str(eventData.phase) } }),

  // pre-release
  initPathways: () => ({ data: { pathways: Object.fromEntries(PATHWAYS.map((name) => [name, { status: 'not_started' }])) } }),
  updatePathway: ({ snapshot, eventData }) => {
    const name = str(eventData.pathway) as PathwayName;
    const pathway: Pathway = { status: eventData.status as Pathway['status'] };
    const organisationId = str(eventData.organisationId) ?? pathwaysOf(snapshot.data)[name]?.organisationId;
    if (organisationId) pathway.organisationId = organisationId;
    if (str(eventData.note)) pathway.note = str(eventData.note)!;
    return { data: { pathways: { ...pathwaysOf(snapshot.data), [name]: pathway } } };
  },
  changeReleaseDate: ({ eventData }) => ({ data: { releaseDate: str(eventData.releaseDate) } }),
  transferOwner: ({ snapshot, eventData }) => {
    const to = str(eventData.toOrganisationId)!;
    return {
      ownerOrganisationId: to,
      parties: snapshot.parties.map((party) => (party.part === 'prison' ? { part: 'prison', organisationId: to } : party)),
    };
  },
  recordRelease: ({ eventData }) => ({ data: { releasedAt: str(eventData.releasedAt), releaseAddress: str(eventData.releaseAddress) ?? null } }),

  // halfway-house
  /** The service fills the house's own maximum stay; 168 days (DOMAIN.md) when the house names none. */
  referred: (input) => ({ data: { referredOn: today(input), maxStayDays: num(input.snapshot.data.maxStayDays) ?? DEFAULT_MAX_STAY_DAYS } }),
  changeArrivalDate: ({ eventData }) => ({ data: { expectedArrivalDate: str(eventData.expectedArrivalDate) } }),
  arrived: ({ snapshot, eventData }) => {
    const arrivedOn = localDateOf(new Date(str(eventData.arrivedAt)!), snapshot.facts.timeZone);
    return { data: { arrivedAt: str(eventData.arrivedAt), arrivedOn, stayEndDate: addDays(arrivedOn, num(snapshot.data.maxStayDays)!) } };
  },
  extendStay: ({ snapshot, eventData }) => ({
    data: { maxStayDays: num(eventData.maxStayDays), stayEndDate: addDays(str(snapshot.data.arrivedOn)!, num(eventData.maxStayDays)!) },
  }),

  // patronage
  sent: ({ snapshot, eventData, now }) => ({
    data: { sentAt: now.toISOString(), releaseDate: localDateOf(new Date(str(eventData.releasedAt)!), snapshot.facts.timeZone) },
  }),
  resend: ({ snapshot, eventData, now }) => ({
    data: { sentAt: now.toISOString() },
    parties: snapshot.parties.map((party) => (party.part === 'ngo' ? { part: 'ngo', organisationId: str(eventData.ngoOrganisationId)! } : party)),
  }),
  acknowledge: ({ eventData, now }) => ({
    data: { acknowledgedAt: now.toISOString(), caseworker: str(eventData.caseworker), plannedFirstContact: str(eventData.plannedFirstContact) },
  }),
  firstContact: ({ snapshot, eventData }) => {
    const on = localDateOf(new Date(str(eventData.at)!), snapshot.facts.timeZone);
    return { data: { firstContactOn: on, lastContactOn: on, nextContactDue: addDays(on, 7) } };
  },
  /** Weekly for the first 12 weeks after first contact, monthly after (DOMAIN.md §5). */
  advanceContact: ({ snapshot, eventData }) => {
    const on = str(eventData.date)!;
    const weekly = daysBetween(str(snapshot.data.firstContactOn)!, on) < 84;
    return { data: { lastContactOn: on, nextContactDue: addDays(on, weekly ? 7 : 30) } };
  },
  recordFollowUp: ({ snapshot, eventData }) => ({
    data: { followUpsRecorded: [...new Set([...((snapshot.data.followUpsRecorded ?? []) as number[]), num(eventData.month)!])].sort((a, b) => a - b) },
  }),
};

export const EFFECTS: Record<string, EffectBuilder> = {
  /** Two positive or missed tests within 30 days → probation at once ("possible breach"). */
  possibleBreachAlert: ({ snapshot, eventData, next }) => {
    if (eventData.result !== 'positive' && eventData.result !== 'missed') return [];
    const date = str(eventData.date)!;
    const recent = ((next.data.adverseTests ?? []) as string[]).filter((other) => Math.abs(daysBetween(other, date)) <= 30);
    const probation = partyOf(snapshot, 'probation');
    if (recent.length < 2 || !probation) return [];
    return [{ kind: 'alert', rule: 'possible_breach', title: 'Possible breach: two positive or missed tests within 30 days', concerns: [probation] }];
  },
  /** Leaving `enrolled` frees the unit's place. */
  placeFreed: ({ snapshot }) => (snapshot.state === 'enrolled' ? [{ kind: 'place_freed', unitId: str(snapshot.data.unitId)! }] : []),
  /** HALFWAY_HOUSE_REFERRED opens a halfway-house case with arrival on the release date. */
  openHalfwayHouseCase: ({ snapshot, eventData }) => {
    const parties: Party[] = [
      { part: 'referrer', organisationId: partyOf(snapshot, 'prison')! },
      { part: 'halfway_house', organisationId: str(eventData.halfwayHouseOrganisationId)! },
    ];
    for (const part of ['ngo', 'probation'] as const) {
      const organisationId = partyOf(snapshot, part);
      if (organisationId) parties.push({ part, organisationId });
    }
    const data: Record<string, unknown> = { expectedArrivalDate: str(snapshot.data.releaseDate) };
    if (num(eventData.maxStayDays)) data.maxStayDays = num(eventData.maxStayDays);
    return [{ kind: 'open_case', protocol: 'halfway-house', parties, data }];
  },
  /** RELEASE_DATE_CHANGED moves the linked halfway-house case's arrival (and so its deadlines). */
  moveLinkedDates: ({ eventData }) => [
    {
      kind: 'signal_children',
      protocol: 'halfway-house',
      event: { type: 'ARRIVAL_DATE_CHANGED', data: { expectedArrivalDate: str(eventData.releaseDate), reason: 'Release date changed' } },
    },
  ],
  /** RELEASED opens the patronage case (the handover to the NGO). */
  openPatronageCase: (input) => openPatronage(input),
  /** RELEASED_WITHOUT_PLAN opens patronage only when an NGO is named. */
  openPatronageCaseIfNgo: (input) => (partyOf(input.snapshot, 'ngo') ? openPatronage(input) : []),
  /** RELEASED_WITHOUT_PLAN escalates to the region's coordinator at once (the admins' queue when the region has none). */
  escalateReleaseWithoutPlan: ({ snapshot }) => [
    { kind: 'alert', rule: 'released_without_plan', title: 'Released without an agreed plan', concerns: [coordinatorOrAdmins(snapshot.facts)] },
  ],
  /** A new pre-release case makes the unit's "start planning" reminder moot. */
  voidUnitPlanningReminder: () => [{ kind: 'void_participant_deadlines', protocol: 'unit-enrolment', rule: 'pre_release_planning' }],
  /** A relapse notifies the NGO and probation at once. */
  relapseAlert: ({ snapshot, eventData }) => {
    if (eventData.kind !== 'relapse') return [];
    const concerns = ['ngo', 'probation'].map((part) => partyOf(snapshot, part)).filter((id): id is string => Boolean(id));
    return concerns.length > 0 ? [{ kind: 'alert', rule: 'relapse', title: 'Relapse recorded at the halfway house', concerns }] : [];
  },
  /** An acknowledged patronage case closes the pre-release case that opened it. */
  closePreRelease: () => [{ kind: 'signal_parent', event: { type: 'PATRONAGE_ACKNOWLEDGED', data: {} } }],
};

function openPatronage({ snapshot, eventData }: RuleInput): Effect[] {
  const data: Record<string, unknown> = {
    releasedAt: str(eventData.releasedAt),
    releaseAddressPlan: str(eventData.releaseAddress) ?? 'not recorded',
    patronagePlan: pathwaysOf(snapshot.data).patronage?.note ?? 'See the pre-release plan.',
  };
  const continuity = pathwaysOf(snapshot.data).health_continuity?.note;
  if (continuity) data.continuityOfCare = continuity;
  const probation = partyOf(snapshot, 'probation');
  if (probation) data.probationOrganisationId = probation;
  return [
    {
      kind: 'open_case',
      protocol: 'patronage',
      parties: [
        { part: 'sender', organisationId: partyOf(snapshot, 'prison')! },
        { part: 'ngo', organisationId: partyOf(snapshot, 'ngo')! },
      ],
      data,
    },
  ];
}
