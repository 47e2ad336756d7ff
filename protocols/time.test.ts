import { describe, expect, it } from 'vitest';
import { addMonths, addWorkingDays, daysBetween, localDateOf, zonedInstant, zoneOffsetMinutes } from './time.js';

describe('deadline time arithmetic', () => {
  it('09:00 local is computed in the owner’s zone', () => {
    expect(zonedInstant('2026-03-15', 9, 'Asia/Almaty').toISOString()).toBe('2026-03-15T04:00:00.000Z');
    expect(zonedInstant('2026-03-15', 9, 'Asia/Bishkek').toISOString()).toBe('2026-03-15T03:00:00.000Z');
    expect(zonedInstant('2026-03-15', 9, 'Asia/Tashkent').toISOString()).toBe('2026-03-15T04:00:00.000Z');
    // A zone with daylight saving, on both sides of the change.
    expect(zonedInstant('2026-03-28', 9, 'Europe/Berlin').toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(zonedInstant('2026-03-30', 9, 'Europe/Berlin').toISOString()).toBe('2026-03-30T07:00:00.000Z');
  });

  it('a remembered instant is the same instant, and each answer is a Date of its own', () => {
    const first = zonedInstant('2026-10-25', 9, 'Europe/Berlin');
    first.setTime(0); // a caller changing its Date changes no later answer
    const again = zonedInstant('2026-10-25', 9, 'Europe/Berlin');
    expect(again.toISOString()).toBe('2026-10-25T08:00:00.000Z');
    expect(again).not.toBe(zonedInstant('2026-10-25', 9, 'Europe/Berlin'));
    // The zone and the hour are part of what is remembered.
    expect(zonedInstant('2026-10-25', 9, 'Asia/Almaty').toISOString()).toBe('2026-10-25T04:00:00.000Z');
    expect(zonedInstant('2026-10-25', 10, 'Europe/Berlin').toISOString()).toBe('2026-10-25T09:00:00.000Z');
  });

  it('the offset of a zone is read at the instant, daylight saving included', () => {
    expect(zoneOffsetMinutes(new Date('2026-03-15T04:00:00Z'), 'Asia/Bishkek')).toBe(360);
    expect(zoneOffsetMinutes(new Date('2026-03-15T04:00:00Z'), 'Asia/Kolkata')).toBe(330);
    expect(zoneOffsetMinutes(new Date('2026-03-28T08:00:00Z'), 'Europe/Berlin')).toBe(60);
    expect(zoneOffsetMinutes(new Date('2026-03-30T07:00:00Z'), 'Europe/Berlin')).toBe(120);
  });

  it('local dates follow the zone, not UTC', () => {
    expect(localDateOf(new Date('2026-03-01T20:00:00Z'), 'Asia/Almaty')).toBe('2026-03-02');
    expect(localDateOf(new Date('2026-03-01T20:00:00Z'), 'UTC')).toBe('2026-03-01');
  });

  it('working days skip weekends and holidays, forwards and backwards', () => {
    const none = new Set<string>();
    expect(addWorkingDays('2026-03-06', 1, none)).toBe('2026-03-09'); // Friday → Monday
    expect(addWorkingDays('2026-03-02', 5, none)).toBe('2026-03-09');
    expect(addWorkingDays('2026-03-02', 5, new Set(['2026-03-04']))).toBe('2026-03-10');
    expect(addWorkingDays('2026-03-09', -2, none)).toBe('2026-03-05'); // Monday → Thursday
    expect(addWorkingDays('2026-03-09', -2, new Set(['2026-03-06']))).toBe('2026-03-04');
  });

  it('months clamp to the end of a shorter month', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-03-02', 12)).toBe('2027-03-02');
    expect(daysBetween('2026-03-01', '2026-03-31')).toBe(30);
  });
});
