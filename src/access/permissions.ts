import { NON_PERSONAL_ROLES, ROLES, type Role } from '../domain.js';

/** Roles that work with people: every role but auditor and admin. */
const PERSONAL_DATA_ROLES: readonly Role[] = ROLES.filter((role) => !NON_PERSONAL_ROLES.includes(role));

/**
 * Every route declares one of these. A role outside a permission's list may never use the
 * route (403); whether the caller may see the particular record is decided afterwards by
 * the access policy, and an out-of-scope record is 404.
 */
export const PERMISSIONS = {
  'me:read': ROLES,
  'organisations:read': ROLES,
  'organisations:write': ['admin', 'coordinator'],
  'units:read': ['admin', 'prison_staff', 'coordinator'],
  'units:write': ['admin', 'prison_staff'],
  'participants:register': PERSONAL_DATA_ROLES,
  'participants:read': PERSONAL_DATA_ROLES,
  'participants:correct': PERSONAL_DATA_ROLES,
  'consents:record': PERSONAL_DATA_ROLES,
  'consents:read': PERSONAL_DATA_ROLES,
  'consents:revoke': PERSONAL_DATA_ROLES,
  'consents:attest': PERSONAL_DATA_ROLES,
  'cases:open': ['judge', 'prison_staff', 'probation_officer', 'ngo_worker', 'coordinator'],
  'cases:read': PERSONAL_DATA_ROLES,
  'cases:assign': PERSONAL_DATA_ROLES,
  'caseworkers:read': PERSONAL_DATA_ROLES,
  'cases:break-glass': ['coordinator'],
  'cases:event': ['judge', 'prison_staff', 'probation_officer', 'treatment_staff', 'ngo_worker', 'halfway_house_staff', 'coordinator'],
  'occupancy:read': ['prison_staff', 'halfway_house_staff', 'coordinator'],
  'deadlines:read': ROLES,
  'calendars:read': ROLES,
  'calendars:write': ['admin'],
  'protocols:read': ROLES,
  'audit:read': ['auditor', 'coordinator'],
  'audit:denials': ['coordinator'],
  'notifications:read': ROLES,
  'indicators:detail': ['coordinator'],
  'outbox:manage': ['admin', 'coordinator'],
  'disclosures:read': PERSONAL_DATA_ROLES,
  'sessions:revoke': ['admin'],
  /** GET /metrics on the service's port (a scraper without a token uses METRICS_LISTEN). */
  'metrics:read': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;
/** Routes that need no token at all (health, docs). */
export type RoutePermission = Permission | 'public';

export function hasPermission(roles: readonly Role[], permission: Permission): boolean {
  const allowed: readonly Role[] = PERMISSIONS[permission];
  return roles.some((role) => allowed.includes(role));
}
