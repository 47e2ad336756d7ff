import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../db/schema.js';
import { certificateCase } from './certificate-world.js';
import { createWebContext, fetchSession, type WebContext } from './web-context.js';

/**
 * Issue 19 item 6, out of scope: a rehabilitation certificate's case page and its statement
 * (`/app/cases/:id/statement`) are for its coordinator and its centre. Another region's
 * coordinator and a centre that is not the case's get the page's 404 for both, audited as the
 * API audits an out-of-scope read; the case's NGO reads the case but not the account, and gets
 * 404 for the statement, audited too. Nothing of the account reaches any of them.
 */
let web: WebContext;
let certificate: Awaited<ReturnType<typeof certificateCase>>;
beforeAll(async () => {
  web = await createWebContext();
  certificate = await certificateCase(web, { name: 'Сертова', upTo: 'in_rehabilitation' });
  const claim = await web.region.send('provider', certificate.caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-02', periodTo: '2026-03-02', amount: 1_234_500 });
  expect(claim.status, claim.text).toBe(201);
}, 120_000);
afterAll(async () => web?.close());

const denials = (caseId: string, organisationId: string) =>
  web.t.db
    .select({ action: auditEvents.action })
    .from(auditEvents)
    .where(and(eq(auditEvents.subjectId, caseId), eq(auditEvents.organisationId, organisationId), eq(auditEvents.outcome, 'denied')));

describe('a rehabilitation certificate’s pages, out of scope', () => {
  it('shows the coordinator and the centre the account and the statement', async () => {
    for (const [org, role] of [
      [web.region.orgs.coordinator, 'coordinator'],
      [web.region.orgs.provider, 'treatment_staff'],
    ] as const) {
      const session = await fetchSession(web.base, org.id, role);
      const page = await session.request(`/app/cases/${certificate.caseId}`);
      expect(page.status, role).toBe(200);
      expect(page.text).toContain('KZ-PAV-2026-0001');
      expect(page.text).toMatch(/12\s345,00\sKZT/);
      const statement = await session.request(`/app/cases/${certificate.caseId}/statement`);
      expect(statement.status, role).toBe(200);
      expect(statement.text).toMatch(/487\s655,00\sKZT/); // 500 000,00 less the pending 12 345,00
    }
  });

  it('offers the coordinator a change of centre among centres certified today only, the person’s region first, the current one left out', async () => {
    const lapsed = await web.t.organisation('treatment_provider', {
      region: 'KZ-PAV',
      country: 'KZ',
      name: 'Центр с истёкшей аккредитацией',
      certificationValidUntil: '2026-03-01',
    });
    const other = await web.t.organisation('treatment_provider', { region: 'KZ-PAV', country: 'KZ', name: 'Другой центр' });
    const session = await fetchSession(web.base, web.region.orgs.coordinator.id, 'coordinator');
    const page = await session.request(`/app/cases/${certificate.caseId}`);
    const picker = /<select id="ev-centre_changed-centreOrganisationId"[^>]*>([\s\S]*?)<\/select>/.exec(page.text)?.[1] ?? '';
    const groups = [...picker.matchAll(/<optgroup label="([^"]+)">/g)].map((match) => match[1]);
    expect(groups).toEqual(['Регион человека', 'Другие регионы страны', 'Другие страны']);
    expect(picker).toContain(`value="${other.id}"`);
    expect(picker).not.toContain(web.region.orgs.provider.id); // the person's current centre
    expect(picker).toContain(`value="${web.region.decoys[1]!.orgs.provider.id}"`);
    expect(picker).not.toContain(lapsed.id);
    expect(picker).not.toContain(web.region.orgs.ngo.id);
  });

  it('answers 404 to another region’s coordinator and a centre that is not the case’s, for the case and the statement, audited', async () => {
    const stranger = await web.t.organisation('treatment_provider', { region: 'KZ-PAV', country: 'KZ', name: 'Чужой центр' });
    for (const [org, role] of [
      [web.region.decoys[0]!.orgs.coordinator, 'coordinator'],
      [web.region.decoys[1]!.orgs.coordinator, 'coordinator'],
      [stranger, 'treatment_staff'],
    ] as const) {
      const session = await fetchSession(web.base, org.id, role);
      for (const path of [`/app/cases/${certificate.caseId}`, `/app/cases/${certificate.caseId}/statement`]) {
        const page = await session.request(path);
        expect(page.status, `${org.name} ${path}`).toBe(404);
        expect(page.text).not.toContain('KZ-PAV-2026-0001');
        expect(page.text).not.toMatch(/12\s345,00/);
      }
      expect((await denials(certificate.caseId, org.id)).length, org.name).toBeGreaterThanOrEqual(2);
    }
  });

  it('answers 404 to the case’s NGO for the statement, audited as case.statement, though it reads the case', async () => {
    const session = await fetchSession(web.base, web.region.orgs.ngo.id, 'ngo_worker');
    expect((await session.request(`/app/cases/${certificate.caseId}`)).status).toBe(200);
    const statement = await session.request(`/app/cases/${certificate.caseId}/statement`);
    expect(statement.status).toBe(404);
    expect(statement.text).not.toContain('KZ-PAV-2026-0001');
    expect(await denials(certificate.caseId, web.region.orgs.ngo.id)).toEqual([{ action: 'case.statement' }]);
  });

  it('answers 404 for a statement of a case that is not a certificate, or of an id that is not one', async () => {
    const session = await fetchSession(web.base, web.region.orgs.coordinator.id, 'coordinator');
    const other = await certificateCase(web, { name: 'Безсертова', upTo: 'referred' });
    expect((await session.request(`/app/cases/${other.caseId}/statement`)).status).toBe(404); // no certificate issued yet
    expect((await session.request('/app/cases/not-an-id/statement')).status).toBe(404);
  });
});
