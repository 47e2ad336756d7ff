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
