import type { FactName, Party } from './model.js';
import { need, num, pathwaysOf, PATHWAYS, str, type Pathway, type PathwayName, type RuleInput } from './registry.js';
import { addDays, daysBetween, localDateOf } from './time.js';
import { DEFAULT_MAX_STAY_DAYS, SERVICE_TEXTS } from './vocabulary.js';
import { certificateOf, claimsOf, COUNTRY_CURRENCY, moneyData, withSummary, type Claim } from './money.js';

/** The named updates of a case's data, parties or owner that the protocol data's `assign` lists. Pure. */

type Data = Record<string, unknown>;

/** A snapshot change: data fields to set, and optionally new parties or a new owner. */
export type Assignment = (input: RuleInput & { target: string }) => { data?: Data; parties?: Party[]; ownerOrganisationId?: string };

/** The parties with `part` filled by the organisation (replacing any before it), in part order. */
const withParty = (parties: readonly Party[], part: string, organisationId: string): Party[] =>
  [...parties.filter((party) => party.part !== part), { part, organisationId }].sort((a, b) => a.part.localeCompare(b.part));

const today = (input: RuleInput) => localDateOf(input.now, input.snapshot.facts.timeZone);

/** Court-ordered reports fall due at intake + k × interval, never after the order's end (docs/DOMAIN.md, "Court-ordered reports"). */
const reportingInterval = (data: Data) => num(data.reportingIntervalDays) ?? 30;
const reportDue = (data: Data, k: number): string | null => {
  const due = addDays(str(data.intakeDate)!, k * reportingInterval(data));
  const end = str(data.orderEndDate);
  return end && due > end ? null : due;
};

export const ASSIGNMENTS = {
  /** PARTY_ASSIGNED: the part is filled by the named organisation (replacing any before it). */
  assignParty: ({ snapshot, eventData }) => ({
    parties: withParty(snapshot.parties, str(eventData.part)!, str(eventData.organisationId)!),
  }),

  // court-ordered-treatment
  orderEnd: ({ eventData }) => ({ data: { orderEndDate: addDays(str(eventData.orderDate)!, num(eventData.durationDays)!) } }),
  startReporting: ({ snapshot, eventData }) => {
    const intake = str(eventData.assessmentDate)!;
    return { data: { intakeDate: intake, nextReportDue: reportDue({ ...snapshot.data, intakeDate: intake }, 1) } };
  },
  /**
   * A report settles the period it falls in (dated no later than today), not later ones: the next report is
   * due at the end of the period after it, unless that is already due or comes after the order's end.
   * A report before intake (a refusal under review) moves nothing.
   */
  advanceReportDue: (input) => {
    const { data } = input.snapshot;
    const intake = str(data.intakeDate);
    const current = str(data.nextReportDue);
    if (!intake || !current) return {};
    const date = [str(input.eventData.date)!, today(input)].sort()[0]!;
    const days = daysBetween(intake, date);
    if (days < 0) return {};
    const next = reportDue(data, Math.max(1, Math.ceil(days / reportingInterval(data))) + 1);
    return next === null || next > current ? { data: { nextReportDue: next } } : {};
  },
  /** An order revoked or discharged has no report due any more. */
  endReporting: ({ target }) => (target === 'revoked' || target === 'discharged' ? { data: { nextReportDue: null } } : {}),
  /** A breach or a refusal goes to the court for a ruling: the ruling's deadlines run from today. */
  openBreachReview: (input) => ({ data: { breachReportedOn: today(input) } }),
  /** A completion goes to the court for discharge: the discharge's deadlines run from today. */
  openCompletionReview: (input) => ({ data: { completionReportedOn: today(input) } }),
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
    // A status change without a note keeps the note written before (the NGO's patronage plan travels in it).
    const note = str(eventData.note) ?? pathwaysOf(snapshot.data)[name]?.note;
    if (note) pathway.note = note;
    return { data: { pathways: { ...pathwaysOf(snapshot.data), [name]: pathway } } };
  },
  /** HALFWAY_HOUSE_REFERRED: the plan's halfway-house part is the house referred to (replacing an earlier one). */
  referHouse: ({ snapshot, eventData }) => ({
    parties: withParty(snapshot.parties, 'halfway_house', str(eventData.halfwayHouseOrganisationId)!),
  }),
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
  /** The stay is the one asked for, else the house's own maximum, else 168 days (DOMAIN.md §4). */
  referred: (input) => ({
    data: {
      referredOn: today(input),
      maxStayDays: num(input.snapshot.data.maxStayDays) ?? need(input.snapshot.facts, 'holderDefaultStayDays') ?? DEFAULT_MAX_STAY_DAYS,
    },
  }),
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
  /** The NGO declined: the sender's "resend or close" deadline runs from today. */
  declined: (input) => ({ data: { declinedOn: today(input) } }),
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
  /** Weekly for the first 12 weeks after first contact (or after a re-engagement), monthly after (DOMAIN.md §5). */
  advanceContact: ({ snapshot, eventData }) => {
    const on = str(eventData.date)!;
    const weekly = daysBetween(str(snapshot.data.reEngagedOn) ?? str(snapshot.data.firstContactOn)!, on) < 84;
    return { data: { lastContactOn: on, nextContactDue: addDays(on, weekly ? 7 : 30) } };
  },
  /** The person declined: the motivational reminders and the window that closes the case run from today. */
  withdraw: (input) => ({ data: { withdrawnOn: today(input) } }),
  /** Back from a refusal: the re-engagement is a contact, and contacts are weekly again for 12 weeks. */
  reEngage: ({ eventData }) => {
    const on = str(eventData.date)!;
    return { data: { reEngagedOn: on, lastContactOn: on, nextContactDue: addDays(on, 7) } };
  },
  recordFollowUp: ({ snapshot, eventData }) => ({
    data: { followUpsRecorded: [...new Set([...((snapshot.data.followUpsRecorded ?? []) as number[]), num(eventData.month)!])].sort((a, b) => a - b) },
  }),

  // rehabilitation-certificate: the money is folded into the case data with each event (protocols/money.ts)
  recordDiagnosis: ({ eventData }) => ({ data: { diagnosis: { date: str(eventData.date), summary: str(eventData.summary) } } }),
  recordProgramme: ({ eventData }) => ({ data: { programme: { goals: eventData.goals, stages: eventData.stages, plannedDays: eventData.plannedDays } } }),
  issueCertificate: (input) => {
    const { eventData, snapshot } = input;
    const certificate = {
      number: str(eventData.number)!,
      value: num(eventData.value)!,
      currency: str(eventData.currency) ?? COUNTRY_CURRENCY[snapshot.facts.country ?? ''] ?? 'KZT',
      validUntil: str(eventData.validUntil)!,
      issuedOn: today(input),
    };
    return { data: { certificate: withSummary(certificate, []), claims: [], certifiedOn: today(input), validUntil: certificate.validUntil, oldestPendingClaimOn: null } };
  },
  /** CENTRE_CHOSEN and CENTRE_CHANGED: the centre part is the person's choice; the balance stays with the person. */
  chooseCentre: (input) => {
    const { snapshot, eventData } = input;
    const choice = { centreOrganisationId: str(eventData.centreOrganisationId), on: today(input), choice: 'person', ...(eventData.reason ? { reason: eventData.reason } : {}) };
    return {
      data: { centreChoices: [...((snapshot.data.centreChoices ?? []) as unknown[]), choice], contractSignedOn: null },
      parties: withParty(snapshot.parties, 'centre', str(eventData.centreOrganisationId)!),
    };
  },
  signContract: ({ eventData }) => ({ data: { contract: { signedOn: eventData.signedOn, parties: eventData.parties }, contractSignedOn: str(eventData.signedOn) } }),
  admitToCentre: ({ eventData }) => ({ data: { admittedOn: str(eventData.date) } }),
  recordClaim: (input) => {
    const { snapshot, eventData, eventId, now } = input;
    if (!eventId) throw new Error('a claim needs the id of its event');
    const claim: Claim = {
      id: eventId,
      centreOrganisationId: snapshot.parties.find((party) => party.part === 'centre')?.organisationId ?? null,
      periodFrom: str(eventData.periodFrom)!,
      periodTo: str(eventData.periodTo)!,
      amount: num(eventData.amount)!,
      status: 'pending',
      claimedAt: now.toISOString(),
      claimedOn: today(input),
    };
    return { data: moneyData(snapshot.data, [...claimsOf(snapshot.data), claim]) };
  },
  decideClaim: ({ snapshot, eventData, now }) => {
    const claims = claimsOf(snapshot.data).map((claim) =>
      claim.id === str(eventData.claimId)
        ? { ...claim, status: eventData.decision as Claim['status'], decidedAt: now.toISOString(), ...(str(eventData.reason) ? { reason: str(eventData.reason) } : {}) }
        : claim,
    );
    return { data: moneyData(snapshot.data, claims) };
  },
  /** At the certificate's end, claims still pending lapse: recorded as rejected, with the reason (docs/DOMAIN.md §6). */
  lapseClaims: ({ snapshot, now }) => {
    if (!certificateOf(snapshot.data)) return {};
    const claims = claimsOf(snapshot.data).map((claim) =>
      claim.status === 'pending' ? { ...claim, status: 'rejected' as const, decidedAt: now.toISOString(), reason: SERVICE_TEXTS.certificateExpired } : claim,
    );
    return { data: moneyData(snapshot.data, claims) };
  },
} as const satisfies Record<string, Assignment>;
export type AssignmentName = keyof typeof ASSIGNMENTS;

/** Facts an assignment reads (checked against the data like guards' and conditions'). */
export const ASSIGNMENT_NEEDS: Partial<Record<AssignmentName, readonly FactName[]>> = { referred: ['holderDefaultStayDays'] };
