import { z } from '@hono/zod-openapi';
import { DATA_CLASSES } from '../domain.js';
import { isoDate } from '../organisations/schemas.js';

const text = (max = 500) => z.string().trim().min(1).max(max);
const nationalId = z
  .string()
  .trim()
  .max(32)
  .regex(/^[A-Za-z0-9-]{4,32}$/, 'Letters, digits and dashes, 4 to 32 characters.');
const referenceCode = z
  .string()
  .trim()
  .toUpperCase()
  .max(11)
  .regex(/^P-[0-9A-Z]{4}-[0-9A-Z]{4}$/, 'A reference code such as P-7K3M-9QXD.');

/**
 * One schema per data class of DOMAIN.md. Every object is strict: an unknown field is a
 * 422, never silently stored. Each class is kept as its own column so that redaction
 * leaves whole classes out.
 */
export const IdentitySchema = z
  .strictObject({
    firstName: text(100),
    lastName: text(100),
    patronymic: text(100).optional(),
    dateOfBirth: isoDate,
    sex: z.enum(['female', 'male', 'other', 'unknown']).optional(),
    nationalId: nationalId.optional(),
  })
  .openapi('IdentityData');

export const ContactSchema = z
  .strictObject({
    phone: z
      .string()
      .trim()
      .max(25)
      .regex(/^\+?[0-9 ()-]{5,24}$/, 'A phone number.')
      .optional(),
    address: text().optional(),
    releaseAddress: text().optional(),
  })
  .openapi('ContactData');

export const CustodySchema = z
  .strictObject({
    facilityOrganisationId: z.uuid().optional(),
    unitId: z.uuid().optional(),
    expectedReleaseDate: isoDate.optional(),
    actualReleaseAt: z.iso.datetime({ offset: true }).max(40).optional(),
  })
  .openapi('CustodyData');

export const LegalSchema = z
  .strictObject({ courtOrganisationId: z.uuid().optional(), caseNumber: text(100).optional(), orderTerms: text(2000).optional(), sentence: text(500).optional() })
  .openapi('LegalData');

export const ComplianceSchema = z.strictObject({ summary: text(2000).optional() }).openapi('ComplianceData');

export const HealthSchema = z
  .strictObject({
    diagnosis: text(1000).optional(),
    treatment: text(2000).optional(),
    ostPrescription: text(500).optional(),
    artPrescription: text(500).optional(),
    tbPrescription: text(500).optional(),
    overdoseRisk: z.enum(['low', 'medium', 'high']).optional(),
  })
  .openapi('HealthData');

export const SocialSchema = z
  .strictObject({ housing: text(1000).optional(), work: text(1000).optional(), education: text(1000).optional(), family: text(1000).optional(), benefits: text(1000).optional() })
  .openapi('SocialData');

/** The structured classes (all but `notes`, which are rows of their own). */
export const CLASS_SCHEMAS = {
  identity: IdentitySchema,
  contact: ContactSchema,
  custody: CustodySchema,
  legal: LegalSchema,
  compliance: ComplianceSchema,
  health: HealthSchema,
  social: SocialSchema,
} as const;
export type StructuredClass = keyof typeof CLASS_SCHEMAS;
export const STRUCTURED_CLASSES = Object.keys(CLASS_SCHEMAS) as StructuredClass[];

const noteText = z.string().trim().min(1).max(5000);

export const RegisterParticipantSchema = z
  .strictObject({
    identity: IdentitySchema,
    contact: ContactSchema.optional(),
    custody: CustodySchema.optional(),
    legal: LegalSchema.optional(),
    compliance: ComplianceSchema.optional(),
    health: HealthSchema.optional(),
    social: SocialSchema.optional(),
    note: noteText.optional().openapi({ description: 'A first case note, owned by your organisation.' }),
    notDuplicateOf: z
      .array(z.uuid())
      .max(20)
      .optional()
      .openapi({ description: 'The people a 409 named as possible duplicates that you checked are someone else: the registration goes ahead.' }),
  })
  .openapi('RegisterParticipant');

/** A correction: per class, the fields to set; `null` removes an optional field. */
const patchOf = <T extends z.ZodObject>(schema: T) => {
  const shape = Object.fromEntries(Object.entries(schema.shape).map(([key, field]) => [key, (field as z.ZodType).nullable().optional()]));
  return z.strictObject(shape);
};

export const CorrectParticipantSchema = z
  .strictObject({
    expectedVersion: z.number().int().positive().max(2_147_483_647).optional().openapi({ description: 'The version you read; a stale one is refused with 409.' }),
    identity: patchOf(IdentitySchema).optional(),
    contact: patchOf(ContactSchema).optional(),
    custody: patchOf(CustodySchema).optional(),
    legal: patchOf(LegalSchema).optional(),
    compliance: patchOf(ComplianceSchema).optional(),
    health: patchOf(HealthSchema).optional(),
    social: patchOf(SocialSchema).optional(),
    note: noteText.optional().openapi({ description: 'Adds a case note owned by your organisation.' }),
  })
  .openapi('CorrectParticipant');

export const NoteSchema = z.object({ id: z.uuid(), organisationId: z.uuid(), text: z.string(), createdAt: z.string() }).openapi('ParticipantNote');

export const ParticipantSchema = z
  .object({
    id: z.uuid(),
    referenceCode: z.string().openapi({ example: 'P-7K3M-9QXD' }),
    recordOwnerId: z.uuid(),
    region: z.string(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    disclosed: z
      .array(z.object({ dataClass: z.enum(DATA_CLASSES), basis: z.string() }))
      .openapi({ description: 'The data classes in this response and the basis on which each is disclosed to you.' }),
    identity: IdentitySchema.optional(),
    contact: ContactSchema.optional(),
    custody: CustodySchema.optional(),
    legal: LegalSchema.optional(),
    compliance: ComplianceSchema.optional(),
    health: HealthSchema.optional(),
    social: SocialSchema.optional(),
    notes: z.array(NoteSchema).optional(),
    erasedAt: z.string().optional().openapi({
      description: 'Present when the person’s personal data was erased under the retention rule: then no class and no note is left, and nothing more can be recorded.',
    }),
  })
  .openapi('Participant');

export const ParticipantSearchQuery = z.strictObject({
  reference: referenceCode,
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

const letters = (value: string) => value.match(/\p{L}/gu)?.length ?? 0;

/** The search: every criterion given must match; at least one is needed. A body, so names and national ids stay out of URLs. */
export const ParticipantFindSchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .max(100)
      .refine((value) => letters(value) >= 2, 'At least two letters.')
      .refine((value) => value.split(/\s+/).length <= 6, 'At most six words.')
      .optional()
      .openapi({ description: 'Each word begins a word of the name (last name, first name, patronymic), in any case, with or without accents, in Cyrillic or Latin.' }),
    dateOfBirth: isoDate.optional(),
    nationalId: nationalId.optional(),
    reference: referenceCode.optional(),
    limit: z.number().int().min(1).max(200).default(50),
    cursor: z.string().max(512).optional(),
  })
  .refine((body) => body.name !== undefined || body.dateOfBirth !== undefined || body.nationalId !== undefined || body.reference !== undefined, {
    message: 'Give at least one of name, dateOfBirth, nationalId and reference.',
    path: ['name'],
  })
  .openapi('ParticipantSearch');

export const ParticipantFoundSchema = z
  .object({
    id: z.uuid(),
    referenceCode: z.string(),
    identity: z
      .object({ firstName: z.string(), lastName: z.string(), patronymic: z.string().optional(), dateOfBirth: z.string() })
      .optional()
      .openapi({ description: 'Only when your organisation sees the person’s identity class.' }),
  })
  .openapi('ParticipantFound');

/** A possible duplicate named by a 409 on registration: someone whose identity you see, with the same national id. */
export const PossibleDuplicateSchema = z.object({ id: z.uuid(), referenceCode: z.string() }).openapi('PossibleDuplicate');
