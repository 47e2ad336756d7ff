import type { z } from '@hono/zod-openapi';
import type { AuditRowSchema } from '../audit/routes.js';
import type { BreakGlassCaseSchema, CaseSchema, HistoryEventSchema } from '../cases/schemas.js';
import type { ConsentSchema } from '../consents/schemas.js';
import type { DeadlineSchema } from '../deadlines/routes.js';
import type { PublishedSchema } from '../indicators/routes.js';
import type { NotificationSchema } from '../messages-api/routes.js';
import type { OccupancySchema, OrganisationSchema } from '../organisations/schemas.js';
import type { ParticipantFoundSchema, ParticipantSchema } from '../participants/schemas.js';
import type { CaseworkerSchema } from '../staff/routes.js';
import type { MeSchema } from '../system/routes.js';
import type { DemoSignInChoicesSchema } from './session-routes.js';

/**
 * The API's response shapes, inferred from the zod schemas its routes answer with (and publish
 * in the OpenAPI document): a page cannot read a field the API does not return.
 */
export type CaseItem = z.infer<typeof CaseSchema>;
export type HistoryItem = z.infer<typeof HistoryEventSchema>;
export type DeadlineItem = z.infer<typeof DeadlineSchema>;
export type NotificationItem = z.infer<typeof NotificationSchema>;
export type OrganisationItem = z.infer<typeof OrganisationSchema>;
export type Occupancy = z.infer<typeof OccupancySchema>;
export type IndicatorTable = z.infer<typeof PublishedSchema>;
export type Me = z.infer<typeof MeSchema>;
export type DemoSignInChoices = z.infer<typeof DemoSignInChoicesSchema>;
export type Participant = z.infer<typeof ParticipantSchema>;
export type ParticipantFound = z.infer<typeof ParticipantFoundSchema>;
export type BreakGlassCase = z.infer<typeof BreakGlassCaseSchema>;
export type DenialItem = z.infer<typeof AuditRowSchema>;
export type ConsentItem = z.infer<typeof ConsentSchema>;
export type Caseworker = z.infer<typeof CaseworkerSchema>;
/** Every list answers a page of items (src/http/pagination.ts's `pageOf`). */
export type Page<T> = { items: T[]; nextCursor: string | null };
