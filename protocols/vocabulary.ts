/**
 * The words the protocols are written in (DOMAIN.md): organisation kinds, roles, data
 * classes, and the halfway house's default stay. src/domain.ts re-exports them with the
 * rest of the service's vocabulary; the protocols import nothing from src/.
 */
export const ORGANISATION_KINDS = ['prison', 'court', 'probation', 'treatment_provider', 'ngo', 'halfway_house', 'coordinator'] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export const ROLES = ['prison_staff', 'judge', 'probation_officer', 'treatment_staff', 'ngo_worker', 'halfway_house_staff', 'coordinator', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The operational role of each organisation kind: the role that sends the kind's events, and
 * the only kind at which that role is valid (`auditor` and `admin` are valid at any kind).
 */
export const ROLE_FOR_KIND: Readonly<Record<OrganisationKind, Role>> = {
  prison: 'prison_staff',
  court: 'judge',
  probation: 'probation_officer',
  treatment_provider: 'treatment_staff',
  ngo: 'ngo_worker',
  halfway_house: 'halfway_house_staff',
  coordinator: 'coordinator',
};

export const DATA_CLASSES = ['identity', 'contact', 'custody', 'legal', 'compliance', 'health', 'social', 'notes'] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/** A halfway house's default maximum stay: 24 weeks. */
export const DEFAULT_MAX_STAY_DAYS = 168;

/**
 * The few free texts the service itself writes into a case's data (a chained event's reason, a
 * handover's missing address). They are stored in English, like the protocol data; a reader sees
 * them in their language through the catalogues' `text.<name>`, whose English message is this text
 * (tests/web/i18n.test.ts).
 */
export const SERVICE_TEXTS = {
  released: 'Released',
  releaseDateChanged: 'Release date changed',
  addressNotRecorded: 'not recorded',
  seePlan: 'See the pre-release plan.',
  certificateExpired: 'The certificate expired',
  seeProgramme: 'See the rehabilitation programme.',
} as const;
