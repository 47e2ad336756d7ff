import fs from 'node:fs';
import path from 'node:path';
import { and, count, eq } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.js';
import { organisations, prisonUnits } from '../../db/schema.js';
import type { Actor } from '../auth/authenticator.js';
import { rolesValidForKind, type OrganisationKind } from '../domain.js';
import { createOrganisation, createUnit, type OrganisationRow } from '../organisations/service.js';
import { registerParticipant } from '../participants/service.js';
import { openCase, recordEvent } from '../cases/service.js';
import { recordConsent } from '../consents/service.js';
import { ensureAuditChains } from '../audit/audit.js';
import { addDays, localDateOf } from '../../protocols/time.js';

/** The demo region: Pavlodar, Kazakhstan, with one organisation of every kind. Names are fictional. */
const DEMO_REGION = 'KZ-PAV';

const DEMO_ORGANISATIONS = [
  { kind: 'coordinator', name: 'Pavlodar Regional Anti-Drug Commission', emails: ['commission@pavlodar.demo.invalid'] },
  { kind: 'prison', name: 'Pavlodar Correctional Colony No. 1', emails: ['colony1@pavlodar.demo.invalid'] },
  { kind: 'court', name: 'Pavlodar City Court No. 2', emails: ['court2@pavlodar.demo.invalid'] },
  { kind: 'probation', name: 'Pavlodar Probation Service', emails: ['probation@pavlodar.demo.invalid'] },
  { kind: 'treatment_provider', name: 'Pavlodar Regional Narcological Centre', emails: ['centre@pavlodar.demo.invalid'], certified: true },
  { kind: 'ngo', name: 'Shanyrak Recovery Support', emails: ['help@shanyrak.demo.invalid'], certified: true, locale: 'ru' },
  { kind: 'halfway_house', name: 'Umit Halfway House', emails: ['house@umit.demo.invalid'], certified: true, beds: 12 },
] as const satisfies readonly { kind: OrganisationKind; name: string; emails: string[]; certified?: boolean; beds?: number; locale?: string }[];

const DEMO_PARTICIPANTS = [
  { firstName: 'Arman', lastName: 'Demo-Seitkali', dateOfBirth: '1988-03-14', sex: 'male', nationalId: 'DEMO-880314' },
  { firstName: 'Dana', lastName: 'Demo-Nurlanova', dateOfBirth: '1993-11-02', sex: 'female', nationalId: 'DEMO-931102' },
  { firstName: 'Yerlan', lastName: 'Demo-Bekov', dateOfBirth: '1979-07-21', sex: 'male', nationalId: 'DEMO-790721' },
] as const;

/** A self-referral the coordinator registers: a rehabilitation certificate in progress. */
const DEMO_SELF_REFERRAL = { firstName: 'Madina', lastName: 'Demo-Omarova', dateOfBirth: '1996-05-09', sex: 'female', nationalId: 'DEMO-960509' } as const;

export type OrganisationMapEntry = { id: string; name: string; kind: OrganisationKind; region: string };

export async function isRegistryEmpty(db: Database): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(organisations);
  return (row?.n ?? 0) === 0;
}

/** Seeds the demo region (organisations, units, participants) in one transaction: all of it, or nothing. */
export async function seedDemo(db: Database, now: Date, nationalIdKey: Buffer): Promise<void> {
  await ensureAuditChains(db, now);
  const certifiedUntil = `${now.getUTCFullYear() + 2}-12-31`;
  const actorAt = (organisation: Actor['organisation'], roles: Actor['roles']): Actor => ({
    sub: 'demo-seed',
    name: 'Demo seed',
    organisation,
    roles,
    expiresAt: new Date(now.getTime() + 60_000),
  });
  const admin = actorAt({ id: '00000000-0000-0000-0000-000000000000', kind: 'coordinator', name: 'seed', country: 'KZ', region: DEMO_REGION }, ['admin']);
  await db.transaction(async (tx) => {
    const created = new Map<OrganisationKind, OrganisationRow>();
    for (const spec of DEMO_ORGANISATIONS) {
      const row = await createOrganisation(
        tx,
        admin,
        {
          kind: spec.kind,
          name: spec.name,
          country: 'KZ',
          region: DEMO_REGION,
          notificationEmails: [...spec.emails],
          locale: 'locale' in spec ? spec.locale : 'ru',
          ...('certified' in spec ? { certificationValidUntil: certifiedUntil } : {}),
          ...('beds' in spec ? { beds: spec.beds } : {}),
        },
        now,
      );
      created.set(spec.kind, row);
    }
    const prison = created.get('prison');
    if (!prison) throw new Error('demo prison missing');
    await createUnit(tx, admin, prison.id, { kind: 'atlantis', name: 'Atlantis Unit', places: 30 }, now);
    await createUnit(tx, admin, prison.id, { kind: 'clean_zone', name: 'Clean Zone Unit', places: 20 }, now);
    const prisonStaff = actorAt({ id: prison.id, kind: 'prison', name: prison.name, country: prison.country, region: prison.region }, ['prison_staff']);
    const people = [];
    for (const identity of DEMO_PARTICIPANTS) {
      people.push(
        await registerParticipant(tx, { actor: prisonStaff, now, requestId: 'demo-seed' }, nationalIdKey, {
          identity: { ...identity },
          contact: { address: 'Pavlodar (demo address)' },
          custody: { facilityOrganisationId: prison.id },
        }),
      );
    }
    // A few cases, so the work queues, the inbox and DATA_DIR/mail have something in them:
    // one person enrolled in the Atlantis unit, and one whose release is 40 days away with
    // no pathway started yet (that deadline is due at once).
    const facts = { actor: prisonStaff, now, requestId: 'demo-seed' };
    const [atlantis] = await tx
      .select()
      .from(prisonUnits)
      .where(and(eq(prisonUnits.organisationId, prison.id), eq(prisonUnits.kind, 'atlantis')));
    const today = localDateOf(now, prison.timeZone);
    const enrolment = await openCase(tx, facts, {
      protocol: 'unit-enrolment',
      participantId: people[0]!.id,
      parties: [],
      data: { unitId: atlantis!.id, expectedReleaseDate: addDays(today, 400) },
    });
    await recordEvent(tx, facts, enrolment.id, { type: 'SCREENED', data: { date: today, outcome: 'suitable' }, expectedVersion: 1 });
    await recordEvent(tx, facts, enrolment.id, { type: 'ADMITTED', data: { date: today, consentToTreatment: true, unitAgreementSigned: true }, expectedVersion: 2 });
    const probation = created.get('probation')!;
    await openCase(tx, facts, {
      protocol: 'pre-release',
      participantId: people[1]!.id,
      parties: [{ part: 'probation', organisationId: probation.id }],
      data: { releaseDate: addDays(today, 40) },
    });
    await seedCertificate(tx, { now, actorAt, created, today, nationalIdKey });
  });
}

/**
 * A rehabilitation certificate in progress (docs/DOMAIN.md §6): a self-referral the coordinator
 * assessed and certified, the person admitted to the centre they chose, one claim waiting for
 * the coordinator's decision.
 */
async function seedCertificate(
  tx: Executor,
  {
    now,
    actorAt,
    created,
    today,
    nationalIdKey,
  }: {
    now: Date;
    actorAt: (organisation: Actor['organisation'], roles: Actor['roles']) => Actor;
    created: Map<OrganisationKind, OrganisationRow>;
    today: string;
    nationalIdKey: Buffer;
  },
): Promise<void> {
  const at = (kind: OrganisationKind, role: Actor['roles'][number]) => {
    const row = created.get(kind)!;
    return { actor: actorAt({ id: row.id, kind, name: row.name, country: row.country, region: row.region }, [role]), now, requestId: 'demo-seed' };
  };
  const coordinator = at('coordinator', 'coordinator');
  const centre = at('treatment_provider', 'treatment_staff');
  const ngo = created.get('ngo')!;
  const person = await registerParticipant(tx, coordinator, nationalIdKey, {
    identity: { ...DEMO_SELF_REFERRAL },
    contact: { address: 'Pavlodar (demo address)' },
  });
  const consent = (organisationId: string, caseId?: string) =>
    recordConsent(tx, coordinator, person.id, {
      organisationId,
      dataClasses: ['identity', 'contact', 'health'],
      purpose: 'treatment',
      validFrom: today,
      validUntil: addDays(today, 365),
      signedMethod: 'written',
      witness: 'Demo coordinator',
      textVersion: 'v1',
      ...(caseId ? { caseId } : {}),
    });
  await consent(ngo.id);
  const opened = await openCase(tx, coordinator, {
    protocol: 'rehabilitation-certificate',
    participantId: person.id,
    parties: [],
    data: { source: 'self', referredOn: addDays(today, -45), ngoOrganisationId: ngo.id },
  });
  const centreId = created.get('treatment_provider')!.id;
  await consent(centreId, opened.id);
  const steps: [typeof coordinator, string, Record<string, unknown>][] = [
    [coordinator, 'DIAGNOSIS_RECORDED', { date: addDays(today, -44), summary: 'Motivated for treatment (demo)' }],
    [coordinator, 'PROGRAMME_PREPARED', { goals: 'Abstinence, housing, work (demo)', stages: ['detox', 'rehabilitation', 'resocialisation'], plannedDays: 180 }],
    [coordinator, 'CERTIFICATE_ISSUED', { number: 'DEMO-RC-001', value: 45_000_000, validUntil: addDays(today, 270) }],
    [coordinator, 'CENTRE_CHOSEN', { centreOrganisationId: centreId, choice: 'person' }],
    [coordinator, 'CONTRACT_SIGNED', { signedOn: addDays(today, -31), parties: { ngo: true, family: false } }],
    // Admitted 30 days ago; the pending claim bills those days up to yesterday (never a day before the admission or after today).
    [centre, 'ADMITTED', { date: addDays(today, -30) }],
    [centre, 'SERVICE_CLAIMED', { periodFrom: addDays(today, -30), periodTo: addDays(today, -1), amount: 7_500_000 }],
  ];
  for (const [index, [facts, type, data]] of steps.entries()) await recordEvent(tx, facts, opened.id, { type, data, expectedVersion: index + 1 });
}

/**
 * The organisation map `npm run token` reads: ids, names and kinds, so the CLI needs no
 * database connection and works while the service holds the embedded database.
 */
export async function writeOrganisationMap(db: Database, dir: string): Promise<OrganisationMapEntry[]> {
  const rows = await db.select({ id: organisations.id, name: organisations.name, kind: organisations.kind, region: organisations.region }).from(organisations);
  const entries = rows.map((row) => ({ ...row, kind: row.kind as OrganisationKind }));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'organisations.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(entries, null, 2));
  fs.renameSync(`${file}.tmp`, file);
  return entries;
}

export function firstRoleFor(kind: OrganisationKind): string {
  return rolesValidForKind(kind).find((role) => role !== 'auditor' && role !== 'admin') ?? 'admin';
}
