import type { ApiClient } from './api.js';
import type { OrganisationOption } from './forms.js';
import { formatWhen, type Lang, type Translate } from './i18n.js';
import type { Viewer } from './layout.js';
import type { CaseItem, OrganisationItem, Page } from './shapes.js';

/**
 * Protocol 6, `rehabilitation-certificate` (issue 19), in the workspace: the certificate's money
 * as people read it, the amounts they type turned into the minor units the API keeps, and the
 * centres the person may choose from. The API computes the account from the events and decides
 * every event; this only presents and prepares.
 */
export const CERTIFICATE_PROTOCOL = 'rehabilitation-certificate';

/** The account GET /cases/:id carries for the coordinator and the centre (amounts in minor units). */
export type CertificateAccount = { number: string; value: number; currency: string; validUntil: string; approved: number; pending: number; remaining: number };
export type Claim = {
  id: string;
  periodFrom: string;
  periodTo: string;
  amount: number;
  status: 'pending' | 'approved' | 'rejected';
  claimedAt: string;
  decidedAt?: string | null | undefined;
  reason?: string | null | undefined;
};
export type CertificateMoney = { certificate: CertificateAccount; claims: Claim[] };

/** The case data the account is kept in, shown by the account section rather than as plain details. */
export const MONEY_DATA = ['certificate', 'claims', 'oldestPendingClaimOn'] as const;

/**
 * The account and claims, where the API shows them to the reader: the case data's `certificate`
 * and `claims` (class compliance: the coordinator and the centre), computed from the events.
 */
export function moneyOf(item: CaseItem): CertificateMoney | undefined {
  if (item.protocol !== CERTIFICATE_PROTOCOL) return undefined;
  const { certificate, claims } = item.data as { certificate?: CertificateAccount | null; claims?: Claim[] | null };
  return certificate && typeof certificate === 'object' ? { certificate, claims: Array.isArray(claims) ? claims : [] } : undefined;
}

/** A claim as people name it (never by its id): its period and amount. */
export const claimName = (claim: Claim, currency: string, lang: Lang, t: Translate) =>
  t('web.cert.claimName', { from: formatWhen(claim.periodFrom, lang, 'UTC'), to: formatWhen(claim.periodTo, lang, 'UTC'), amount: formatMoney(claim.amount, currency, lang) });

/** A claim's totals by status, and everything claimed. */
export function claimTotals(claims: readonly Claim[]) {
  const sum = (status?: Claim['status']) => claims.filter((claim) => !status || claim.status === status).reduce((total, claim) => total + claim.amount, 0);
  return { claimed: sum(), approved: sum('approved'), rejected: sum('rejected'), pending: sum('pending') };
}

/** The currency a country's certificates are issued in (the protocol's default). */
export const COUNTRY_CURRENCY: Readonly<Record<string, string>> = { KZ: 'KZT', KG: 'KGS', UZ: 'UZS', TJ: 'TJS', TM: 'TMT' };

const numberLocale = (lang: Lang) => (lang === 'ru' ? 'ru-RU' : 'en-GB');

/** How many minor units a currency's unit has, as 10 to this power (ISO 4217, from Intl). */
export const minorDigits = (currency: string) => new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

/** An amount in minor units as the reader writes money: `1 500,00 ₸` in Russian, `KZT 1,500.00` in English. */
export function formatMoney(minor: number, currency: string, lang: Lang): string {
  const digits = minorDigits(currency);
  return new Intl.NumberFormat(numberLocale(lang), { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(minor / 10 ** digits);
}

/**
 * An amount typed in the currency's unit (`1500`, `1500.5`, `1 500,50`) as minor units, in
 * whole numbers only; undefined when it is not an amount (the form goes to the API as typed,
 * and the API refuses it).
 */
export function toMinor(typed: string, currency: string): number | undefined {
  const cleaned = typed.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(cleaned);
  const digits = minorDigits(currency);
  if (!match || (match[2] ?? '').length > digits) return undefined;
  return Number(`${match[1]}${(match[2] ?? '').padEnd(digits, '0')}`);
}

/** The events whose one money field is typed in the currency's unit, not in minor units. */
const MONEY_FIELDS: Readonly<Record<string, string>> = { CERTIFICATE_ISSUED: 'value', SERVICE_CLAIMED: 'amount' };

/** The currency an event's money is in: the certificate's, or for the certificate itself the one chosen (else the country's). */
function currencyOf(item: CaseItem, event: string, viewer: Viewer, chosen: string | undefined): string {
  const account = moneyOf(item)?.certificate;
  if (event !== 'CERTIFICATE_ISSUED' && account) return account.currency;
  return chosen && /^[A-Z]{3}$/.test(chosen) ? chosen : (COUNTRY_CURRENCY[viewer.organisation.country] ?? 'KZT');
}

/** The money field of an event's form and its currency, for the form to ask for units, not minor units. */
export function moneyField(item: CaseItem, event: string, viewer: Viewer): Record<string, string> | undefined {
  const field = item.protocol === CERTIFICATE_PROTOCOL ? MONEY_FIELDS[event] : undefined;
  return field ? { [field]: currencyOf(item, event, viewer, undefined) } : undefined;
}

/** A posted event form with its amount in minor units, as the API takes it (other forms unchanged). */
export function minorUnitsForm(item: CaseItem, event: string, viewer: Viewer, form: Record<string, string>): Record<string, string> {
  const field = item.protocol === CERTIFICATE_PROTOCOL ? MONEY_FIELDS[event] : undefined;
  const typed = field ? form[`data.${field}`] : undefined;
  if (!field || typed === undefined) return form;
  const minor = toMinor(typed, currencyOf(item, event, viewer, form['data.currency']));
  return minor === undefined ? form : { ...form, [`data.${field}`]: String(minor) };
}

/** The centre pickers of the protocol: the person chooses, among treatment centres certified today. */
export const CENTRE_EVENTS = ['CENTRE_CHOSEN', 'CENTRE_CHANGED'] as const;

export type PickerGroup = { label: string; options: OrganisationOption[] };
export type Centres = { day: string; region: string; items: OrganisationItem[] };

/** Today's date in a time zone, YYYY-MM-DD. */
export const localDay = (now: Date, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);

/** The treatment centres certified on `day`, the person's region first (GET /organisations with `certifiedOn` and `regionFirst`). */
export async function loadCentres(api: ApiClient, item: CaseItem, region: string, day: string): Promise<Centres | undefined> {
  if (item.protocol !== CERTIFICATE_PROTOCOL || !CENTRE_EVENTS.some((event) => item.allowedEvents.includes(event))) return undefined;
  const query = `certifiedOn=${day}&kind=treatment_provider${region ? `&regionFirst=${encodeURIComponent(region)}` : ''}&limit=200`;
  return { day, region, items: (await api.maybe<Page<OrganisationItem>>(`/organisations?${query}`))?.items ?? [] };
}

/** The picker's groups (`except` the current centre): the person's region, then the rest of its country, then other countries; by name in each. */
export function centreGroups(centres: Centres, t: Translate, except?: string): PickerGroup[] {
  // A region code is its country's code and a subdivision (ISO 3166-2: KZ-PAV).
  const country = centres.region.split('-')[0];
  const sorted = centres.items.filter((org) => org.id !== except).sort((a, b) => a.name.localeCompare(b.name));
  const option = (org: OrganisationItem): OrganisationOption => ({ id: org.id, name: org.name, kind: org.kind });
  const groups: PickerGroup[] = [
    { label: t('web.cert.group.region'), options: sorted.filter((org) => org.region === centres.region).map(option) },
    { label: t('web.cert.group.country'), options: sorted.filter((org) => org.region !== centres.region && org.country === country).map(option) },
    { label: t('web.cert.group.elsewhere'), options: sorted.filter((org) => org.country !== country).map(option) },
  ];
  return groups.filter((group) => group.options.length > 0);
}
