/**
 * The drizzle schema, one file per area under db/schema/; this barrel re-exports every table so
 * that the code imports `db/schema.js` whatever file a table lives in, and gathers them into the
 * `schema` object the database client is opened with. drizzle-kit reads the folder
 * (drizzle.config.ts); tests/schema-barrel.test.ts checks that every table there is here too.
 */
import { auditChains, auditCheckpoints, auditEvents } from './schema/audit.js';
import { breakGlassGrants, caseAssignees, caseEvents, caseParties, cases } from './schema/cases.js';
import { consents } from './schema/consents.js';
import { deadlines, holidays } from './schema/deadlines.js';
import { notifications, outbox } from './schema/notifications.js';
import { organisationStaff, organisations, prisonUnits } from './schema/organisations.js';
import { participantNameScopes, participantNotes, participants } from './schema/participants.js';
import { rateLimitWindows, serviceSecrets, webSessions } from './schema/service.js';

export * from './schema/audit.js';
export * from './schema/cases.js';
export * from './schema/consents.js';
export * from './schema/deadlines.js';
export * from './schema/notifications.js';
export * from './schema/organisations.js';
export * from './schema/participants.js';
export * from './schema/service.js';

export const schema = {
  organisations,
  prisonUnits,
  participants,
  participantNotes,
  participantNameScopes,
  auditEvents,
  serviceSecrets,
  cases,
  caseParties,
  caseEvents,
  deadlines,
  consents,
  holidays,
  auditChains,
  auditCheckpoints,
  breakGlassGrants,
  outbox,
  notifications,
  rateLimitWindows,
  webSessions,
  organisationStaff,
  caseAssignees,
};
