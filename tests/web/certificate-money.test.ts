import { describe, expect, it } from 'vitest';
import { centreGroups, claimTotals, formatMoney, minorUnitsForm, moneyOf, toMinor, type Claim } from '../../src/web/certificate.js';
import { SchemaFields } from '../../src/web/forms.js';
import { translator } from '../../src/web/i18n.js';
import type { Viewer } from '../../src/web/layout.js';
import type { CaseItem, OrganisationItem } from '../../src/web/shapes.js';

/**
 * The certificate's money in the workspace (issue 19 item 6): amounts kept in minor units are
 * shown in the reader's language with their currency, amounts typed in the currency's unit go to
 * the API in minor units, and the person's choice of centre lists the person's region first.
 */
const NBSP = /[\u00a0\u202f]/g;

describe('certificate money in the workspace', () => {
  it('formats minor units with the currency, in Russian and English', () => {
    expect(formatMoney(150_000_050, 'KZT', 'ru').replace(NBSP, ' ')).toBe('1 500 000,50 KZT');
    expect(formatMoney(150_000_050, 'KZT', 'en').replace(NBSP, ' ')).toBe('KZT 1,500,000.50');
    expect(formatMoney(0, 'KGS', 'en').replace(NBSP, ' ')).toBe('KGS 0.00');
    expect(formatMoney(7, 'UZS', 'ru').replace(NBSP, ' ')).toBe('0,07 UZS');
  });

  it('reads an amount typed in the currency’s unit as minor units, and nothing that is not an amount', () => {
    expect(toMinor('1500', 'KZT')).toBe(150_000);
    expect(toMinor('1 500,5', 'KZT')).toBe(150_050);
    expect(toMinor('1500.05', 'TJS')).toBe(150_005);
    expect(toMinor('0.07', 'TMT')).toBe(7);
    for (const wrong of ['', 'abc', '1500.555', '-5', '1e5', '15,00,0']) expect(toMinor(wrong, 'KZT'), wrong).toBeUndefined();
  });

  const viewer = { organisation: { country: 'KG', region: 'KG-C' } } as unknown as Viewer;
  const item = (extra: Record<string, unknown> = {}) => ({ protocol: 'rehabilitation-certificate', allowedEvents: [], data: {}, ...extra }) as unknown as CaseItem;

  it('posts a claim’s amount in the certificate’s minor units, and the certificate’s value in its chosen currency', () => {
    const certified = item({
      data: { certificate: { number: 'C-1', value: 100_000, currency: 'KZT', validUntil: '2027-01-01', approved: 0, pending: 0, remaining: 100_000 }, claims: [] },
    });
    expect(minorUnitsForm(certified, 'SERVICE_CLAIMED', viewer, { 'data.amount': '250.10', 'data.note': 'x' })).toEqual({ 'data.amount': '25010', 'data.note': 'x' });
    expect(minorUnitsForm(item(), 'CERTIFICATE_ISSUED', viewer, { 'data.value': '1000', 'data.currency': '' })).toEqual({ 'data.value': '100000', 'data.currency': '' });
    // Not an amount: sent as typed, for the API to refuse.
    expect(minorUnitsForm(certified, 'SERVICE_CLAIMED', viewer, { 'data.amount': 'lots' })).toEqual({ 'data.amount': 'lots' });
    // Another protocol's forms are untouched.
    expect(minorUnitsForm(item({ protocol: 'patronage' }), 'SERVICE_CLAIMED', viewer, { 'data.amount': '1.5' })).toEqual({ 'data.amount': '1.5' });
  });

  it('shows the account only where the API gives one, and adds up the claims by status', () => {
    expect(moneyOf(item())).toBeUndefined();
    const claims: Claim[] = [
      { id: 'a', periodFrom: '2026-03-01', periodTo: '2026-03-31', amount: 300, status: 'approved', claimedAt: '2026-04-01T00:00:00Z' },
      { id: 'b', periodFrom: '2026-04-01', periodTo: '2026-04-30', amount: 200, status: 'rejected', claimedAt: '2026-05-01T00:00:00Z', reason: 'x' },
      { id: 'c', periodFrom: '2026-05-01', periodTo: '2026-05-31', amount: 100, status: 'pending', claimedAt: '2026-06-01T00:00:00Z' },
    ];
    expect(claimTotals(claims)).toEqual({ claimed: 600, approved: 300, rejected: 200, pending: 100 });
  });

  it('offers the centres the person may choose from: the person’s region first, then the country, then other countries', () => {
    const org = (name: string, region: string) => ({ id: name, name, kind: 'treatment_provider', region, country: region.slice(0, 2) }) as OrganisationItem;
    const groups = centreGroups(
      { day: '2026-03-02', region: 'KZ-PAV', items: [org('Zeta', 'KZ-KAR'), org('Beta', 'KZ-PAV'), org('Alpha', 'KZ-PAV'), org('Chuy', 'KG-C')] },
      translator('ru'),
    );
    expect(groups.map((group) => [group.label, group.options.map((option) => option.name)])).toEqual([
      ['Регион человека', ['Alpha', 'Beta']],
      ['Другие регионы страны', ['Zeta']],
      ['Другие страны', ['Chuy']],
    ]);
    const html = String(
      SchemaFields({
        prefix: 'ev',
        lang: 'en',
        organisations: [{ id: 'everyone', name: 'Everyone', kind: 'court' }],
        pickers: { centreOrganisationId: groups },
        money: { amount: 'KZT' },
        schema: {
          type: 'object',
          required: ['centreOrganisationId', 'choice', 'amount'],
          properties: { centreOrganisationId: { type: 'string', format: 'uuid' }, choice: { type: 'string', const: 'person' }, amount: { type: 'integer' } },
        },
      }),
    );
    expect(html).toContain('<optgroup label="Регион человека"><option value="Alpha">Alpha</option>');
    expect(html).not.toContain('Everyone');
    // The choice is the person's, made already; the amount is typed in tenge, to the tiyn.
    expect(html).toMatch(/<option value="person" selected="">[^<]+<\/option><\/select>/);
    expect(html).toContain('step="0.01"');
    expect(html).toContain('(KZT)</label>');
  });
});
