import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, participantNotes, participants } from '../db/schema.js';
import type { OrganisationRow } from '../src/organisations/service.js';
import { createTestContext, type TestContext } from './helpers/context.js';

let t: TestContext;
let prison: OrganisationRow;
let staff: string;
let otherPrisonStaff: string;

const person = {
  identity: { firstName: 'Nurlan', lastName: 'Testov', dateOfBirth: '1985-02-17', sex: 'male', nationalId: '850217-300-111' },
  contact: { phone: '+7 700 000 0000', address: 'Pavlodar, Toraigyrov st. 64' },
  custody: { expectedReleaseDate: '2026-09-01' },
  health: { diagnosis: 'opioid use disorder', overdoseRisk: 'high' },
  note: 'Motivated; asked about the Atlantis unit.',
};

let registrations = 0;
/** Another person with the same details but a national id of their own: the same id twice is a possible duplicate (409). */
const another = () => ({ ...person, identity: { ...person.identity, nationalId: `850217-300-${String((registrations += 1)).padStart(3, '0')}` } });

async function auditRows(participantId?: string) {
  const rows = await t.db.select().from(auditEvents).orderBy(auditEvents.seq);
  return participantId ? rows.filter((row) => row.participantId === participantId || row.subjectId === participantId) : rows;
}

beforeAll(async () => {
  t = await createTestContext();
  prison = await t.organisation('prison');
  staff = await t.tokenFor(prison, 'prison_staff');
  otherPrisonStaff = await t.tokenFor(await t.organisation('prison'), 'prison_staff');
});
afterAll(() => t.close());

describe('registering a participant', () => {
  it('creates the person with a reference code, owned by the caller’s organisation, and audits the write', async () => {
    const response = await t.request('POST', '/participants', { token: staff, body: person });
    expect(response.status).toBe(201);
    expect(response.json.referenceCode).toMatch(/^P-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(response.json).toMatchObject({ recordOwnerId: prison.id, region: 'KZ-PAV', version: 1, identity: person.identity, contact: person.contact });
    expect(response.json.notes).toEqual([expect.objectContaining({ organisationId: prison.id, text: person.note })]);
    const audit = await auditRows(response.json.id);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'participant.register',
        outcome: 'success',
        organisationId: prison.id,
        dataClasses: ['identity', 'contact', 'custody', 'health', 'notes'],
      }),
    ]);
  });

  it('discloses to the record owner only identity and contact (DOMAIN.md rule 2) and its own notes', async () => {
    const created = await t.request('POST', '/participants', { token: staff, body: another() });
    const read = await t.request('GET', `/participants/${created.json.id}`, { token: staff });
    expect(read.status).toBe(200);
    expect(read.json.disclosed).toEqual([
      { dataClass: 'identity', basis: 'record_owner' },
      { dataClass: 'contact', basis: 'record_owner' },
    ]);
    expect(read.json).not.toHaveProperty('health');
    expect(read.json).not.toHaveProperty('custody');
    expect(read.text).not.toContain('opioid');
    const [stored] = await t.db.select().from(participants).where(eq(participants.id, created.json.id));
    expect(stored?.health).toEqual(person.health);
    expect(stored?.nationalIdDigest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(stored?.nationalIdDigest)).not.toContain('850217');
  });

  it('registering a national id already registered elsewhere succeeds, revealing nothing', async () => {
    const original = await t.request('POST', '/participants', { token: staff, body: { identity: { ...person.identity, nationalId: '900101-400-222' } } });
    const again = await t.request('POST', '/participants', { token: otherPrisonStaff, body: { identity: { ...person.identity, firstName: 'Other', nationalId: '900101400222' } } });
    expect(again.status).toBe(201);
    expect(Object.keys(again.json).sort()).toEqual(Object.keys(original.json).sort());
    const [first] = await t.db.select().from(participants).where(eq(participants.id, original.json.id));
    const sameDigest = await t.db.select().from(participants).where(eq(participants.nationalIdDigest, first!.nationalIdDigest!));
    expect(sameDigest.map((row) => row.id).sort()).toEqual([original.json.id, again.json.id].sort());
  });
});

describe('reading and searching', () => {
  it('another organisation gets 404, as if absent, and the denial is audited', async () => {
    const created = await t.request('POST', '/participants', { token: staff, body: another() });
    const auditBefore = (await auditRows()).length;
    const response = await t.request('GET', `/participants/${created.json.id}`, { token: otherPrisonStaff });
    expect(response.status).toBe(404);
    const missing = await t.request('GET', '/participants/0b8f6d1e-2c3a-4b5d-8e9f-0a1b2c3d4e5f', { token: otherPrisonStaff });
    expect(missing.status).toBe(404);
    expect(response.json.detail).toBe(missing.json.detail);
    const denials = (await auditRows()).slice(auditBefore);
    expect(denials).toEqual([
      // DOMAIN.md "Denials": the row names the person when they exist (their region's coordinator lists it).
      expect.objectContaining({ action: 'participant.read', outcome: 'denied', subjectId: created.json.id, participantId: created.json.id }),
      expect.objectContaining({ action: 'participant.read', outcome: 'denied', subjectId: '0b8f6d1e-2c3a-4b5d-8e9f-0a1b2c3d4e5f', participantId: null }),
    ]);
  });

  it('every successful read is audited with the classes disclosed and the basis', async () => {
    const created = await t.request('POST', '/participants', { token: staff, body: another() });
    await t.request('GET', `/participants/${created.json.id}`, { token: staff });
    const reads = (await auditRows(created.json.id)).filter((row) => row.action === 'participant.read');
    expect(reads).toEqual([expect.objectContaining({ outcome: 'success', dataClasses: ['identity', 'contact', 'notes'], basis: 'record_owner', requestId: expect.any(String) })]);
  });

  it('search by reference returns the owner’s match and nothing to anyone else', async () => {
    const created = await t.request('POST', '/participants', { token: staff, body: another() });
    const reference = created.json.referenceCode as string;
    const mine = await t.request('GET', `/participants?reference=${reference.toLowerCase()}`, { token: staff });
    expect(mine.status).toBe(200);
    expect(mine.json.items.map((item: { id: string }) => item.id)).toEqual([created.json.id]);
    const theirs = await t.request('GET', `/participants?reference=${reference}`, { token: otherPrisonStaff });
    expect(theirs.json).toEqual({ items: [], nextCursor: null });
    const nobody = await t.request('GET', '/participants?reference=P-0000-0000', { token: otherPrisonStaff });
    expect(nobody.json).toEqual(theirs.json);
    const denied = (await auditRows()).filter((row) => row.action === 'participant.search' && row.outcome === 'denied');
    expect(denied.length).toBe(1);
  });

  it('search requires a well-formed reference', async () => {
    const response = await t.request('GET', '/participants?reference=Nurlan', { token: staff });
    expect(response.status).toBe(422);
  });
});

describe('correcting a participant', () => {
  it('the owner corrects identity and contact; the version moves; the change is audited', async () => {
    const created = await t.request('POST', '/participants', { token: staff, body: another() });
    const response = await t.request('PATCH', `/participants/${created.json.id}`, {
      token: staff,
      body: { expectedVersion: 1, identity: { lastName: 'Testova', sex: null }, contact: { phone: '+7 701 111 1111' }, note: 'Surname corrected from passport.' },
    });
    expect(response.status).toBe(200);
    expect(response.json.version).toBe(2);
    expect(response.json.identity).toEqual({ firstName: 'Nurlan', lastName: 'Testova', dateOfBirth: '1985-02-17', nationalId: created.json.identity.nationalId });
    expect(response.json.contact.phone).toBe('+7 701 111 1111');
    expect(response.json.notes).toHaveLength(2);
    const corrections = (await auditRows(created.json.id)).filter((row) => row.action === 'participant.correct');
    expect(corrections).toEqual([expect.objectContaining({ outcome: 'success', dataClasses: ['identity', 'contact', 'notes'] })]);
  });

  it('a stale expectedVersion is 409 STALE_VERSION and changes nothing', async () => {
    const created = await t.request('POST', '/participants', { token: staff, body: another() });
    await t.request('PATCH', `/participants/${created.json.id}`, { token: staff, body: { contact: { address: 'Ekibastuz' } } });
    const auditBefore = (await auditRows()).length;
    const response = await t.request('PATCH', `/participants/${created.json.id}`, { token: staff, body: { expectedVersion: 1, contact: { address: 'Aksu' } } });
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('STALE_VERSION');
    const [row] = await t.db.select().from(participants).where(eq(participants.id, created.json.id));
    expect(row?.contact).toMatchObject({ address: 'Ekibastuz' });
    expect((await auditRows()).length).toBe(auditBefore);
  });

  it('removing a required field is refused and writes nothing', async () => {
    const created = await t.request('POST', '/participants', { token: staff, body: another() });
    const response = await t.request('PATCH', `/participants/${created.json.id}`, { token: staff, body: { identity: { firstName: null }, note: 'should not be saved' } });
    expect(response.status).toBe(422);
    expect(response.json.errors[0].path).toBe('body.identity.firstName');
    const notes = await t.db.select().from(participantNotes).where(eq(participantNotes.participantId, created.json.id));
    expect(notes).toHaveLength(1);
  });

  it('a class the caller may not see cannot be corrected', async () => {
    const created = await t.request('POST', '/participants', { token: staff, body: another() });
    const response = await t.request('PATCH', `/participants/${created.json.id}`, { token: staff, body: { health: { overdoseRisk: 'low' } } });
    expect(response.status).toBe(422);
    expect(response.json.errors[0].path).toBe('body.health');
    const [row] = await t.db.select().from(participants).where(eq(participants.id, created.json.id));
    expect(row?.health).toEqual(person.health);
  });

  it('an out-of-scope correction is 404, audited, and changes nothing', async () => {
    const created = await t.request('POST', '/participants', { token: staff, body: another() });
    const response = await t.request('PATCH', `/participants/${created.json.id}`, { token: otherPrisonStaff, body: { contact: { address: 'Hijacked' } } });
    expect(response.status).toBe(404);
    const [row] = await t.db.select().from(participants).where(eq(participants.id, created.json.id));
    expect(row?.contact).toEqual(person.contact);
    expect(row?.version).toBe(1);
    const denials = (await auditRows()).filter((entry) => entry.action === 'participant.correct' && entry.subjectId === created.json.id);
    expect(denials).toEqual([expect.objectContaining({ outcome: 'denied' })]);
  });

  it('an empty correction is refused', async () => {
    const created = await t.request('POST', '/participants', { token: staff, body: another() });
    const response = await t.request('PATCH', `/participants/${created.json.id}`, { token: staff, body: {} });
    expect(response.status).toBe(422);
  });
});
