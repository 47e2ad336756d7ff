import { z } from '@hono/zod-openapi';
import { CERTIFIED_KINDS, COUNTRIES, LOCALES, ORGANISATION_KINDS, UNIT_KINDS } from '../domain.js';

export const isoDate = z.iso.date().openapi({ example: '2027-06-30' });

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value.includes('/') || value === 'UTC';
  } catch {
    return false;
  }
}

const timeZone = z.string().max(64).refine(isTimeZone, 'Not an IANA time zone (e.g. Asia/Almaty).');
const emails = z.array(z.email().max(254)).max(20);
const name = z.string().trim().min(2).max(200);

export const OrganisationSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(ORGANISATION_KINDS),
    name: z.string(),
    country: z.enum(COUNTRIES),
    region: z.string().openapi({ example: 'KZ-PAV' }),
    timeZone: z.string().openapi({ example: 'Asia/Almaty' }),
    locale: z.enum(LOCALES),
    notificationEmails: z.array(z.string()),
    certificationValidUntil: z.string().nullable(),
    /** Whether the certification is valid today: only certified organisations may be chosen for new cases. */
    certified: z.boolean().nullable(),
    beds: z.number().int().nullable(),
    defaultMaxStayDays: z.number().int().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Organisation');

export const CreateOrganisationSchema = z
  .strictObject({
    kind: z.enum(ORGANISATION_KINDS),
    name,
    country: z.enum(COUNTRIES),
    region: z
      .string()
      .max(6)
      .regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'An ISO 3166-2 code such as KZ-PAV.')
      .openapi({ example: 'KZ-PAV' }),
    timeZone: timeZone.optional().openapi({ description: 'IANA time zone; defaults from the country.' }),
    locale: z.enum(LOCALES).optional().openapi({ description: 'Defaults to the country’s language.' }),
    notificationEmails: emails.default([]),
    certificationValidUntil: isoDate.nullable().optional(),
    beds: z.number().int().min(0).max(10_000).optional(),
    defaultMaxStayDays: z.number().int().min(1).max(3650).optional(),
  })
  .superRefine((body, ctx) => {
    if (!body.region.startsWith(`${body.country}-`)) {
      ctx.addIssue({ code: 'custom', path: ['region'], message: `The region must be a subdivision of ${body.country} (e.g. ${body.country}-...).` });
    }
    checkKindFields(body, ctx, true);
  })
  .openapi('CreateOrganisation');

export const UpdateOrganisationSchema = z
  .strictObject({
    name: name.optional(),
    timeZone: timeZone.optional(),
    locale: z.enum(LOCALES).optional(),
    notificationEmails: emails.optional(),
    certificationValidUntil: isoDate.nullable().optional(),
    beds: z.number().int().min(0).max(10_000).optional(),
    defaultMaxStayDays: z.number().int().min(1).max(3650).optional(),
  })
  .openapi('UpdateOrganisation');

type KindFields = {
  kind: (typeof ORGANISATION_KINDS)[number];
  certificationValidUntil?: string | null | undefined;
  beds?: number | undefined;
  defaultMaxStayDays?: number | undefined;
};

/** Fields that only some kinds carry: certification (ngo, provider, halfway house), beds and stay (halfway house). */
export function checkKindFields(body: KindFields, ctx: z.RefinementCtx, creating: boolean): void {
  if (body.certificationValidUntil != null && !CERTIFIED_KINDS.includes(body.kind)) {
    ctx.addIssue({ code: 'custom', path: ['certificationValidUntil'], message: `An organisation of kind ${body.kind} carries no certification.` });
  }
  for (const field of ['beds', 'defaultMaxStayDays'] as const) {
    if (body[field] !== undefined && body.kind !== 'halfway_house') {
      ctx.addIssue({ code: 'custom', path: [field], message: 'Only a halfway house has beds and a maximum stay.' });
    }
  }
  if (creating && body.kind === 'halfway_house' && body.beds === undefined) {
    ctx.addIssue({ code: 'custom', path: ['beds'], message: 'A halfway house needs its number of beds.' });
  }
}

export const OrganisationListQuery = z.strictObject({
  kind: z.enum(ORGANISATION_KINDS).optional(),
  country: z.enum(COUNTRIES).optional(),
  region: z.string().max(6).optional(),
  /** Only organisations whose certification is valid on this day (a person choosing a certified centre). */
  certifiedOn: z.iso.date().optional(),
  /** This region's organisations first (the person's region), then the others. */
  regionFirst: z
    .string()
    .max(6)
    .regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'An ISO 3166-2 code such as KZ-PAV.')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

export const IdParam = z.strictObject({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

export const UnitSchema = z
  .object({
    id: z.uuid(),
    organisationId: z.uuid(),
    kind: z.enum(UNIT_KINDS),
    name: z.string(),
    places: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('PrisonUnit');

export const CreateUnitSchema = z
  .strictObject({
    kind: z.enum(UNIT_KINDS),
    name: name,
    places: z.number().int().min(0).max(10_000),
  })
  .openapi('CreatePrisonUnit');

/** Places and beds: used, reserved, free and waiting (src/cases/capacity.ts). */
export const OccupancySchema = z
  .union([
    z.object({
      organisationId: z.uuid(),
      kind: z.literal('prison'),
      units: z.array(
        z.object({
          unitId: z.uuid(),
          name: z.string(),
          kind: z.string(),
          places: z.number().int(),
          used: z.number().int(),
          reserved: z.number().int(),
          free: z.number().int(),
          waiting: z.number().int(),
        }),
      ),
    }),
    z.object({
      organisationId: z.uuid(),
      kind: z.literal('halfway_house'),
      beds: z.number().int(),
      used: z.number().int(),
      reserved: z.number().int(),
      free: z.number().int(),
      waiting: z.number().int(),
    }),
  ])
  .openapi('Occupancy');
