import { describe, expect, it } from 'vitest';
import { CASES, KIND_OF, ORG, SAMPLE_DATA, WITH_PENDING_CLAIM, facts, organisationOfPart, snapshotFor, staff } from '../tests/helpers/engine-fixtures.js';
import { decide, transitionsIn } from './engine.js';
import { PROTOCOLS } from './index.js';
import type { EngineActor } from './model.js';

/**
 * Table-driven tests of `decide`, written from DOMAIN.md's tables rather than from the
 * definitions: every event of every protocol, by each part that may send it, from each
 * state it is allowed in, to the state DOMAIN.md names. Refusals are derived from the same
 * rows: every other part, every other state, and bad data are refused.
 */

type Row = { protocol: string; from: string; event: string; by: string[]; to: string; previousState?: string; data?: Record<string, unknown>; caseData?: Record<string, unknown> };
const OBS = 'observation';

const nonFinal = (protocol: string) =>
  Object.entries(PROTOCOLS[protocol]!.states)
    .filter(([, state]) => !state.final)
    .map(([name]) => name);
const partyAssigned = (protocol: string, owner: string): Row[] => nonFinal(protocol).map((from) => ({ protocol, from, event: 'PARTY_ASSIGNED', by: [owner], to: OBS }));

const TABLE: Row[] = [
  // §1 court-ordered-treatment
  ...[
    { from: 'ordered', event: 'INTAKE_RECORDED', by: ['provider'], to: 'in_treatment' },
    { from: 'in_treatment', event: 'ATTENDANCE_RECORDED', by: ['provider'], to: OBS },
    { from: 'in_treatment', event: 'DRUG_TEST_RECORDED', by: ['provider', 'probation'], to: OBS },
    { from: 'in_treatment', event: 'PROGRESS_REPORT_SUBMITTED', by: ['probation'], to: OBS },
    { from: 'breach_review', event: 'PROGRESS_REPORT_SUBMITTED', by: ['probation'], to: OBS },
    { from: 'in_treatment', event: 'BREACH_REPORTED', by: ['probation'], to: 'breach_review' },
    { from: 'ordered', event: 'PERSON_REFUSED', by: ['provider', 'probation'], to: 'breach_review' },
    { from: 'in_treatment', event: 'PERSON_REFUSED', by: ['provider', 'probation'], to: 'breach_review' },
    { from: 'breach_review', event: 'BREACH_RULED', by: ['court'], to: 'in_treatment', previousState: 'in_treatment' },
    { from: 'breach_review', event: 'BREACH_RULED', by: ['court'], to: 'ordered', previousState: 'ordered' },
    { from: 'breach_review', event: 'BREACH_RULED', by: ['court'], to: 'revoked', data: { outcome: 'revoke' } },
    { from: 'in_treatment', event: 'TREATMENT_COMPLETED', by: ['provider'], to: 'completion_review' },
    { from: 'completion_review', event: 'ORDER_DISCHARGED', by: ['court'], to: 'discharged' },
  ].map((row) => ({ protocol: 'court-ordered-treatment', ...row })),
  ...partyAssigned('court-ordered-treatment', 'court'),

  // §2 unit-enrolment
  ...[
    { from: 'applied', event: 'SCREENED', by: ['prison'], to: 'screened' },
    { from: 'applied', event: 'SCREENED', by: ['prison'], to: 'not_admitted', data: { date: '2026-03-02', outcome: 'unsuitable', reason: 'Not motivated' } },
    { from: 'applied', event: 'RELEASED', by: ['system'], to: 'released' },
    { from: 'screened', event: 'ADMITTED', by: ['prison'], to: 'enrolled' },
    { from: 'waitlisted', event: 'ADMITTED', by: ['prison'], to: 'enrolled' },
    { from: 'enrolled', event: 'PHASE_CHANGED', by: ['prison'], to: OBS },
    { from: 'enrolled', event: 'DRUG_TEST_RECORDED', by: ['prison'], to: OBS },
    { from: 'enrolled', event: 'GROUP_SESSION_RECORDED', by: ['prison', 'ngo'], to: OBS },
    { from: 'enrolled', event: 'REVIEW_RECORDED', by: ['prison'], to: OBS },
    { from: 'enrolled', event: 'COMPLETED', by: ['prison'], to: 'completed' },
    ...['enrolled', 'screened', 'waitlisted'].flatMap((from) => [
      { from, event: 'WITHDREW', by: ['prison'], to: 'withdrew' },
      { from, event: 'EXPELLED', by: ['prison'], to: 'expelled' },
      { from, event: 'TRANSFERRED', by: ['prison'], to: 'transferred' },
      { from, event: 'RELEASED', by: ['prison'], to: 'released' },
    ]),
  ].map((row) => ({ protocol: 'unit-enrolment', ...row })),
  ...partyAssigned('unit-enrolment', 'prison'),

  // §3 pre-release
  ...[
    { from: 'planning', event: 'PATHWAY_UPDATED', by: ['prison', 'probation', 'ngo', 'halfway_house', 'provider'], to: OBS },
    ...['planning', 'plan_agreed'].flatMap((from) => [
      { from, event: 'HALFWAY_HOUSE_REFERRED', by: ['prison'], to: OBS },
      { from, event: 'RELEASE_DATE_CHANGED', by: ['prison'], to: OBS },
      { from, event: 'OWNER_TRANSFERRED', by: ['prison'], to: OBS },
      { from, event: 'CANCELLED', by: ['prison'], to: 'cancelled' },
    ]),
    { from: 'planning', event: 'PLAN_AGREED', by: ['prison'], to: 'plan_agreed' },
    { from: 'plan_agreed', event: 'PLAN_REOPENED', by: ['prison'], to: 'planning' },
    { from: 'plan_agreed', event: 'RELEASED', by: ['prison'], to: 'released' },
    { from: 'planning', event: 'RELEASED_WITHOUT_PLAN', by: ['prison'], to: 'released' },
    { from: 'released', event: 'PATRONAGE_ACKNOWLEDGED', by: ['system'], to: 'closed' },
    { from: 'released', event: 'PATRONAGE_ENDED', by: ['system'], to: 'closed' },
  ].map((row) => ({ protocol: 'pre-release', ...row })),
  ...partyAssigned('pre-release', 'prison'),

  // §4 halfway-house
  ...[
    { from: 'referred', event: 'ACCEPTED', by: ['halfway_house'], to: 'accepted' },
    { from: 'referred', event: 'DECLINED', by: ['halfway_house'], to: 'declined' },
    { from: 'referred', event: 'WITHDRAWN', by: ['referrer'], to: 'withdrawn' },
    { from: 'accepted', event: 'WITHDRAWN', by: ['referrer'], to: 'withdrawn' },
    { from: 'referred', event: 'ARRIVAL_DATE_CHANGED', by: ['referrer', 'system'], to: OBS },
    { from: 'accepted', event: 'ARRIVAL_DATE_CHANGED', by: ['referrer', 'system'], to: OBS },
    { from: 'accepted', event: 'ARRIVED', by: ['halfway_house'], to: 'resident' },
    { from: 'accepted', event: 'NOT_ARRIVED', by: ['halfway_house'], to: 'not_arrived' },
    { from: 'resident', event: 'INCIDENT_RECORDED', by: ['halfway_house'], to: OBS },
    { from: 'resident', event: 'STAY_EXTENDED', by: ['halfway_house'], to: OBS },
    { from: 'resident', event: 'DEPARTED', by: ['halfway_house'], to: 'departed' },
  ].map((row) => ({ protocol: 'halfway-house', ...row })),
  ...partyAssigned('halfway-house', 'referrer'),

  // §5 patronage
  ...[
    { from: 'sent', event: 'ACKNOWLEDGED', by: ['ngo'], to: 'acknowledged' },
    { from: 'sent', event: 'DECLINED', by: ['ngo'], to: 'declined' },
    { from: 'declined', event: 'RESENT', by: ['sender'], to: 'sent' },
    { from: 'declined', event: 'CLOSED', by: ['sender'], to: 'closed' },
    { from: 'acknowledged', event: 'FIRST_CONTACT_MADE', by: ['ngo'], to: 'active' },
    { from: 'active', event: 'CONTACT_RECORDED', by: ['ngo'], to: OBS },
    // The month-3 follow-up opens 14 days before 3 months after release.
    { from: 'active', event: 'FOLLOW_UP_RECORDED', by: ['ngo'], to: OBS, caseData: { releaseDate: '2025-12-16' } },
    { from: 'active', event: 'COMPLETED', by: ['ngo'], to: 'completed' },
    ...['acknowledged', 'active'].flatMap((from) => [
      { from, event: 'LOST_CONTACT', by: ['ngo'], to: 'lost_contact' },
      { from, event: 'RETURNED_TO_CUSTODY', by: ['ngo', 'sender'], to: 'returned_to_custody' },
      { from, event: 'WITHDRAWN', by: ['ngo'], to: 'withdrawn' },
    ]),
    // docs/DOMAIN.md, "Motivation after a refusal".
    { from: 'withdrawn', event: 'MOTIVATIONAL_CONTACT_RECORDED', by: ['ngo'], to: OBS },
    { from: 'withdrawn', event: 'RE_ENGAGED', by: ['ngo'], to: 'active' },
    { from: 'withdrawn', event: 'WITHDRAWAL_EXPIRED', by: ['system'], to: 'closed_after_refusal' },
  ].map((row) => ({ protocol: 'patronage', ...row })),
  ...partyAssigned('patronage', 'sender'),

  // §6 rehabilitation-certificate
  ...[
    { from: 'referred', event: 'DIAGNOSIS_RECORDED', by: ['coordinator'], to: 'assessed' },
    { from: 'assessed', event: 'PROGRAMME_PREPARED', by: ['coordinator'], to: 'programme_ready' },
    { from: 'programme_ready', event: 'CERTIFICATE_ISSUED', by: ['coordinator'], to: 'certified' },
    { from: 'certified', event: 'CENTRE_CHOSEN', by: ['coordinator'], to: 'centre_chosen' },
    { from: 'centre_chosen', event: 'CONTRACT_SIGNED', by: ['coordinator'], to: 'contracted' },
    { from: 'contracted', event: 'ADMITTED', by: ['centre'], to: 'in_rehabilitation' },
    { from: 'in_rehabilitation', event: 'STAGE_COMPLETED', by: ['centre'], to: OBS },
    { from: 'in_rehabilitation', event: 'SERVICE_CLAIMED', by: ['centre'], to: OBS },
    { from: 'in_rehabilitation', event: 'CENTRE_CHANGED', by: ['coordinator'], to: 'centre_chosen' },
    { from: 'in_rehabilitation', event: 'COMPLETED', by: ['centre'], to: 'completed' },
    ...['contracted', 'in_rehabilitation'].map((from) => ({ from, event: 'DROPPED_OUT', by: ['centre', 'coordinator'], to: 'dropped_out' })),
    ...['certified', 'centre_chosen', 'contracted', 'in_rehabilitation'].flatMap((from) => [
      { from, event: 'CLAIM_DECIDED', by: ['coordinator'], to: OBS, caseData: WITH_PENDING_CLAIM },
      { from, event: 'CERTIFICATE_EXPIRED', by: ['system'], to: 'expired' },
    ]),
  ].map((row) => ({ protocol: 'rehabilitation-certificate', ...row })),
  ...partyAssigned('rehabilitation-certificate', 'coordinator'),
];

const NOW = new Date('2026-03-02T06:00:00Z');
/** The id the service gives an event before deciding it (a claim is named by its event's id). */
const EVENT_ID = '40000000-0000-4000-8000-000000000001';

function actorFor(protocol: string, part: string): EngineActor {
  if (part === 'system') return { kind: 'system' };
  return staff(organisationOfPart(protocol, part)!);
}

describe('decide: every event of every protocol, as DOMAIN.md tables it', () => {
  it('the table covers every (state, event) pair of every definition, and nothing else', () => {
    const defined = Object.values(PROTOCOLS).flatMap((definition) =>
      Object.keys(definition.states).flatMap((state) => Object.keys(transitionsIn(definition, state)).map((event) => `${definition.id} ${state} ${event}`)),
    );
    const tabled = new Set(TABLE.map((row) => `${row.protocol} ${row.from} ${row.event}`));
    expect([...new Set(defined)].sort()).toEqual([...tabled].sort());
  });

  for (const row of TABLE) {
    const data = row.data ?? SAMPLE_DATA[row.protocol]![row.event]!;
    for (const part of row.by) {
      it(`${row.protocol}: ${row.from} --${row.event} by ${part}--> ${row.to}`, () => {
        const snapshot = snapshotFor(row.protocol, row.from, { previousState: row.previousState ?? null, ...(row.caseData ? { data: row.caseData } : {}) });
        const decision = decide(PROTOCOLS[row.protocol]!, snapshot, { type: row.event, data, id: EVENT_ID }, actorFor(row.protocol, part), NOW);
        expect(decision.ok ? decision : decision.reason).toMatchObject({ ok: true, part, from: row.from, to: row.to === OBS ? row.from : row.to, observation: row.to === OBS });
      });
    }

    it(`${row.protocol}: ${row.event} in ${row.from} is refused for every other part`, () => {
      const definition = PROTOCOLS[row.protocol]!;
      // In the fixtures each part is filled by a different organisation.
      const others = CASES[row.protocol]!.parties.filter((party) => !row.by.includes(party.part));
      for (const party of others) {
        const decision = decide(definition, snapshotFor(row.protocol, row.from), { type: row.event, data }, staff(party.organisationId), NOW);
        expect(decision, party.part).toMatchObject({ ok: false, code: 'EVENT_NOT_ALLOWED' });
      }
      // A stranger to the case, and a person at a party organisation without its operational role, are refused too.
      expect(decide(definition, snapshotFor(row.protocol, row.from), { type: row.event, data }, staff(ORG.prison2), NOW)).toMatchObject({ ok: false, code: 'EVENT_NOT_ALLOWED' });
      if (!row.by.includes('system')) {
        const organisationId = organisationOfPart(row.protocol, row.by[0]!)!;
        const auditor: EngineActor = { kind: 'staff', organisationId, organisationKind: KIND_OF[organisationId]!, roles: ['auditor'] };
        expect(decide(definition, snapshotFor(row.protocol, row.from), { type: row.event, data }, auditor, NOW)).toMatchObject({ ok: false, code: 'EVENT_NOT_ALLOWED' });
      }
    });

    it(`${row.protocol}: ${row.event} with missing or bad data is refused`, () => {
      const definition = PROTOCOLS[row.protocol]!;
      const decision = decide(definition, snapshotFor(row.protocol, row.from), { type: row.event, data: { ...data, unexpectedField: 1 } }, actorFor(row.protocol, row.by[0]!), NOW);
      expect(decision).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', errors: expect.arrayContaining([{ path: 'data.unexpectedField', message: 'Unknown field.' }]) });
      if (Object.keys(data).length > 0) {
        const empty = decide(definition, snapshotFor(row.protocol, row.from), { type: row.event, data: {} }, actorFor(row.protocol, row.by[0]!), NOW);
        expect(empty).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      }
    });
  }

  it('every event is refused in every state that does not list it', () => {
    for (const definition of Object.values(PROTOCOLS)) {
      const events = new Set(TABLE.filter((row) => row.protocol === definition.id).map((row) => row.event));
      for (const state of Object.keys(definition.states)) {
        for (const event of events) {
          if (TABLE.some((row) => row.protocol === definition.id && row.from === state && row.event === event)) continue;
          const row = TABLE.find((candidate) => candidate.protocol === definition.id && candidate.event === event)!;
          const decision = decide(
            definition,
            snapshotFor(definition.id, state),
            { type: event, data: SAMPLE_DATA[definition.id]![event] },
            actorFor(definition.id, row.by[0]!),
            NOW,
          );
          expect(decision, `${definition.id} ${state} ${event}`).toMatchObject({ ok: false, code: 'EVENT_NOT_ALLOWED' });
        }
      }
    }
  });
});

describe('decide: guards and choices', () => {
  const pre = PROTOCOLS['pre-release']!;
  const prison = staff(ORG.prison);

  it('PLAN_AGREED needs every pathway settled, then an NGO with consent', () => {
    const open = snapshotFor('pre-release', 'planning', { data: { pathways: { ...(CASES['pre-release']!.data.pathways as object), family: { status: 'in_progress' } } } });
    expect(decide(pre, open, { type: 'PLAN_AGREED', data: {} }, prison, NOW)).toMatchObject({ ok: false, guard: 'allPathwaysSettled', reason: expect.stringContaining('family') });
    const noConsent = snapshotFor('pre-release', 'planning', { facts: { consentedOrganisations: new Set() } });
    expect(decide(pre, noConsent, { type: 'PLAN_AGREED', data: {} }, prison, NOW)).toMatchObject({ ok: false, guard: 'ngoPartWithConsent' });
  });

  it('PARTY_ASSIGNED checks the part, the kind, certification and consent', () => {
    const base = snapshotFor('pre-release', 'planning');
    const assign = (data: Record<string, unknown>, snapshot = base) => decide(pre, snapshot, { type: 'PARTY_ASSIGNED', data }, prison, NOW);
    expect(assign({ part: 'warden', organisationId: ORG.prison2 })).toMatchObject({ ok: false, guard: 'partyAssignable' });
    expect(assign({ part: 'ngo', organisationId: ORG.court })).toMatchObject({ ok: false, reason: expect.stringContaining('court cannot fill the ngo part') });
    expect(assign({ part: 'ngo', organisationId: ORG.ngo2 }, snapshotFor('pre-release', 'planning', { facts: { consentedOrganisations: new Set([ORG.ngo]) } }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('consent'),
    });
    const uncertified = facts().organisations;
    expect(
      assign(
        { part: 'provider', organisationId: ORG.provider },
        snapshotFor('pre-release', 'planning', { facts: { organisations: { ...uncertified, [ORG.provider]: { kind: 'treatment_provider', certified: false } } } }),
      ),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('certification') });
    const accepted = assign({ part: 'ngo', organisationId: ORG.ngo2 });
    expect(accepted.ok && accepted.next.parties).toContainEqual({ part: 'ngo', organisationId: ORG.ngo2 });
  });

  it('ADMITTED waitlists when the unit is full; ACCEPTED without a bed is CAPACITY_FULL', () => {
    const full = snapshotFor('unit-enrolment', 'screened', { facts: { freeCapacity: false } });
    expect(decide(PROTOCOLS['unit-enrolment']!, full, { type: 'ADMITTED', data: SAMPLE_DATA['unit-enrolment']!.ADMITTED }, prison, NOW)).toMatchObject({
      ok: true,
      to: 'waitlisted',
    });
    const noBed = snapshotFor('halfway-house', 'referred', { facts: { freeCapacity: false } });
    expect(decide(PROTOCOLS['halfway-house']!, noBed, { type: 'ACCEPTED', data: {} }, staff(ORG.house), NOW)).toMatchObject({
      ok: false,
      code: 'CAPACITY_FULL',
      guard: 'bedFreeOnArrival',
    });
  });

  it('ADMITTED with a free place: the longest waiter goes first, anyone else needs a reason', () => {
    const unit = PROTOCOLS['unit-enrolment']!;
    const admit = (facts: Partial<ReturnType<typeof snapshotFor>['facts']>, data: Record<string, unknown> = {}) =>
      decide(unit, snapshotFor('unit-enrolment', 'waitlisted', { facts }), { type: 'ADMITTED', data: { ...SAMPLE_DATA['unit-enrolment']!.ADMITTED, ...data } }, prison, NOW);
    expect(admit({ freeCapacity: true, firstInQueue: false })).toMatchObject({ ok: false, code: 'EVENT_NOT_ALLOWED', guard: 'firstInQueueOrReason' });
    expect(admit({ freeCapacity: true, firstInQueue: false }, { reason: 'Medical priority' })).toMatchObject({ ok: true, to: 'enrolled' });
    expect(admit({ freeCapacity: true, firstInQueue: true })).toMatchObject({ ok: true, to: 'enrolled' });
    expect(admit({ freeCapacity: false, firstInQueue: false })).toMatchObject({ ok: true, to: 'waitlisted' });
  });

  it('other guards name themselves when they fail', () => {
    const cases: [string, string, string, string, Record<string, unknown>, string, Record<string, unknown>?][] = [
      ['patronage', 'declined', ORG.prison, 'RESENT', { ngoOrganisationId: ORG.ngo }, 'anotherNgoWithConsent'],
      ['pre-release', 'planning', ORG.prison, 'OWNER_TRANSFERRED', { toOrganisationId: ORG.court }, 'transfereeIsPrison'],
      ['pre-release', 'planning', ORG.prison, 'OWNER_TRANSFERRED', { toOrganisationId: ORG.prison }, 'transfereeIsPrison'],
      ['pre-release', 'planning', ORG.prison, 'HALFWAY_HOUSE_REFERRED', { halfwayHouseOrganisationId: ORG.ngo }, 'halfwayHouseCertified'],
      ['pre-release', 'planning', ORG.prison, 'HALFWAY_HOUSE_REFERRED', { halfwayHouseOrganisationId: ORG.house }, 'releaseDateNotPassed', { releaseDate: '2026-03-01' }],
      ['pre-release', 'planning', ORG.ngo, 'PATHWAY_UPDATED', { pathway: 'family', status: 'done', organisationId: ORG.prison2 }, 'actingOrganisationIsParty'],
      ['halfway-house', 'resident', ORG.house, 'STAY_EXTENDED', { maxStayDays: 100, reason: 'x' }, 'stayIsLonger'],
      ['patronage', 'active', ORG.ngo, 'FOLLOW_UP_RECORDED', SAMPLE_DATA.patronage!.FOLLOW_UP_RECORDED!, 'followUpWindowOpen'],
    ];
    for (const [protocol, state, actor, type, data, guard, caseData] of cases) {
      const snapshot = snapshotFor(protocol, state, caseData ? { data: { ...CASES[protocol]!.data, ...caseData } } : {});
      expect(decide(PROTOCOLS[protocol]!, snapshot, { type, data }, staff(actor), NOW), `${type} ${guard}`).toMatchObject({
        ok: false,
        code: 'EVENT_NOT_ALLOWED',
        guard,
      });
    }
  });

  it('an unsuitable screening needs a reason', () => {
    const decision = decide(
      PROTOCOLS['unit-enrolment']!,
      snapshotFor('unit-enrolment', 'applied'),
      { type: 'SCREENED', data: { date: '2026-03-02', outcome: 'unsuitable' } },
      prison,
      NOW,
    );
    expect(decision).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', errors: [{ path: 'data.reason', message: 'An unsuitable outcome needs a reason.' }] });
  });

  it('refusals list the events the actor may send now', () => {
    const decision = decide(
      PROTOCOLS['court-ordered-treatment']!,
      snapshotFor('court-ordered-treatment', 'ordered'),
      { type: 'TREATMENT_COMPLETED', data: {} },
      staff(ORG.provider),
      NOW,
    );
    expect(decision).toMatchObject({ ok: false, allowedEvents: ['INTAKE_RECORDED', 'PERSON_REFUSED'] });
  });
});

describe('decide: effects as data', () => {
  it('RELEASED opens patronage; HALFWAY_HOUSE_REFERRED opens a halfway-house case; RELEASE_DATE_CHANGED signals the children', () => {
    const pre = PROTOCOLS['pre-release']!;
    const released = decide(pre, snapshotFor('pre-release', 'plan_agreed'), { type: 'RELEASED', data: SAMPLE_DATA['pre-release']!.RELEASED }, staff(ORG.prison), NOW);
    const releasedAt = SAMPLE_DATA['pre-release']!.RELEASED!.releasedAt;
    expect(released.ok && released.effects).toEqual([
      expect.objectContaining({
        kind: 'open_case',
        protocol: 'patronage',
        parties: [
          { part: 'sender', organisationId: ORG.prison },
          { part: 'ngo', organisationId: ORG.ngo },
        ],
      }),
      // The release propagates: the unit enrolment ends, a house not yet reached expects the person on release day, the custody record is written.
      { kind: 'signal_person', protocol: 'unit-enrolment', event: { type: 'RELEASED', data: { date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) } } },
      {
        kind: 'signal_children',
        protocol: 'halfway-house',
        event: { type: 'ARRIVAL_DATE_CHANGED', data: { expectedArrivalDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), reason: 'Released' } },
      },
      { kind: 'record_person', class: 'custody', set: { actualReleaseAt: releasedAt } },
    ]);
    const referred = decide(
      pre,
      snapshotFor('pre-release', 'planning'),
      { type: 'HALFWAY_HOUSE_REFERRED', data: { halfwayHouseOrganisationId: ORG.house } },
      staff(ORG.prison),
      NOW,
    );
    expect(referred.ok && referred.effects).toEqual([expect.objectContaining({ kind: 'open_case', protocol: 'halfway-house', data: { expectedArrivalDate: '2026-06-01' } })]);
    const moved = decide(pre, snapshotFor('pre-release', 'planning'), { type: 'RELEASE_DATE_CHANGED', data: { releaseDate: '2026-07-01' } }, staff(ORG.prison), NOW);
    expect(moved.ok && moved.effects).toEqual([
      expect.objectContaining({ kind: 'signal_children', protocol: 'halfway-house', event: expect.objectContaining({ type: 'ARRIVAL_DATE_CHANGED' }) }),
    ]);
    expect(moved.ok && moved.deadlines.move.map((deadline) => deadline.rule).sort()).toEqual(['planning_escalation', 'release_day']);
  });

  it('ACKNOWLEDGED signals the pre-release case; a relapse alerts NGO and probation; WITHDREW schedules three motivational follow-ups', () => {
    const ack = decide(PROTOCOLS.patronage!, snapshotFor('patronage', 'sent'), { type: 'ACKNOWLEDGED', data: SAMPLE_DATA.patronage!.ACKNOWLEDGED }, staff(ORG.ngo), NOW);
    expect(ack.ok && ack.effects).toEqual([{ kind: 'signal_parent', protocol: 'pre-release', event: { type: 'PATRONAGE_ACKNOWLEDGED', data: {} } }]);
    const relapse = decide(
      PROTOCOLS['halfway-house']!,
      snapshotFor('halfway-house', 'resident'),
      { type: 'INCIDENT_RECORDED', data: { date: '2026-06-20', kind: 'relapse' } },
      staff(ORG.house),
      NOW,
    );
    expect(relapse.ok && relapse.effects).toEqual([expect.objectContaining({ kind: 'alert', rule: 'relapse', concerns: [ORG.ngo, ORG.probation].sort() })]);
    const withdrew = decide(PROTOCOLS['unit-enrolment']!, snapshotFor('unit-enrolment', 'enrolled'), { type: 'WITHDREW', data: { date: '2026-03-02' } }, staff(ORG.prison), NOW);
    expect(withdrew.ok && withdrew.deadlines.schedule.map((deadline) => [deadline.rule, deadline.dueAt.toISOString()])).toEqual([
      ['motivational_follow_up_1', '2026-04-02T04:00:00.000Z'],
      ['motivational_follow_up_2', '2026-05-02T04:00:00.000Z'],
      ['motivational_follow_up_3', '2026-06-02T04:00:00.000Z'],
    ]);
    expect(withdrew.ok && withdrew.effects).toEqual([{ kind: 'capacity_freed', holderId: CASES['unit-enrolment']!.data.unitId, rule: 'place_freed' }]);
  });

  it('contacts are weekly for 12 weeks after first contact, then monthly', () => {
    const early = decide(
      PROTOCOLS.patronage!,
      snapshotFor('patronage', 'active'),
      { type: 'CONTACT_RECORDED', data: { date: '2026-03-20', kind: 'phone', outcome: 'ok' } },
      staff(ORG.ngo),
      NOW,
    );
    expect(early.ok && early.next.data.nextContactDue).toBe('2026-03-27');
    const late = decide(
      PROTOCOLS.patronage!,
      snapshotFor('patronage', 'active'),
      { type: 'CONTACT_RECORDED', data: { date: '2026-06-01', kind: 'phone', outcome: 'ok' } },
      staff(ORG.ngo),
      NOW,
    );
    expect(late.ok && late.next.data.nextContactDue).toBe('2026-07-01');
  });
});
