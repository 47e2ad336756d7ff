import { expect } from 'vitest';
import type { WebContext } from './web-context.js';

/**
 * A rehabilitation certificate (protocol 6) driven through the API to a stage, for the web tests:
 * the home region's coordinator owns it, its provider is the centre, its NGO (with a consent) the
 * patron. Each step is the API's, so the pages are checked against what the API holds.
 */
export async function certificateCase(web: WebContext, options: { name: string; upTo: 'referred' | 'programme_ready' | 'in_rehabilitation' }) {
  const { t, region } = web;
  const person = await t.request('POST', '/participants', {
    token: region.tokens.coordinator,
    body: { identity: { lastName: options.name, firstName: 'Арман', dateOfBirth: '1991-04-04' } },
  });
  expect(person.status, person.text).toBe(201);
  const { id, referenceCode } = person.json as { id: string; referenceCode: string };
  await region.consent(id, region.orgs.ngo, 'coordinator');
  const opened = await region.open('coordinator', 'rehabilitation-certificate', id, [], { source: 'self', referredOn: '2026-03-01', ngoOrganisationId: region.orgs.ngo.id });
  expect(opened.status, opened.text).toBe(201);
  const caseId = (opened.json as { id: string }).id;
  const send = async (by: 'coordinator' | 'provider', type: string, data: Record<string, unknown>) => {
    const sent = await region.send(by, caseId, type, data);
    expect(sent.status, `${type}: ${sent.text}`).toBe(201);
  };
  if (options.upTo !== 'referred') {
    await send('coordinator', 'DIAGNOSIS_RECORDED', { date: '2026-03-01', summary: 'Зависимость средней тяжести' });
    await send('coordinator', 'PROGRAMME_PREPARED', { goals: 'Трезвость и работа', stages: ['Детоксикация', 'Реабилитация', 'Ресоциализация'], plannedDays: 180 });
    // The person's informed consent, recorded with this case.
    await region.consent(id, region.orgs.provider, 'coordinator', { caseId, dataClasses: ['identity', 'health'], purpose: 'treatment' });
  }
  if (options.upTo === 'in_rehabilitation') {
    await send('coordinator', 'CERTIFICATE_ISSUED', { number: 'KZ-PAV-2026-0001', value: 50_000_000, validUntil: '2026-12-31' });
    await send('coordinator', 'CENTRE_CHOSEN', { centreOrganisationId: region.orgs.provider.id, choice: 'person' });
    await send('coordinator', 'CONTRACT_SIGNED', { signedOn: '2026-03-02', parties: { ngo: true, family: false } });
    await send('provider', 'ADMITTED', { date: '2026-03-01' });
  }
  return { personId: id, referenceCode, caseId };
}
