import { z } from '@hono/zod-openapi';
import { PROTOCOL_IDS } from '../../protocols/index.js';

const PartySchema = z.strictObject({ part: z.string().min(1).max(40), organisationId: z.uuid() }).openapi('CaseParty');

export const OpenCaseSchema = z
  .strictObject({
    protocol: z.enum(PROTOCOL_IDS as [string, ...string[]]),
    participantId: z.uuid(),
    parties: z.array(PartySchema).max(10).default([]).openapi({ description: 'The other parts; your organisation fills the owner part.' }),
    data: z.record(z.string().max(60), z.unknown()).default({}).openapi({ description: 'The protocol’s opening data (see GET /protocols/{id}).' }),
  })
  .openapi('OpenCase');

export const EventSchema = z
  .strictObject({
    type: z
      .string()
      .max(60)
      .regex(/^[A-Z][A-Z_]{1,59}$/, 'An event name in SCREAMING_SNAKE_CASE.'),
    data: z.record(z.string().max(60), z.unknown()).default({}),
    expectedVersion: z.number().int().positive().max(2_147_483_647).openapi({ description: 'The case version you read; a stale one is refused with 409 STALE_VERSION.' }),
  })
  .openapi('CaseEvent');

export const CaseSchema = z
  .object({
    id: z.uuid(),
    protocol: z.string(),
    protocolVersion: z.number().int(),
    participant: z.object({ id: z.uuid(), referenceCode: z.string() }),
    ownerOrganisationId: z.uuid(),
    state: z.string(),
    final: z.boolean(),
    parties: z.array(z.object({ part: z.string(), organisationId: z.uuid() })),
    data: z.record(z.string(), z.unknown()).openapi({ description: 'Only the fields whose data class is disclosed to you.' }),
    dataWithheld: z.boolean().openapi({ description: 'Whether some fields were left out for you.' }),
    disclosed: z.array(z.object({ dataClass: z.string(), basis: z.string() })),
    version: z.number().int(),
    parentCaseId: z.uuid().nullable(),
    openedAt: z.string(),
    closedAt: z.string().nullable(),
    updatedAt: z.string(),
    assignee: z
      .object({ sub: z.string(), name: z.string().nullable() })
      .nullable()
      .openapi({ description: 'Your organisation’s named caseworker on this case (PUT /cases/{id}/assignee); other organisations’ are not shown.' }),
    yourParts: z.array(z.string()),
    allowedEvents: z.array(z.string()).openapi({ description: 'Events your organisation may send now (guards are checked when sent).' }),
  })
  .openapi('Case');

export const HistoryEventSchema = z
  .object({
    id: z.uuid(),
    version: z.number().int(),
    type: z.string(),
    data: z.record(z.string(), z.unknown()),
    dataWithheld: z.boolean(),
    part: z.string(),
    organisationId: z.uuid().nullable(),
    fromState: z.string().nullable(),
    toState: z.string(),
    observation: z.boolean(),
    at: z.string(),
  })
  .openapi('CaseHistoryEvent');

export const CaseListQuery = z.strictObject({
  protocol: z.enum(PROTOCOL_IDS as [string, ...string[]]).optional(),
  state: z
    .string()
    .max(40)
    .regex(/^[a-z_]{2,40}$/)
    .optional(),
  participantId: z.uuid().optional(),
  assignee: z.enum(['me']).optional().openapi({ description: '`me`: the cases your organisation has assigned to you ("my cases").' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

export const AssignSchema = z
  .strictObject({
    sub: z.string().trim().min(1).max(255).openapi({ description: 'The token subject of one of your organisation’s caseworkers (GET /caseworkers).' }),
  })
  .openapi('AssignCase');

export const AssignmentSchema = z.object({ caseId: z.uuid(), assignee: z.object({ sub: z.string(), name: z.string().nullable() }).nullable() }).openapi('CaseAssignment');

/** A case as the region's coordinator sees it before break-glass: what it is, never its data or parties. */
export const BreakGlassCaseSchema = z
  .object({ id: z.uuid(), protocol: z.string(), state: z.string(), openedAt: z.string(), closedAt: z.string().nullable() })
  .openapi('BreakGlassCase');
