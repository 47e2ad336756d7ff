/** The API's response shapes, as far as the pages read them (the OpenAPI document is the full truth). */
export type CaseItem = {
  id: string;
  protocol: string;
  participant: { id: string; referenceCode: string };
  ownerOrganisationId: string;
  state: string;
  final: boolean;
  parties: { part: string; organisationId: string }[];
  data: Record<string, unknown>;
  dataWithheld: boolean;
  disclosed: { dataClass: string; basis: string }[];
  version: number;
  openedAt: string;
  yourParts: string[];
  allowedEvents: string[];
};
export type HistoryItem = { id: string; version: number; type: string; data: Record<string, unknown>; dataWithheld: boolean; part: string; organisationId: string | null; toState: string; observation: boolean; at: string };
export type DeadlineItem = { id: string; caseId: string | null; protocol: string | null; participantReference: string; rule: string; kind: string; title: { en: string; ru: string }; dueAt: string; overdue: boolean };
export type NotificationItem = { id: string; rule: string; kind: string; caseId: string | null; participantReference: string; subject: string; text: string; link: string | null; createdAt: string; readAt: string | null };
export type OrganisationItem = { id: string; kind: string; name: string; region: string; certificationValidUntil: string | null; certified: boolean | null; timeZone: string; locale: string };
export type Page<T> = { items: T[]; nextCursor: string | null };
export type Occupancy =
  | { kind: 'prison'; units: { unitId: string; name: string; kind: string; places: number; used: number; reserved: number; free: number; waiting: number }[] }
  | { kind: 'halfway_house'; beds: number; used: number; reserved: number; free: number; waiting: number };
