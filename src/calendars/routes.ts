import { OpenAPIHono, z } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import { cases, organisations } from '../../db/schema.js';
import { reconcileDeadlines } from '../cases/deadline-rows.js';
import { COUNTRIES } from '../domain.js';
import type { AppEnv } from '../http/context.js';
import { AUTHED, json, jsonBody, problems } from '../http/openapi.js';
import { defineRoute } from '../http/route.js';
import { isoDate } from '../organisations/schemas.js';
import { listHolidays, replaceHolidays } from './service.js';

const tags = ['Registry'];
const CountryParam = z.strictObject({ country: z.enum(COUNTRIES).openapi({ param: { name: 'country', in: 'path' } }) });
const HolidaySchema = z.strictObject({ date: isoDate, name: z.string().trim().min(1).max(200) });
const CalendarSchema = z.object({ country: z.enum(COUNTRIES), holidays: z.array(HolidaySchema) }).openapi('Calendar');
const PutCalendarSchema = z
  .strictObject({ holidays: z.array(HolidaySchema).max(500) })
  .refine((body) => new Set(body.holidays.map((holiday) => holiday.date)).size === body.holidays.length, { path: ['holidays'], message: 'A date is listed twice.' })
  .openapi('PutCalendar');

const read = defineRoute('calendars:read', {
  method: 'get',
  path: '/calendars/{country}',
  tags,
  summary: 'A country’s public holidays (working-day deadlines skip them)',
  request: { params: CountryParam },
  responses: { 200: json(CalendarSchema, 'The calendar'), ...problems(...AUTHED, 422) },
});

const put = defineRoute('calendars:write', {
  method: 'put',
  path: '/calendars/{country}',
  tags,
  summary: 'Replace a country’s public holidays; open working-day deadlines move accordingly',
  request: { params: CountryParam, body: jsonBody(PutCalendarSchema) },
  responses: { 200: json(CalendarSchema, 'The calendar'), ...problems(...AUTHED, 400, 413, 422) },
});

export function calendarRoutes() {
  return new OpenAPIHono<AppEnv>()
    .openapi(read, async (c) => {
      const { country } = c.req.valid('param');
      return c.json({ country, holidays: await listHolidays(c.var.services.db, country) }, 200);
    })
    .openapi(put, async (c) => {
      const { country } = c.req.valid('param');
      const { db, clock } = c.var.services;
      const now = clock.now();
      await db.transaction(async (tx) => {
        await replaceHolidays(tx, country, c.req.valid('json').holidays);
        // Working-day deadlines of open cases owned in this country follow the new calendar.
        const open = await tx
          .select({ row: cases })
          .from(cases)
          .innerJoin(organisations, eq(organisations.id, cases.ownerOrganisationId))
          .where(and(eq(organisations.country, country), isNull(cases.closedAt)));
        for (const { row } of open) await reconcileDeadlines(tx, row, now);
      });
      return c.json({ country, holidays: await listHolidays(db, country) }, 200);
    });
}
