/**
 * The vocabulary of DOMAIN.md: organisation kinds, roles and where each is valid,
 * data classes, countries and their default time zones.
 */
import { ROLE_FOR_KIND, ROLES, type OrganisationKind, type Role } from '../protocols/vocabulary.js';

export { DATA_CLASSES, DEFAULT_MAX_STAY_DAYS, ORGANISATION_KINDS, ROLE_FOR_KIND, ROLES, type DataClass, type OrganisationKind, type Role } from '../protocols/vocabulary.js';

/** Kinds that carry a certification (the registry of qualified centres). */
export const CERTIFIED_KINDS: readonly OrganisationKind[] = ['ngo', 'treatment_provider', 'halfway_house'];

/** Roles valid at an organisation of any kind; every other role only at its kind (ROLE_FOR_KIND). */
const ANY_KIND_ROLES: readonly Role[] = ['auditor', 'admin'];

export function isRoleValidForKind(role: Role, kind: OrganisationKind): boolean {
  return ANY_KIND_ROLES.includes(role) || ROLE_FOR_KIND[kind] === role;
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
