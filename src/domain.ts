/**
 * The vocabulary of DOMAIN.md: organisation kinds, roles and where each is valid,
 * data classes, countries and their default time zones.
 */
import { ROLES, type OrganisationKind, type Role } from '../protocols/vocabulary.js';

export { DATA_CLASSES, DEFAULT_MAX_STAY_DAYS, ORGANISATION_KINDS, ROLES, type DataClass, type OrganisationKind, type Role } from '../protocols/vocabulary.js';

/** Kinds that carry a certification (the registry of qualified centres). */
export const CERTIFIED_KINDS: readonly OrganisationKind[] = ['ngo', 'treatment_provider', 'halfway_house'];

/** Where each role is valid. `auditor` and `admin` are valid at any kind. */
const ROLE_KIND: Record<Role, OrganisationKind | 'any'> = {
  prison_staff: 'prison',
  judge: 'court',
  probation_officer: 'probation',
  treatment_staff: 'treatment_provider',
  ngo_worker: 'ngo',
  halfway_house_staff: 'halfway_house',
  coordinator: 'coordinator',
  auditor: 'any',
  admin: 'any',
};

export function isRoleValidForKind(role: Role, kind: OrganisationKind): boolean {
  const valid = ROLE_KIND[role];
  return valid === 'any' || valid === kind;
}

export function rolesValidForKind(kind: OrganisationKind): Role[] {
  return ROLES.filter((role) => isRoleValidForKind(role, kind));
}

/** Roles that never see personal data. */
export const NON_PERSONAL_ROLES: readonly Role[] = ['auditor', 'admin'];

export const COUNTRY_TIME_ZONES = {
  KZ: 'Asia/Almaty',
  KG: 'Asia/Bishkek',
  TJ: 'Asia/Dushanbe',
  TM: 'Asia/Ashgabat',
  UZ: 'Asia/Tashkent',
} as const;
export type Country = keyof typeof COUNTRY_TIME_ZONES;
export const COUNTRIES = Object.keys(COUNTRY_TIME_ZONES) as Country[];

export const LOCALES = ['ru', 'kk', 'ky', 'tg', 'tk', 'uz', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const COUNTRY_DEFAULT_LOCALE: Record<Country, Locale> = { KZ: 'kk', KG: 'ky', TJ: 'tg', TM: 'tk', UZ: 'uz' };

export const UNIT_KINDS = ['atlantis', 'clean_zone'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

