import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, consents, deadlines, notifications, outbox } from '../db/schema.js';
import { materialiseDue } from '../notifications/outbox.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * DOMAIN.md, "Consent attestation": the organisation a consent names never attests it. What
 * it records is a pending proposal that discloses nothing until the case owner or the record
 * owner confirms it; both are told of every consent; either may void one recorded in error.
 */
let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

const CONSENT = { purpose: 'court_supervision', validFrom: '2026-01-01', validUntil: '2027-12-31', signedMethod: 'written', witness: 'Officer Attesta', textVersion: 'v1' };

/** The reproduction: a court order with the NGO named (under a narrow consent), notes by the court and the provider. */
async function courtOrderWithNgo() {
  const registered = await t.request('POST', '/participants', {
    token: r.tokens.court,
    body: { identity: { firstName: 'Attesta', lastName: 'Selfova', dateOfBirth: '1989-02-02' }, health: { diagnosis: 'opioid use disorder' } },
  });
  const person = registered.json as { id: string; referenceCode: string };
  await r.consent(person.id, r.orgs.ngo, 'court', { dataClasses: ['identity'] });
  const opened = await r.open(
    'court',
    'court-ordered-treatment',
    person.id,
    [
      { part: 'probation', organisationId: r.orgs.probation.id },
      { part: 'provider', organisationId: r.orgs.provider.id },
      { part: 'ngo', organisationId: r.orgs.ngo.id },
    ],
    { caseNumber: 'A-13', orderDate: '2026-03-01', programme: 'ost', durationDays: 180 },
  );
  expect(opened.status, opened.text).toBe(201);
  await t.request('PATCH', `/participants/${person.id}`, { token: r.tokens.court, body: { note: 'Court note' } });
  await t.request('PATCH', `/participants/${person.id}`, { token: r.tokens.provider, body: { note: 'Provider note' } });
  return { person, caseId: opened.json.id as string };
}

async function ngoView(personId: string) {
  const read = await t.request('GET', `/participants/${personId}`, { token: r.tokens.ngo });
  expect(read.status).toBe(200);
  return {
    health: 'health' in read.json,
    othersNotes: (read.json.notes as { organisationId: string }[]).filter((note) => note.organisationId !== r.orgs.ngo.id).length,
    classes: (read.json.disclosed as { dataClass: string }[]).map((entry) => entry.dataClass),
  };
}

const consentRow = async (id: string) => (await t.db.select().from(consents).where(eq(consents.id, id)))[0];

describe('the organisation a consent names', () => {
  it('can only propose it: pending, it discloses nothing until the case owner confirms it', async () => {
    const { person, caseId } = await courtOrderWithNgo();
    const proposal = await t.request('POST', `/participants/${person.id}/consents`, {
      token: r.tokens.ngo,
      body: { ...CONSENT, organisationId: r.orgs.ngo.id, dataClasses: ['health', 'notes', 'compliance', 'social'], caseId },
    });
    expect(proposal.status, proposal.text).toBe(201);
    expect(proposal.json).toMatchObject({
      status: 'pending',
      proposed: true,
      validNow: false,
      criminalJustice: true,
      recordedByOrganisationId: r.orgs.ngo.id,
      confirmedByOrganisationId: null,
    });
    expect(await ngoView(person.id)).toEqual({ health: false, othersNotes: 0, classes: ['identity', 'contact'] });
    // Nothing in the policy counts it: the case shows no consent-based class either.
    const caseView = await t.request('GET', `/cases/${caseId}`, { token: r.tokens.ngo });
    expect(caseView.json.disclosed.map((entry: { basis: string }) => entry.basis)).not.toContain('consent');

    const confirmed = await t.request('POST', `/consents/${proposal.json.id}/confirm`, { token: r.tokens.court });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.json).toMatchObject({ status: 'valid', validNow: true, confirmedByOrganisationId: r.orgs.court.id, recordedByOrganisationId: r.orgs.ngo.id });
    const after = await ngoView(person.id);
    expect(after.health).toBe(true);
    expect(after.othersNotes).toBe(2);
    const listed = await t.request('GET', `/participants/${person.id}/consents`, { token: r.tokens.court });
    expect(listed.json.items.map((item: { status: string }) => item.status)).toEqual(['valid', 'valid']);
    const trail = await t.db
      .select({ action: auditEvents.action, organisationId: auditEvents.organisationId })
      .from(auditEvents)
      .where(eq(auditEvents.subjectId, proposal.json.id));
    expect(trail).toEqual(
      expect.arrayContaining([
        { action: 'consent.propose', organisationId: r.orgs.ngo.id },
        { action: 'consent.confirm', organisationId: r.orgs.court.id },
      ]),
    );
  });

  it('the court voids an NGO-proposed criminal-justice consent it cannot revoke; a void needs a reason', async () => {
    const { person, caseId } = await courtOrderWithNgo();
    const proposal = (
      await t.request('POST', `/participants/${person.id}/consents`, {
        token: r.tokens.ngo,
        body: { ...CONSENT, organisationId: r.orgs.ngo.id, dataClasses: ['health', 'notes'], caseId },
      })
    ).json;
    expect((await t.request('POST', `/consents/${proposal.id}/confirm`, { token: r.tokens.court })).status).toBe(200);
    expect((await ngoView(person.id)).health).toBe(true);
    expect((await t.request('POST', `/consents/${proposal.id}/revoke`, { token: r.tokens.court, body: { reason: 'Recorded by the NGO itself' } })).status).toBe(409);

    const before = await consentRow(proposal.id);
    for (const body of [{}, { reason: ' ' }, { reason: 'x' }, { reason: 'Recorded in error', extra: true }]) {
      const refused = await t.request('POST', `/consents/${proposal.id}/void`, { token: r.tokens.court, body });
      expect(refused.status, JSON.stringify(body)).toBe(422);
      expect(refused.json.code).toBe('VALIDATION_FAILED');
    }
    expect(await consentRow(proposal.id)).toEqual(before);

    const voided = await t.request('POST', `/consents/${proposal.id}/void`, { token: r.tokens.court, body: { reason: 'Recorded in error: the person signed no such consent' } });
    expect(voided.status, voided.text).toBe(200);
    expect(voided.json).toMatchObject({
      status: 'voided',
      validNow: false,
      criminalJustice: true,
      voidedByOrganisationId: r.orgs.court.id,
      voidReason: 'Recorded in error: the person signed no such consent',
    });
    expect((await ngoView(person.id)).health).toBe(false);
    expect((await t.request('POST', `/consents/${proposal.id}/void`, { token: r.tokens.court, body: { reason: 'Twice' } })).status).toBe(409);
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, proposal.id), eq(auditEvents.action, 'consent.void'), eq(auditEvents.outcome, 'success')));
    expect(audit).toMatchObject({ organisationId: r.orgs.court.id, participantId: person.id });
  });

  it('only the case owner or the record owner confirms or voids, never the named organisation; others get 403 or 404, audited, nothing changed', async () => {
    const { person, caseId } = await courtOrderWithNgo();
    const proposal = (
      await t.request('POST', `/participants/${person.id}/consents`, { token: r.tokens.ngo, body: { ...CONSENT, organisationId: r.orgs.ngo.id, dataClasses: ['health'], caseId } })
    ).json;
    const before = await consentRow(proposal.id);
    // The NGO itself, and probation (a party that owns neither the case nor the record): 403.
    for (const who of ['ngo', 'probation'] as const) {
      expect((await t.request('POST', `/consents/${proposal.id}/confirm`, { token: r.tokens[who] })).status, who).toBe(403);
      expect((await t.request('POST', `/consents/${proposal.id}/void`, { token: r.tokens[who], body: { reason: 'Not mine to void' } })).status, who).toBe(403);
    }
    // An organisation with no part in the person's cases: 404, as if it did not exist.
    expect((await t.request('POST', `/consents/${proposal.id}/confirm`, { token: r.tokens.ngo2 })).status).toBe(404);
    expect((await t.request('POST', `/consents/${proposal.id}/void`, { token: r.tokens.ngo2, body: { reason: 'Probing' } })).status).toBe(404);
    expect(await consentRow(proposal.id)).toEqual(before);
    const denials = await t.db
      .select({ action: auditEvents.action, organisationId: auditEvents.organisationId })
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, proposal.id), eq(auditEvents.outcome, 'denied')));
    expect(denials).toHaveLength(6);
    expect(denials).toContainEqual({ action: 'consent.confirm', organisationId: r.orgs.ngo2.id });
    expect(await ngoView(person.id)).toMatchObject({ health: false });
  });

  it('a proposal by the case owner for itself cannot be confirmed by itself; the record owner confirms it', async () => {
    const person = await r.participant('prison', 'Transfera');
    const plan = await r.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-09-01' });
    expect((await r.send('prison', plan.json.id, 'OWNER_TRANSFERRED', { toOrganisationId: r.orgs.prison2.id })).status).toBe(201);
    const proposal = await t.request('POST', `/participants/${person.id}/consents`, {
      token: r.tokens.prison2,
      body: { ...CONSENT, purpose: 'release_planning', organisationId: r.orgs.prison2.id, dataClasses: ['notes'] },
    });
    expect(proposal.json).toMatchObject({ status: 'pending', proposed: true });
    const before = await consentRow(proposal.json.id);
    const own = await t.request('POST', `/consents/${proposal.json.id}/confirm`, { token: r.tokens.prison2 });
    expect(own.status).toBe(403);
    expect(own.json.detail).toMatch(/cannot confirm/);
    expect(await consentRow(proposal.json.id)).toEqual(before);
    const confirmed = await t.request('POST', `/consents/${proposal.json.id}/confirm`, { token: r.tokens.prison });
    expect(confirmed.json).toMatchObject({ status: 'valid', confirmedByOrganisationId: r.orgs.prison.id });
    expect((await t.request('POST', `/consents/${proposal.json.id}/confirm`, { token: r.tokens.prison })).status).toBe(409);
  });

  it('neither a pending proposal nor a voided consent lets the NGO be named a party; the confirmed proposal does', async () => {
    const person = await r.participant('prison', 'Namedless');
    const recorded = await r.consent(person.id, r.orgs.ngo, 'prison', { dataClasses: ['identity'], purpose: 'unit_programme' });
    const unit = await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, { token: r.tokens.prison, body: { kind: 'atlantis', name: 'Attestation unit', places: 5 } });
    const enrolment = await r.open('prison', 'unit-enrolment', person.id, [{ part: 'ngo', organisationId: r.orgs.ngo.id }], {
      unitId: unit.json.id,
      expectedReleaseDate: '2027-01-01',
    });
    expect(enrolment.status, enrolment.text).toBe(201);
    expect((await t.request('POST', `/consents/${recorded.id}/void`, { token: r.tokens.prison, body: { reason: 'Signed by another person' } })).status).toBe(200);
    const proposal = await t.request('POST', `/participants/${person.id}/consents`, {
      token: r.tokens.ngo,
      body: { ...CONSENT, purpose: 'release_planning', organisationId: r.orgs.ngo.id, dataClasses: ['identity'] },
    });
    expect(proposal.json.status).toBe('pending');
    const plan = { releaseDate: '2026-09-01' };
    const parties = [
      { part: 'probation', organisationId: r.orgs.probation.id },
      { part: 'ngo', organisationId: r.orgs.ngo.id },
    ];
    const refused = await r.open('prison', 'pre-release', person.id, parties, plan);
    expect(refused.status).toBe(422);
    expect(refused.json.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/consent/) })]);
    expect((await t.request('POST', `/consents/${proposal.json.id}/confirm`, { token: r.tokens.prison })).status).toBe(200);
    const named = await r.open('prison', 'pre-release', person.id, parties, plan);
    expect(named.status, named.text).toBe(201);
  });
});

describe('who is told', () => {
  it('the case owner and the record owner are told of every consent recorded or proposed, by reference code only', async () => {
    const person = await r.participant('prison', 'Toldova');
    await r.consent(person.id, r.orgs.ngo, 'prison', { dataClasses: ['identity'], purpose: 'release_planning' });
    const plan = await r.open(
      'prison',
      'pre-release',
      person.id,
      [
        { part: 'probation', organisationId: r.orgs.probation.id },
        { part: 'ngo', organisationId: r.orgs.ngo.id },
      ],
      { releaseDate: '2026-09-01' },
    );
    expect((await r.send('prison', plan.json.id, 'OWNER_TRANSFERRED', { toOrganisationId: r.orgs.prison2.id })).status).toBe(201);

    const proposal = await t.request('POST', `/participants/${person.id}/consents`, {
      token: r.tokens.ngo,
      body: { ...CONSENT, purpose: 'release_planning', organisationId: r.orgs.ngo.id, dataClasses: ['health'] },
    });
    const recorded = await t.request('POST', `/participants/${person.id}/consents`, {
      token: r.tokens.probation,
      body: { ...CONSENT, purpose: 'release_planning', organisationId: r.orgs.ngo.id, dataClasses: ['social'] },
    });
    expect([proposal.status, recorded.status]).toEqual([201, 201]);

    const notices = await t.db
      .select()
      .from(deadlines)
      .where(and(eq(deadlines.participantId, person.id), inArray(deadlines.rule, ['consent_proposed', 'consent_recorded'])));
    const told = (rule: string) =>
      notices
        .filter((row) => row.rule === rule)
        .flatMap((row) => row.concerns)
        .sort();
    expect(told('consent_proposed')).toEqual([r.orgs.prison.id, r.orgs.prison2.id].sort());
    expect(told('consent_recorded')).toEqual([r.orgs.prison.id, r.orgs.prison2.id].sort());
    // The case owner's notice links to its case.
    expect(notices.filter((row) => row.concerns.includes(r.orgs.prison2.id)).every((row) => row.caseId === plan.json.id)).toBe(true);

    await materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' });
    const inbox = await t.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.participantReference, person.referenceCode), inArray(notifications.rule, ['consent_proposed', 'consent_recorded'])));
    expect(inbox.map((row) => `${row.organisationId}:${row.rule}`).sort()).toEqual(
      [`${r.orgs.prison.id}:consent_proposed`, `${r.orgs.prison.id}:consent_recorded`, `${r.orgs.prison2.id}:consent_proposed`, `${r.orgs.prison2.id}:consent_recorded`].sort(),
    );
    expect(inbox.find((row) => row.organisationId === r.orgs.prison2.id)?.link).toBe(`https://cadap.test/app/cases/${plan.json.id}`);
    const mail = await t.db
      .select()
      .from(outbox)
      .where(
        inArray(
          outbox.deadlineId,
          notices.map((row) => row.id),
        ),
      );
    expect(mail).toHaveLength(4);
    for (const message of [...mail.map((row) => row.text + row.subject), ...inbox.map((row) => row.text + row.subject)]) {
      expect(message).toContain(person.referenceCode);
      expect(message).not.toContain('Toldova');
      expect(message).not.toContain('Attesta');
    }
  });
});

describe('a consent a party needs', () => {
  it('revoked or voided, the case owner gets a work-queue item until it records a new consent or replaces the NGO', async () => {
    const person = await r.participant('prison', 'Lostova');
    const first = await r.consent(person.id, r.orgs.ngo, 'prison', { purpose: 'release_planning' });
    const parties = [
      { part: 'probation', organisationId: r.orgs.probation.id },
      { part: 'ngo', organisationId: r.orgs.ngo.id },
    ];
    const plan = await r.open('prison', 'pre-release', person.id, parties, { releaseDate: '2026-09-01' });
    expect(plan.status, plan.text).toBe(201);
    const queue = async (who: 'prison' | 'ngo') =>
      ((await t.request('GET', '/deadlines?limit=200', { token: r.tokens[who] })).json.items as { caseId: string; rule: string; kind: string }[]).filter(
        (item) => item.caseId === plan.json.id && item.rule === 'consent_lost',
      );
    expect(await queue('prison')).toEqual([]);

    expect((await t.request('POST', `/consents/${first.id}/revoke`, { token: r.tokens.prison, body: { reason: 'The person withdrew it' } })).status).toBe(200);
    expect(await queue('prison')).toEqual([expect.objectContaining({ kind: 'deadline' })]);
    expect(await queue('ngo')).toEqual([]);
    // Told at the next tick, and still in the queue after it.
    await materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' });
    const told = await t.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.caseId, plan.json.id), eq(notifications.rule, 'consent_lost')));
    expect(told.map((row) => row.organisationId)).toEqual([r.orgs.prison.id]);
    expect(await queue('prison')).toHaveLength(1);

    // A new consent settles it; a void raises it again; replacing the NGO settles that one.
    const second = await r.consent(person.id, r.orgs.ngo, 'probation', { purpose: 'release_planning' });
    expect(await queue('prison')).toEqual([]);
    expect((await t.request('POST', `/consents/${second.id}/void`, { token: r.tokens.prison, body: { reason: 'Signed by another person' } })).status).toBe(200);
    expect(await queue('prison')).toHaveLength(1);
    await r.consent(person.id, r.orgs.ngo2, 'prison', { purpose: 'release_planning' });
    const replaced = await r.send('prison', plan.json.id, 'PARTY_ASSIGNED', { part: 'ngo', organisationId: r.orgs.ngo2.id });
    expect(replaced.status, replaced.text).toBe(201);
    expect(await queue('prison')).toEqual([]);
  });
});
