import type { CaseSnapshot, DecisionFacts, EngineActor, Party } from '../../protocols/model.js';
import type { OrganisationKind } from '../../src/domain.js';
import { ROLE_FOR_KIND } from '../../protocols/vocabulary.js';

/**
 * In-memory fixtures for engine tests: one organisation per part, facts under which every
 * guard can pass, and case data with every anchor the deadline rules read.
 */

export const ORG = {
  court: '10000000-0000-4000-8000-000000000001',
  probation: '10000000-0000-4000-8000-000000000002',
  provider: '10000000-0000-4000-8000-000000000003',
  ngo: '10000000-0000-4000-8000-000000000004',
  ngo2: '10000000-0000-4000-8000-000000000005',
  prison: '10000000-0000-4000-8000-000000000006',
  prison2: '10000000-0000-4000-8000-000000000007',
  house: '10000000-0000-4000-8000-000000000008',
  coordinator: '10000000-0000-4000-8000-000000000009',
  provider2: '10000000-0000-4000-8000-00000000000a',
} as const;

export const KIND_OF: Record<string, OrganisationKind> = {
  [ORG.court]: 'court',
  [ORG.probation]: 'probation',
  [ORG.provider]: 'treatment_provider',
  [ORG.ngo]: 'ngo',
  [ORG.ngo2]: 'ngo',
  [ORG.prison]: 'prison',
  [ORG.prison2]: 'prison',
  [ORG.house]: 'halfway_house',
  [ORG.coordinator]: 'coordinator',
  [ORG.provider2]: 'treatment_provider',
};

export function facts(overrides: Partial<DecisionFacts> = {}): DecisionFacts {
  return {
    timeZone: 'Asia/Almaty',
    holidays: new Set(),
    regionCoordinatorId: ORG.coordinator,
    organisations: Object.fromEntries(
      Object.entries(KIND_OF).map(([id, kind]) => [id, { kind, certified: ['ngo', 'treatment_provider', 'halfway_house'].includes(kind) ? true : null }]),
    ),
    consentedOrganisations: new Set([ORG.ngo, ORG.ngo2]),
    freeCapacity: true,
    firstInQueue: true,
    openProtocols: new Set(),
    holderDefaultStayDays: null,
    consentOnCase: true,
    country: 'KZ',
    ...overrides,
  };
}

export function staff(organisationId: string): EngineActor {
  const kind = KIND_OF[organisationId]!;
  return { kind: 'staff', organisationId, organisationKind: kind, roles: [ROLE_FOR_KIND[kind]] };
}

const PATHWAYS_DONE = Object.fromEntries(
  ['accommodation', 'identity_documents', 'health_continuity', 'employment_education', 'family', 'finance_benefits', 'patronage'].map((name) => [name, { status: 'done' }]),
);

/** Parties and case data for each protocol, as a case in its middle would have them. */
export const CASES: Record<string, { owner: string; parties: Party[]; data: Record<string, unknown> }> = {
  'court-ordered-treatment': {
    owner: ORG.court,
    parties: [
      { part: 'court', organisationId: ORG.court },
      { part: 'probation', organisationId: ORG.probation },
      { part: 'provider', organisationId: ORG.provider },
      { part: 'ngo', organisationId: ORG.ngo },
    ],
    data: {
      caseNumber: 'C-1',
      orderDate: '2026-03-01',
      programme: 'ost',
      durationDays: 180,
      reportingIntervalDays: 30,
      orderEndDate: '2026-08-28',
      intakeDate: '2026-03-05',
      nextReportDue: '2026-04-04',
    },
  },
  'unit-enrolment': {
    owner: ORG.prison,
    parties: [
      { part: 'prison', organisationId: ORG.prison },
      { part: 'ngo', organisationId: ORG.ngo },
    ],
    data: { unitId: '20000000-0000-4000-8000-000000000001', expectedReleaseDate: '2027-01-01', admittedOn: '2026-03-02', nextReviewDue: '2026-04-01' },
  },
  'pre-release': {
    owner: ORG.prison,
    parties: [
      { part: 'prison', organisationId: ORG.prison },
      { part: 'probation', organisationId: ORG.probation },
      { part: 'ngo', organisationId: ORG.ngo },
      { part: 'halfway_house', organisationId: ORG.house },
      { part: 'provider', organisationId: ORG.provider },
    ],
    data: { releaseDate: '2026-06-01', pathways: PATHWAYS_DONE },
  },
  'halfway-house': {
    owner: ORG.prison,
    parties: [
      { part: 'referrer', organisationId: ORG.prison },
      { part: 'halfway_house', organisationId: ORG.house },
      { part: 'ngo', organisationId: ORG.ngo },
      { part: 'probation', organisationId: ORG.probation },
    ],
    data: {
      expectedArrivalDate: '2026-06-01',
      maxStayDays: 168,
      referredOn: '2026-03-02',
      arrivedAt: '2026-06-01T10:00:00+05:00',
      arrivedOn: '2026-06-01',
      stayEndDate: '2026-11-16',
    },
  },
  patronage: {
    owner: ORG.prison,
    parties: [
      { part: 'sender', organisationId: ORG.prison },
      { part: 'ngo', organisationId: ORG.ngo },
      { part: 'coordinator', organisationId: ORG.coordinator },
    ],
    data: {
      releasedAt: '2026-03-02T10:00:00+05:00',
      releaseDate: '2026-03-02',
      releaseAddressPlan: 'Shelter',
      patronagePlan: 'Weekly',
      sentAt: '2026-03-02T06:00:00.000Z',
      probationOrganisationId: ORG.probation,
      firstContactOn: '2026-03-03',
      nextContactDue: '2026-03-10',
      withdrawnOn: '2026-03-02',
    },
  },
  'rehabilitation-certificate': {
    owner: ORG.coordinator,
    parties: [
      { part: 'centre', organisationId: ORG.provider },
      { part: 'coordinator', organisationId: ORG.coordinator },
      { part: 'ngo', organisationId: ORG.ngo },
      { part: 'referrer', organisationId: ORG.court },
    ],
    data: {
      source: 'court',
      referredOn: '2026-02-01',
      certifiedOn: '2026-02-20',
      validUntil: '2026-12-31',
      certificate: { number: 'RC-1', value: 100000, currency: 'KZT', validUntil: '2026-12-31', issuedOn: '2026-02-20', approved: 0, pending: 0, remaining: 100000 },
      claims: [],
      oldestPendingClaimOn: null,
      contractSignedOn: '2026-02-25',
      admittedOn: '2026-02-01',
    },
  },
};

/** A pending claim of the rehabilitation-certificate fixture, with the figures it implies. */
export const PENDING_CLAIM = {
  id: '30000000-0000-4000-8000-000000000001',
  centreOrganisationId: ORG.provider,
  periodFrom: '2026-02-01',
  periodTo: '2026-02-28',
  amount: 40000,
  status: 'pending',
  claimedAt: '2026-03-01T06:00:00.000Z',
  claimedOn: '2026-03-01',
};
export const WITH_PENDING_CLAIM = {
  claims: [PENDING_CLAIM],
  certificate: { number: 'RC-1', value: 100000, currency: 'KZT', validUntil: '2026-12-31', issuedOn: '2026-02-20', approved: 0, pending: 40000, remaining: 60000 },
  oldestPendingClaimOn: '2026-03-01',
};

export function snapshotFor(
  protocol: string,
  state: string,
  overrides: { previousState?: string | null; data?: Record<string, unknown>; facts?: Partial<DecisionFacts> } = {},
): CaseSnapshot {
  const base = CASES[protocol]!;
  return {
    state,
    previousState: overrides.previousState ?? null,
    data: { ...base.data, ...overrides.data },
    parties: base.parties,
    ownerOrganisationId: base.owner,
    facts: facts(overrides.facts),
  };
}

/** Valid data for every event, by protocol. */
export const SAMPLE_DATA: Record<string, Record<string, Record<string, unknown>>> = {
  'court-ordered-treatment': {
    INTAKE_RECORDED: { assessmentDate: '2026-03-05', rehabilitationPlan: 'Plan', consentToTreatment: true },
    ATTENDANCE_RECORDED: { date: '2026-03-06', attended: true, kind: 'individual' },
    DRUG_TEST_RECORDED: { date: '2026-03-06', result: 'negative' },
    PROGRESS_REPORT_SUBMITTED: { date: '2026-04-01', summary: 'Fine' },
    BREACH_REPORTED: { reason: 'Missed sessions' },
    PERSON_REFUSED: { reason: 'Refuses' },
    BREACH_RULED: { outcome: 'continue' },
    TREATMENT_COMPLETED: { date: '2026-08-01' },
    ORDER_DISCHARGED: { date: '2026-08-10' },
    PARTY_ASSIGNED: { part: 'ngo', organisationId: ORG.ngo2 },
  },
  'unit-enrolment': {
    SCREENED: { date: '2026-03-02', outcome: 'suitable' },
    ADMITTED: { date: '2026-03-02', consentToTreatment: true, unitAgreementSigned: true },
    PHASE_CHANGED: { date: '2026-03-10', phase: 'main' },
    DRUG_TEST_RECORDED: { date: '2026-03-10', result: 'negative' },
    GROUP_SESSION_RECORDED: { date: '2026-03-10', kind: 'twelve_step', attended: true },
    REVIEW_RECORDED: { date: '2026-04-01', summary: 'Progressing' },
    COMPLETED: { date: '2026-09-01' },
    WITHDREW: { date: '2026-04-01' },
    EXPELLED: { date: '2026-04-01', reason: 'Violence' },
    TRANSFERRED: { date: '2026-04-01' },
    RELEASED: { date: '2026-04-01' },
    PARTY_ASSIGNED: { part: 'ngo', organisationId: ORG.ngo2 },
  },
  'pre-release': {
    PATHWAY_UPDATED: { pathway: 'family', status: 'in_progress' },
    HALFWAY_HOUSE_REFERRED: { halfwayHouseOrganisationId: ORG.house },
    RELEASE_DATE_CHANGED: { releaseDate: '2026-06-15' },
    OWNER_TRANSFERRED: { toOrganisationId: ORG.prison2 },
    PLAN_AGREED: {},
    PLAN_REOPENED: { reason: 'New information' },
    RELEASED: { releasedAt: '2026-06-01T09:00:00+05:00', releaseAddress: 'Pavlodar' },
    RELEASED_WITHOUT_PLAN: { releasedAt: '2026-06-01T09:00:00+05:00', reason: 'Early' },
    CANCELLED: { reason: 'Sentence extended' },
    PATRONAGE_ACKNOWLEDGED: {},
    PATRONAGE_ENDED: {},
    PARTY_ASSIGNED: { part: 'ngo', organisationId: ORG.ngo2 },
  },
  'halfway-house': {
    ACCEPTED: {},
    DECLINED: { reason: 'Full' },
    WITHDRAWN: { reason: 'Other plan' },
    ARRIVAL_DATE_CHANGED: { expectedArrivalDate: '2026-06-10' },
    ARRIVED: { arrivedAt: '2026-06-01T10:00:00+05:00' },
    NOT_ARRIVED: {},
    INCIDENT_RECORDED: { date: '2026-06-20', kind: 'relapse' },
    STAY_EXTENDED: { maxStayDays: 200, reason: 'Job search' },
    DEPARTED: { date: '2026-10-01', reason: 'moved_on_stable_housing' },
    PARTY_ASSIGNED: { part: 'probation', organisationId: ORG.probation },
  },
  patronage: {
    ACKNOWLEDGED: { caseworker: 'A', plannedFirstContact: '2026-03-03' },
    DECLINED: { reason: 'No capacity' },
    RESENT: { ngoOrganisationId: ORG.ngo2 },
    CLOSED: { reason: 'The person moved abroad' },
    FIRST_CONTACT_MADE: { at: '2026-03-03T10:00:00+05:00', how: 'in_person' },
    CONTACT_RECORDED: { date: '2026-03-10', kind: 'phone', outcome: 'Fine' },
    FOLLOW_UP_RECORDED: { month: 3, housing: 'stable', work: 'employed', substanceUse: 'abstinent', reoffending: false },
    COMPLETED: {},
    LOST_CONTACT: {},
    RETURNED_TO_CUSTODY: { date: '2026-05-01' },
    WITHDRAWN: { reason: 'Declines' },
    MOTIVATIONAL_CONTACT_RECORDED: { date: '2026-03-20', outcome: 'Talked about coming back' },
    RE_ENGAGED: { date: '2026-04-01' },
    WITHDRAWAL_EXPIRED: {},
    PARTY_ASSIGNED: { part: 'ngo', organisationId: ORG.ngo2 },
  },
  'rehabilitation-certificate': {
    DIAGNOSIS_RECORDED: { date: '2026-02-05', summary: 'Opioid dependence, motivated' },
    PROGRAMME_PREPARED: { goals: 'Abstinence, housing', stages: ['detox', 'rehabilitation', 'resocialisation'], plannedDays: 180 },
    CERTIFICATE_ISSUED: { number: 'RC-1', value: 100000, validUntil: '2026-12-31' },
    CENTRE_CHOSEN: { centreOrganisationId: ORG.provider2, choice: 'person' },
    CONTRACT_SIGNED: { signedOn: '2026-02-25', parties: { ngo: true, family: false } },
    ADMITTED: { date: '2026-03-01' },
    STAGE_COMPLETED: { stage: 'detox', date: '2026-03-20' },
    SERVICE_CLAIMED: { periodFrom: '2026-03-01', periodTo: '2026-03-01', amount: 30000 },
    CLAIM_DECIDED: { claimId: PENDING_CLAIM.id, decision: 'approved' },
    CENTRE_CHANGED: { centreOrganisationId: ORG.provider2, reason: 'The person moved' },
    COMPLETED: { date: '2026-09-01' },
    DROPPED_OUT: { date: '2026-04-01', reason: 'Left the centre' },
    CERTIFICATE_EXPIRED: {},
    PARTY_ASSIGNED: { part: 'ngo', organisationId: ORG.ngo2 },
  },
};

/** The organisation that fills a part in the fixtures. */
export function organisationOfPart(protocol: string, part: string): string | undefined {
  return CASES[protocol]!.parties.find((party) => party.part === part)?.organisationId;
}
