import { expect } from 'vitest';
import { materialiseDue } from '../../notifications/outbox.js';
import type { WebContext } from './web-context.js';

/**
 * A demo-like world on top of the web tests' region: people in every protocol and in the
 * states each role's pages list (a unit with a roster and a waitlist, a release plan with a
 * pathway under way, a handover sent and one in contact, a court order with a breach awaiting
 * a ruling, a halfway-house referral and a resident), notices in the inboxes, and free text in
 * Russian as staff would type it. `data` lists every value a person typed (names, notes,
 * addresses, unit and organisation names): the only words a page may show that are not from
 * the catalogues.
 */
export async function buildDemoWorld(web: WebContext) {
  const { t, region } = web;
  const data: string[] = [];
  const typed = <T extends string>(value: T): T => {
    data.push(value);
    return value;
  };
  const ok = (response: { status: number; text: string }, status = 201) => expect(response.status, response.text).toBe(status);

  let registered = 0;
  const person = async (firstName: string, lastName: string, extra: Record<string, unknown> = {}) => {
    registered += 1;
    const response = await t.request('POST', '/participants', {
      token: region.tokens.prison,
      body: {
        identity: {
          firstName: typed(firstName),
          lastName: typed(lastName),
          dateOfBirth: '1988-05-14',
          sex: 'male',
          nationalId: typed(`8805143${String(registered).padStart(5, '0')}`),
        },
        ...extra,
      },
    });
    ok(response);
    return response.json as { id: string; referenceCode: string };
  };
  const unit = async (kind: string, name: string, places: number) => {
    const response = await t.request('POST', `/organisations/${region.orgs.prison.id}/units`, { token: region.tokens.prison, body: { kind, name: typed(name), places } });
    ok(response);
    return response.json.id as string;
  };
  /** The home region's organisations filling parts: `['probation', 'probation']` is the part and the organisation's key. */
  const parties = (...named: [part: string, org: keyof typeof region.orgs][]) => named.map(([part, org]) => ({ part, organisationId: region.orgs[org].id }));
  const sent = async (by: Parameters<typeof region.send>[0], caseId: string, type: string, eventData: Record<string, unknown> = {}) =>
    ok(await region.send(by, caseId, type, eventData));

  // The prison's units: one full with a waitlist, one with a person screened and awaiting admission.
  const atlantis = await unit('atlantis', 'Атлантис-1', 1);
  const cleanZone = await unit('clean_zone', 'Чистая зона', 5);
  const enrol = async (firstName: string, unitId: string) => {
    const someone = await person(firstName, 'Ахметов', { contact: { phone: typed('+7 701 555 01 02'), address: typed('Павлодар, ул. Ленина, 12') } });
    const opened = await region.open('prison', 'unit-enrolment', someone.id, [], { unitId, expectedReleaseDate: '2026-06-20' });
    ok(opened);
    await sent('prison', opened.json.id, 'SCREENED', { date: '2026-03-01', outcome: 'suitable' });
    return { person: someone, caseId: opened.json.id as string };
  };
  const enrolled = await enrol('Нурлан', atlantis);
  await sent('prison', enrolled.caseId, 'ADMITTED', { date: '2026-03-01', consentToTreatment: true, unitAgreementSigned: true });
  await sent('prison', enrolled.caseId, 'PHASE_CHANGED', { date: '2026-03-02', phase: 'main' });
  await sent('prison', enrolled.caseId, 'DRUG_TEST_RECORDED', { date: '2026-03-02', result: 'negative' });
  await sent('prison', enrolled.caseId, 'GROUP_SESSION_RECORDED', { date: '2026-03-02', kind: 'twelve_step', attended: true });
  const waiting = await enrol('Бахыт', atlantis);
  await sent('prison', waiting.caseId, 'ADMITTED', { date: '2026-03-02', consentToTreatment: true, unitAgreementSigned: true });
  const screened = await enrol('Серик', cleanZone);

  // A release plan within 180 days, a pathway under way, an NGO patron named with a consent.
  const leaving = await person('Марат', 'Жумабаев');
  await region.consent(leaving.id, region.orgs.ngo);
  // What the region's consent helper types: the witness's name and the text version.
  data.push('Officer Test', 'v1');
  const plan = await region.open('prison', 'pre-release', leaving.id, parties(['probation', 'probation'], ['ngo', 'ngo']), { releaseDate: '2026-06-01' });
  ok(plan);
  await sent('prison', plan.json.id, 'PATHWAY_UPDATED', {
    pathway: 'accommodation',
    status: 'in_progress',
    organisationId: region.orgs.ngo.id,
    note: typed('Ищем комнату в Павлодаре'),
  });
  await sent('prison', plan.json.id, 'PATHWAY_UPDATED', { pathway: 'family', status: 'not_needed' });

  // Handovers: one sent and waiting, one acknowledged with a first contact and a contact.
  const handover = async (firstName: string) => {
    const someone = await person(firstName, 'Садыков');
    await region.consent(someone.id, region.orgs.ngo);
    const opened = await region.open('prison', 'patronage', someone.id, parties(['ngo', 'ngo']), {
      releasedAt: '2026-03-01T09:00:00+05:00',
      releaseAddressPlan: typed('Павлодар, ул. Торайгырова, 5'),
      patronagePlan: typed('Встречи раз в неделю'),
      contactPhone: typed('+7 702 555 03 04'),
    });
    ok(opened);
    return { person: someone, caseId: opened.json.id as string };
  };
  const incoming = await handover('Ерлан');
  const active = await handover('Асель');
  await sent('ngo', active.caseId, 'ACKNOWLEDGED', { caseworker: typed('Айгуль'), plannedFirstContact: '2026-03-03' });
  await sent('ngo', active.caseId, 'FIRST_CONTACT_MADE', { at: '2026-03-02T10:30:00+05:00', how: 'in_person' });
  await sent('ngo', active.caseId, 'CONTACT_RECORDED', {
    date: '2026-03-02',
    kind: 'phone',
    outcome: typed('Нашёл работу, просит помочь с документами'),
    referralsMade: [typed('Центр занятости')],
  });

  // A court order with an adverse test and a breach awaiting a ruling.
  const ordered = await t.request('POST', '/participants', {
    token: region.tokens.court,
    body: { identity: { firstName: typed('Тимур'), lastName: typed('Касымов'), dateOfBirth: '1991-11-02' } },
  });
  ok(ordered);
  const order = await region.open('court', 'court-ordered-treatment', ordered.json.id, parties(['probation', 'probation'], ['provider', 'provider']), {
    caseNumber: typed('2-117/2026'),
    orderDate: '2026-02-20',
    programme: 'outpatient',
    durationDays: 180,
  });
  ok(order);
  await sent('provider', order.json.id, 'INTAKE_RECORDED', { assessmentDate: '2026-02-25', rehabilitationPlan: typed('Группы два раза в неделю'), consentToTreatment: true });
  await sent('probation', order.json.id, 'DRUG_TEST_RECORDED', { date: '2026-02-27', result: 'positive' });
  await sent('probation', order.json.id, 'BREACH_REPORTED', { reason: typed('Пропустил три встречи') });

  // The halfway house: a referral awaiting a decision, and a resident with an incident.
  const referral = async (firstName: string, arrival: string) => {
    const someone = await person(firstName, 'Омаров');
    const opened = await region.open('prison', 'halfway-house', someone.id, parties(['halfway_house', 'house']), {
      expectedArrivalDate: arrival,
      maxStayDays: 90,
    });
    ok(opened);
    return { person: someone, caseId: opened.json.id as string };
  };
  const referred = await referral('Даурен', '2026-03-05');
  const resident = await referral('Жанар', '2026-03-02');
  await sent('house', resident.caseId, 'ACCEPTED');
  await sent('house', resident.caseId, 'ARRIVED', { arrivedAt: '2026-03-02T15:00:00+05:00' });
  await sent('house', resident.caseId, 'INCIDENT_RECORDED', { date: '2026-03-02', kind: 'curfew', note: typed('Вернулся после 22:00') });

  // The notices of these events reach the inboxes.
  await materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' });

  // Every organisation of the world, decoy regions included: the pickers list them.
  for (const built of region.regions) for (const org of Object.values(built.orgs)) data.push(org.name);
  return {
    data,
    people: {
      enrolled,
      waiting,
      screened,
      plan: { person: leaving, caseId: plan.json.id as string },
      incoming,
      active,
      order: { caseId: order.json.id as string },
      referred,
      resident,
    },
  };
}
export type DemoWorld = Awaited<ReturnType<typeof buildDemoWorld>>;
