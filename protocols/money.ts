/**
 * An earmarked certificate's money (DOMAIN.md §6), as case data folded from the events in the
 * same transaction as each event: the certificate, and every claim against it with its status.
 * The balance is never kept apart: `summary` computes approved, pending and remaining from the
 * claims, so the figures cannot drift from them. Pure.
 */

type Data = Readonly<Record<string, unknown>>;

export type Claim = {
  /** The SERVICE_CLAIMED event's id. */
  id: string;
  centreOrganisationId: string | null;
  periodFrom: string;
  periodTo: string;
  amount: number;
  status: 'pending' | 'approved' | 'rejected';
  claimedAt: string;
  /** The day of the claim in the owner's time zone: the undecided-claim reminder counts from it. */
  claimedOn: string;
  decidedAt?: string;
  reason?: string;
};

export type Certificate = {
  number: string;
  value: number;
  currency: string;
  validUntil: string;
  issuedOn: string;
  approved: number;
  pending: number;
  remaining: number;
};

/** The currency of each country's certificates (minor units). */
export const COUNTRY_CURRENCY: Readonly<Record<string, string>> = { KZ: 'KZT', KG: 'KGS', UZ: 'UZS', TJ: 'TJS', TM: 'TMT' };

export const claimsOf = (data: Data): Claim[] => (Array.isArray(data.claims) ? (data.claims as Claim[]) : []);
export const certificateOf = (data: Data): Certificate | undefined => (data.certificate && typeof data.certificate === 'object' ? (data.certificate as Certificate) : undefined);

const total = (claims: readonly Claim[], status: Claim['status']) => claims.filter((claim) => claim.status === status).reduce((sum, claim) => sum + claim.amount, 0);

/** The certificate's figures after these claims: approved, pending, and what remains to claim (value − approved − pending). */
export function withSummary(certificate: Omit<Certificate, 'approved' | 'pending' | 'remaining'>, claims: readonly Claim[]): Certificate {
  const approved = total(claims, 'approved');
  const pending = total(claims, 'pending');
  return { ...certificate, approved, pending, remaining: certificate.value - approved - pending };
}

/** The money fields of the case data after the claims change: the list, the summary, and the oldest pending claim's day (the reminder's anchor). */
export function moneyData(data: Data, claims: Claim[]): Record<string, unknown> {
  const certificate = certificateOf(data);
  const pending = claims.filter((claim) => claim.status === 'pending').map((claim) => claim.claimedOn);
  return {
    claims,
    ...(certificate ? { certificate: withSummary(certificate, claims) } : {}),
    oldestPendingClaimOn: pending.sort()[0] ?? null,
  };
}

/** The days of a claimed period, inclusive; the case's own day (today in the owner's time zone) bounds it. */
export type ClaimPeriod = { periodFrom: string; periodTo: string };

/**
 * Why a centre may not claim this period, naming the field at fault, or `true`: the days start on or after
 * the admission to the current centre (`admittedOn`), end on or before the certificate's end and today, and
 * share no day with another pending or approved claim of the case (a rejected claim frees its days).
 * Adjacent periods (one ends the day before the other starts) are allowed.
 */
export function claimPeriodAllowed(data: Data, period: ClaimPeriod, today: string): true | { reason: string; path: keyof ClaimPeriod } {
  const admittedOn = typeof data.admittedOn === 'string' ? data.admittedOn : undefined;
  if (!admittedOn || period.periodFrom < admittedOn) {
    return { reason: `The period starts before the admission to this centre${admittedOn ? ` (${admittedOn})` : ''}.`, path: 'periodFrom' };
  }
  const validUntil = certificateOf(data)?.validUntil;
  if (!validUntil || period.periodTo > validUntil) return { reason: `The period ends after the certificate’s end (${validUntil ?? 'none issued'}).`, path: 'periodTo' };
  if (period.periodTo > today) return { reason: `The period ends in the future (today is ${today}).`, path: 'periodTo' };
  const billed = claimsOf(data).find((claim) => claim.status !== 'rejected' && claim.periodFrom <= period.periodTo && period.periodFrom <= claim.periodTo);
  return billed
    ? { reason: `The period shares days with the ${billed.status} claim for ${billed.periodFrom} to ${billed.periodTo}: a day is claimed once.`, path: 'periodFrom' }
    : true;
}
