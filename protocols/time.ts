/**
 * Calendar arithmetic for deadlines, pure and time-zone aware. Dates are `YYYY-MM-DD`
 * strings; instants are `Date`s. Date deadlines fall at 09:00 in the owner's time zone.
 */

export const DEADLINE_HOUR = 9;

/** The local calendar date of an instant in a time zone. */
// Building an Intl.DateTimeFormat costs far more than using one: one per zone, kept.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const partFormats = new Map<string, Intl.DateTimeFormat>();

export function localDateOf(at: Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, format);
  }
  return format.format(at);
}

/** Milliseconds the zone is ahead of UTC at an instant. */
function zoneOffsetMs(at: Date, timeZone: string): number {
  let format = partFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** Minutes the zone is ahead of UTC at an instant: the offset an ISO time written in that zone carries. */
export function zoneOffsetMinutes(at: Date, timeZone: string): number {
  return Math.round(zoneOffsetMs(at, timeZone) / 60_000);
}

/**
 * zonedInstant's answers, by zone, date and hour. The answer depends on nothing else (the zone
 * rules are fixed for the life of the process) and costs two `formatToParts`; an event asks for
 * the same few deadline days again and again. Bounded: emptied when full.
 */
const instants = new Map<string, number>();
const INSTANTS_KEPT = 10_000;

/** The instant at which the wall clock in `timeZone` shows `date` at `hour`:00. */
export function zonedInstant(date: string, hour: number, timeZone: string): Date {
  const key = `${timeZone} ${date} ${hour}`;
  let instant = instants.get(key);
  if (instant === undefined) {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const guess = Date.UTC(y, m - 1, d, hour);
    // Two passes settle the offset even across a daylight-saving change.
    instant = guess - zoneOffsetMs(new Date(guess), timeZone);
    instant = guess - zoneOffsetMs(new Date(instant), timeZone);
    if (instants.size >= INSTANTS_KEPT) instants.clear();
    instants.set(key, instant);
  }
  return new Date(instant);
}

function toUtcDate(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

function fromUtcDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const next = toUtcDate(date);
  next.setUTCDate(next.getUTCDate() + days);
  return fromUtcDate(next);
}

/** Calendar months, clamped to the month's last day (31 January + 1 month = 28/29 February). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return fromUtcDate(target);
}

export function isWorkingDay(date: string, holidays: ReadonlySet<string>): boolean {
  const weekday = toUtcDate(date).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !holidays.has(date);
}

/** `count` working days after (or, when negative, before) `date`, skipping weekends and holidays. */
export function addWorkingDays(date: string, count: number, holidays: ReadonlySet<string>): string {
  const step = count < 0 ? -1 : 1;
  let remaining = Math.abs(count);
  let current = date;
  while (remaining > 0) {
    current = addDays(current, step);
    if (isWorkingDay(current, holidays)) remaining -= 1;
  }
  return current;
}

/** Whole days from `from` to `to` (both dates). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toUtcDate(to).getTime() - toUtcDate(from).getTime()) / 86_400_000);
}
