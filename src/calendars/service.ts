import { and, asc, eq, gte, lte } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { holidays } from '../../db/schema.js';

export type Holiday = { date: string; name: string };

export async function listHolidays(db: Executor, country: string): Promise<Holiday[]> {
  return db.select({ date: holidays.date, name: holidays.name }).from(holidays).where(eq(holidays.country, country)).orderBy(asc(holidays.date));
}

/** Holidays of a country as a set, for working-day arithmetic (optionally within a date range). */
export async function holidaySet(db: Executor, country: string, range?: { from: string; to: string }): Promise<Set<string>> {
  const rows = await db
    .select({ date: holidays.date })
    .from(holidays)
    .where(and(eq(holidays.country, country), range ? gte(holidays.date, range.from) : undefined, range ? lte(holidays.date, range.to) : undefined));
  return new Set(rows.map((row) => row.date));
}

/** Replaces a country's whole holiday list. */
export async function replaceHolidays(db: Executor, country: string, list: Holiday[]): Promise<void> {
  await db.delete(holidays).where(eq(holidays.country, country));
  if (list.length > 0) await db.insert(holidays).values(list.map((holiday) => ({ country, ...holiday })));
}
