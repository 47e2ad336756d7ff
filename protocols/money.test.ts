import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { facts, ORG, PENDING_CLAIM, snapshotFor, staff, WITH_PENDING_CLAIM } from '../tests/helpers/engine-fixtures.js';
import { decide, open } from './engine.js';
import { PROTOCOLS } from './index.js';
import type { CaseSnapshot } from './model.js';
import { claimsOf, certificateOf } from './money.js';
import { addDays } from './time.js';

/**
 * docs/DOMAIN.md §6: the certificate's money, decided by the engine alone. A claim never
 * exceeds the value less the approved and pending claims; a claim is decided once; the
 * figures are always the sums of the claims.
 */
const definition = PROTOCOLS['rehabilitation-certificate']!;
const NOW = new Date('2026-03-02T06:00:00Z');
const centre = staff(ORG.provider);
const coordinator = staff(ORG.coordinator);
const idOf = (n: number) => `40000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const claim = (amount: number, periodFrom = '2026-03-01', periodTo = '2026-03-02') => ({ periodFrom, periodTo, amount });

describe('rehabilitation-certificate: the money', () => {
  it('refuses a claim above the balance as a validation error on its amount, and takes one exactly at it', () => {
    const snapshot = snapshotFor(definition.id, 'in_rehabilitation', { data: WITH_PENDING_CLAIM });
    const above = decide(definition, snapshot, { type: 'SERVICE_CLAIMED', data: claim(60_001), id: idOf(1) }, centre, NOW);
    expect(above).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', guard: 'claimWithinBalance', errors: [{ path: 'data.amount' }] });
    const exact = decide(definition, snapshot, { type: 'SERVICE_CLAIMED', data: claim(60_000), id: idOf(1) }, centre, NOW);
    expect(exact.ok && exact.next.data.certificate).toMatchObject({ value: 100_000, pending: 100_000, remaining: 0 });
    expect(exact.ok && claimsOf(exact.next.data).at(-1)).toMatchObject({ id: idOf(1), status: 'pending', centreOrganisationId: ORG.provider, claimedOn: '2026-03-02' });
    expect(exact.ok && exact.next.data.oldestPendingClaimOn).toBe('2026-03-01');
  });

  it('decides a pending claim once; an unknown claim is a validation error; a rejection needs a reason', () => {
    const snapshot = snapshotFor(definition.id, 'in_rehabilitation', { data: WITH_PENDING_CLAIM });
    const unknown = decide(definition, snapshot, { type: 'CLAIM_DECIDED', data: { claimId: idOf(9), decision: 'approved' } }, coordinator, NOW);
    expect(unknown).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', errors: [{ path: 'data.claimId' }] });
    const noReason = decide(definition, snapshot, { type: 'CLAIM_DECIDED', data: { claimId: PENDING_CLAIM.id, decision: 'rejected' } }, coordinator, NOW);
    expect(noReason).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', errors: [{ path: 'data.reason' }] });
    const approved = decide(definition, snapshot, { type: 'CLAIM_DECIDED', data: { claimId: PENDING_CLAIM.id, decision: 'approved' } }, coordinator, NOW);
    if (!approved.ok) throw new Error(approved.reason);
    expect(approved.next.data.certificate).toMatchObject({ approved: 40_000, pending: 0, remaining: 60_000 });
    expect(approved.next.data.oldestPendingClaimOn).toBeNull();
    expect(approved.deadlines.void).toContain('claim_undecided');
    const twice = decide(
      definition,
      { ...approved.next, facts: snapshot.facts },
      { type: 'CLAIM_DECIDED', data: { claimId: PENDING_CLAIM.id, decision: 'rejected', reason: 'No' } },
      coordinator,
      NOW,
    );
    expect(twice).toMatchObject({ ok: false, code: 'EVENT_NOT_ALLOWED', guard: 'claimPending' });
  });

  it('refuses completion and drop-out while a claim pends; expiry lapses it as rejected', () => {
    const snapshot = snapshotFor(definition.id, 'in_rehabilitation', { data: WITH_PENDING_CLAIM });
    expect(decide(definition, snapshot, { type: 'COMPLETED', data: { date: '2026-03-02' } }, centre, NOW)).toMatchObject({ ok: false, guard: 'noPendingClaims' });
    expect(decide(definition, snapshot, { type: 'DROPPED_OUT', data: { date: '2026-03-02', reason: 'Left' } }, coordinator, NOW)).toMatchObject({
      ok: false,
      guard: 'noPendingClaims',
    });
    const expired = decide(definition, snapshot, { type: 'CERTIFICATE_EXPIRED', data: {} }, { kind: 'system' }, NOW);
    expect(expired.ok && expired.next.data.claims).toEqual([expect.objectContaining({ status: 'rejected', reason: 'The certificate expired' })]);
    expect(expired.ok && expired.next.data.certificate).toMatchObject({ approved: 0, pending: 0, remaining: 100_000 });
  });

  it('keeps approved + pending + remaining = value and never a negative balance, whatever claims and decisions come in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.oneof(fc.record({ claim: fc.integer({ min: 1, max: 600_000 }) }), fc.record({ decide: fc.nat(), approve: fc.boolean() })), { maxLength: 30 }),
        (value, steps) => {
          const certificate = { number: 'RC-P', value, currency: 'KZT', validUntil: '2026-12-31', issuedOn: '2026-03-01', approved: 0, pending: 0, remaining: value };
          let snapshot: CaseSnapshot = snapshotFor(definition.id, 'in_rehabilitation', { data: { certificate, claims: [], oldestPendingClaimOn: null } });
          steps.forEach((step, index) => {
            const pending = claimsOf(snapshot.data).filter((candidate) => candidate.status === 'pending');
            const decision =
              'claim' in step
                ? decide(
                    definition,
                    snapshot,
                    { type: 'SERVICE_CLAIMED', data: claim(step.claim, addDays('2026-02-01', index), addDays('2026-02-01', index)), id: idOf(index) },
                    centre,
                    NOW,
                  )
                : decide(
                    definition,
                    snapshot,
                    {
                      type: 'CLAIM_DECIDED',
                      data: { claimId: pending[step.decide % Math.max(1, pending.length)]?.id ?? idOf(999), decision: step.approve ? 'approved' : 'rejected', reason: 'r' },
                    },
                    coordinator,
                    NOW,
                  );
            if ('claim' in step) expect(decision.ok).toBe(step.claim <= certificateOf(snapshot.data)!.remaining);
            if (decision.ok) snapshot = { ...decision.next, facts: snapshot.facts };
            const figures = certificateOf(snapshot.data)!;
            expect(figures.approved + figures.pending + figures.remaining).toBe(value);
            expect(figures.remaining).toBeGreaterThanOrEqual(0);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a period that bills a day twice, starts before the admission, ends after the certificate or after today; adjacent periods pass', () => {
    // The fixture's person was admitted on 2026-02-01; the certificate ends 2026-12-31; NOW is 2026-03-02 in Almaty.
    const approved = { ...PENDING_CLAIM, id: idOf(20), periodFrom: '2026-02-10', periodTo: '2026-02-14', status: 'approved' };
    const rejected = { ...PENDING_CLAIM, id: idOf(21), periodFrom: '2026-02-20', periodTo: '2026-02-25', status: 'rejected', reason: 'No' };
    const pending = { ...PENDING_CLAIM, periodFrom: '2026-02-01', periodTo: '2026-02-09' };
    const snapshot = snapshotFor(definition.id, 'in_rehabilitation', { data: { ...WITH_PENDING_CLAIM, claims: [pending, approved, rejected] } });
    const period = (periodFrom: string, periodTo: string) =>
      decide(definition, snapshot, { type: 'SERVICE_CLAIMED', data: claim(1, periodFrom, periodTo), id: idOf(30) }, centre, NOW);
    const refused = (path: string, reason: RegExp) => ({
      ok: false,
      code: 'VALIDATION_FAILED',
      guard: 'claimPeriodAllowed',
      reason: expect.stringMatching(reason),
      errors: [{ path }],
    });
    // One shared day with the pending claim (its last day) or the approved one (its first or last day) is refused, naming the claim's period, not the person.
    expect(period('2026-02-09', '2026-02-09')).toMatchObject(refused('data.periodFrom', /pending claim for 2026-02-01 to 2026-02-09/));
    expect(period('2026-02-05', '2026-02-10')).toMatchObject(refused('data.periodFrom', /claim for 2026-02-01 to 2026-02-09/));
    expect(period('2026-02-14', '2026-02-15')).toMatchObject(refused('data.periodFrom', /approved claim for 2026-02-10 to 2026-02-14/));
    expect(period('2026-02-11', '2026-02-12')).toMatchObject(refused('data.periodFrom', /approved claim/));
    expect(period('2026-01-01', '2026-03-01')).toMatchObject({ ok: false, guard: 'claimPeriodAllowed' });
    // Adjacent periods pass: the day after the approved claim, and the days of a rejected claim are free again.
    expect(period('2026-02-15', '2026-02-15')).toMatchObject({ ok: true });
    expect(period('2026-02-20', '2026-02-25')).toMatchObject({ ok: true });
    // Before the admission to the current centre: refused on periodFrom; the admission day itself passes.
    expect(period('2026-01-31', '2026-01-31')).toMatchObject(refused('data.periodFrom', /before the admission to this centre \(2026-02-01\)/));
    const readmitted = { ...snapshot, data: { ...snapshot.data, claims: [], admittedOn: '2026-03-01' } };
    const afterMove = (periodFrom: string) => decide(definition, readmitted, { type: 'SERVICE_CLAIMED', data: claim(1, periodFrom, '2026-03-01'), id: idOf(31) }, centre, NOW);
    expect(afterMove('2026-02-28')).toMatchObject(refused('data.periodFrom', /admission/));
    expect(afterMove('2026-03-01')).toMatchObject({ ok: true });
    // Ending after today in the owner's time zone (NOW is 2026-03-02 in Almaty) is refused on periodTo; today itself passes.
    expect(period('2026-03-01', '2026-03-03')).toMatchObject(refused('data.periodTo', /future/));
    expect(period('2026-03-02', '2026-03-02')).toMatchObject({ ok: true });
    const lateEvening = new Date('2026-03-02T19:30:00Z'); // already 2026-03-03 in Almaty
    expect(decide(definition, snapshot, { type: 'SERVICE_CLAIMED', data: claim(1, '2026-03-03', '2026-03-03'), id: idOf(32) }, centre, lateEvening)).toMatchObject({ ok: true });
    // Ending after the certificate's end is refused on periodTo; its last day passes.
    const ending = { ...snapshot, data: { ...snapshot.data, certificate: { ...WITH_PENDING_CLAIM.certificate, validUntil: '2026-02-28' } } };
    const byEnd = (periodTo: string) => decide(definition, ending, { type: 'SERVICE_CLAIMED', data: claim(1, '2026-02-26', periodTo), id: idOf(33) }, centre, NOW);
    expect(byEnd('2026-03-01')).toMatchObject(refused('data.periodTo', /certificate’s end \(2026-02-28\)/));
    expect(byEnd('2026-02-28')).toMatchObject({ ok: true });
  });

  it('fills the referrer and NGO parts from the opening data, and refuses one named twice differently', () => {
    const opened = open(
      definition,
      {
        ownerOrganisationId: ORG.coordinator,
        parties: [],
        data: { source: 'court', referredOn: '2026-03-01', referrerOrganisationId: ORG.court, ngoOrganisationId: ORG.ngo },
        facts: facts(),
      },
      coordinator,
      NOW,
    );
    expect(opened.ok && opened.snapshot.parties).toEqual([
      { part: 'coordinator', organisationId: ORG.coordinator },
      { part: 'ngo', organisationId: ORG.ngo },
      { part: 'referrer', organisationId: ORG.court },
    ]);
    const twice = open(
      definition,
      {
        ownerOrganisationId: ORG.coordinator,
        parties: [{ part: 'ngo', organisationId: ORG.ngo2 }],
        data: { source: 'ngo', referredOn: '2026-03-01', ngoOrganisationId: ORG.ngo },
        facts: facts(),
      },
      coordinator,
      NOW,
    );
    expect(twice).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', errors: [{ path: 'data.ngoOrganisationId' }] });
    // An NGO without a consent naming it cannot be named; a prison's staff cannot open the case.
    const noConsent = open(
      definition,
      {
        ownerOrganisationId: ORG.coordinator,
        parties: [],
        data: { source: 'self', referredOn: '2026-03-01', ngoOrganisationId: ORG.ngo },
        facts: facts({ consentedOrganisations: new Set() }),
      },
      coordinator,
      NOW,
    );
    expect(noConsent).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    expect(
      open(definition, { ownerOrganisationId: ORG.prison, parties: [], data: { source: 'self', referredOn: '2026-03-01' }, facts: facts() }, staff(ORG.prison), NOW),
    ).toMatchObject({
      ok: false,
      code: 'EVENT_NOT_ALLOWED',
    });
  });

  it('accepts as the person’s centre only a certified treatment provider other than the current one', () => {
    const snapshot = snapshotFor(definition.id, 'in_rehabilitation');
    const change = (centreOrganisationId: string, overrides: Parameters<typeof facts>[0] = {}) =>
      decide(definition, { ...snapshot, facts: facts(overrides) }, { type: 'CENTRE_CHANGED', data: { centreOrganisationId, reason: 'Moved' } }, coordinator, NOW);
    expect(change(ORG.provider)).toMatchObject({ ok: false, guard: 'centreCertified', errors: [{ path: 'data.centreOrganisationId' }] });
    expect(change(ORG.house)).toMatchObject({ ok: false, guard: 'centreCertified' });
    expect(change(ORG.provider2, { organisations: { ...facts().organisations, [ORG.provider2]: { kind: 'treatment_provider', certified: false } } })).toMatchObject({
      ok: false,
      guard: 'centreCertified',
    });
    const moved = change(ORG.provider2);
    expect(moved.ok && moved.next.parties).toContainEqual({ part: 'centre', organisationId: ORG.provider2 });
    expect(moved.ok && moved.next.data.certificate).toEqual(snapshot.data.certificate);
  });
});
