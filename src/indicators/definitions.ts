import { sql } from 'drizzle-orm';
import { CENTRE_INDICATORS } from './centres.js';
import { countEvents, countPeople, inPeriod, shareOfEvents, text, type IndicatorDefinition } from './sql.js';

export type { IndicatorDefinition, IndicatorKind } from './sql.js';

/**
 * The open monitoring indicators of DOMAIN.md ("Monitoring and evaluation"), each with the
 * definition that ships with the data. Every indicator is computed from case histories:
 * events (`case_events`) dated in the period, attributed to an organisation (the case owner,
 * or the halfway house for halfway-house indicators) and so to its region and country.
 * The treatment centres' indicators (`byCentre`, ./centres.ts) are published in the
 * `centre-year` table only; the others in every other table.
 */
const HOUSE = sql`c.house_id`;

export const INDICATORS: IndicatorDefinition[] = [
  {
    id: 'unit_enrolments',
    kind: 'count',
    title: text('unit_enrolments', 'Unit enrolments (Atlantis / Clean Zone)'),
    numerator: 'ADMITTED events that enrolled the person (not waitlisted).',
    period: 'The event’s date.',
    attributedTo: 'The prison (case owner).',
    query: countEvents('unit-enrolment', 'ADMITTED', sql`e.to_state = 'enrolled'`),
  },
  {
    id: 'unit_completions',
    kind: 'count',
    title: text('unit_completions', 'Unit programme completions'),
    numerator: 'COMPLETED events in unit enrolments.',
    period: 'The event’s date.',
    attributedTo: 'The prison (case owner).',
    query: countEvents('unit-enrolment', 'COMPLETED'),
  },
  {
    id: 'unit_expulsions',
    kind: 'count',
    title: text('unit_expulsions', 'Unit expulsions'),
    numerator: 'EXPELLED events in unit enrolments.',
    period: 'The event’s date.',
    attributedTo: 'The prison (case owner).',
    query: countEvents('unit-enrolment', 'EXPELLED'),
  },
  {
    id: 'unit_median_days_enrolled',
    kind: 'median',
    title: text('unit_median_days_enrolled', 'Median days enrolled'),
    numerator: 'Days from admission to leaving the unit, for every person who left an enrolled place (completed, withdrew, expelled, transferred, released); the median of these.',
    period: 'The date the person left.',
    attributedTo: 'The prison (case owner).',
    // One row per person who left: the median is taken over the rows of each published group.
    query: (from, to) => sql`
      select c.owner_organisation_id as org, 1 as numerator, null::int as denominator,
             ((e.data->>'date')::date - (c.data->>'admittedOn')::date)::float as median
      from case_events e join cases c on c.id = e.case_id
      where c.protocol = 'unit-enrolment' and e.from_state = 'enrolled' and e.observation = false
        and e.type in ('COMPLETED', 'WITHDREW', 'EXPELLED', 'TRANSFERRED', 'RELEASED') and ${inPeriod(from, to)}`,
  },
  {
    id: 'court_orders_issued',
    kind: 'count',
    title: text('court_orders_issued', 'Court orders for treatment issued'),
    numerator: 'Court-ordered treatment cases opened.',
    period: 'The date the case was opened.',
    attributedTo: 'The court (case owner).',
    query: countEvents('court-ordered-treatment', 'CASE_OPENED'),
  },
  {
    id: 'court_orders_discharged',
    kind: 'count',
    title: text('court_orders_discharged', 'Court orders discharged'),
    numerator: 'ORDER_DISCHARGED events.',
    period: 'The event’s date.',
    attributedTo: 'The court (case owner).',
    query: countEvents('court-ordered-treatment', 'ORDER_DISCHARGED'),
  },
  {
    id: 'court_orders_breached',
    kind: 'count',
    title: text('court_orders_breached', 'Breaches reported to the court'),
    numerator: 'BREACH_REPORTED events.',
    period: 'The event’s date.',
    attributedTo: 'The court (case owner).',
    query: countEvents('court-ordered-treatment', 'BREACH_REPORTED'),
  },
  {
    id: 'court_orders_revoked',
    kind: 'count',
    title: text('court_orders_revoked', 'Court orders revoked'),
    numerator: 'BREACH_RULED events that revoked the order.',
    period: 'The event’s date.',
    attributedTo: 'The court (case owner).',
    query: countEvents('court-ordered-treatment', 'BREACH_RULED', sql`e.to_state = 'revoked'`),
  },
  {
    id: 'negative_test_share',
    kind: 'rate',
    title: text('negative_test_share', 'Share of negative drug tests (court-ordered treatment)'),
    numerator: 'Drug tests recorded with result negative.',
    denominator: 'All drug tests recorded (negative, positive, missed, refused).',
    period: 'The date the test was recorded.',
    attributedTo: 'The court (case owner).',
    query: shareOfEvents('court-ordered-treatment', 'DRUG_TEST_RECORDED', sql`e.data->>'result' = 'negative'`),
  },
  {
    id: 'plans_agreed_14_days_before_release',
    kind: 'rate',
    title: text('plans_agreed_14_days_before_release', 'Pre-release plans agreed 14 or more days before release'),
    numerator: 'PLAN_AGREED events at least 14 days before the case’s release date.',
    denominator: 'All PLAN_AGREED events.',
    period: 'The date the plan was agreed.',
    attributedTo: 'The prison (case owner).',
    query: shareOfEvents('pre-release', 'PLAN_AGREED', sql`(c.data->>'releaseDate')::date - (e.at at time zone 'UTC')::date >= 14`),
  },
  {
    id: 'halfway_house_occupancy',
    kind: 'rate',
    title: text('halfway_house_occupancy', 'Halfway-house bed occupancy'),
    numerator: 'Nights residents stayed in the period (from arrival to departure).',
    denominator: 'Beds × nights in the period.',
    period: 'Nights within the period.',
    attributedTo: 'The halfway house.',
    query: (from, to) => sql`
      with departures as (
        select case_id, (data->>'date')::date as departed from case_events where type = 'DEPARTED'
      ), stays as (
        select c.house_id as org,
               greatest(0, least(coalesce(d.departed, ${to}::date), ${to}::date) - greatest((c.data->>'arrivedOn')::date, ${from}::date)) as nights
        from cases c left join departures d on d.case_id = c.id
        where c.protocol = 'halfway-house' and c.house_id is not null and c.data ? 'arrivedOn'
          and (c.data->>'arrivedOn')::date < ${to}::date
      ), houses as (
        select o.id as org, (coalesce(o.beds, 0) * (${to}::date - ${from}::date))::int as capacity
        from organisations o where o.kind = 'halfway_house'
      )
      select h.org, coalesce((select sum(s.nights) from stays s where s.org = h.org), 0)::int as numerator, h.capacity as denominator, null::float as median
      from houses h where h.capacity > 0`,
  },
  {
    id: 'halfway_house_non_arrivals',
    kind: 'count',
    title: text('halfway_house_non_arrivals', 'Halfway-house non-arrivals'),
    numerator: 'NOT_ARRIVED events.',
    period: 'The event’s date.',
    attributedTo: 'The halfway house.',
    query: countEvents('halfway-house', 'NOT_ARRIVED', sql`true`, HOUSE),
  },
  {
    id: 'move_on_to_stable_housing',
    kind: 'rate',
    title: text('move_on_to_stable_housing', 'Move-on to stable housing'),
    numerator: 'Departures with reason moved_on_stable_housing.',
    denominator: 'All departures.',
    period: 'The departure date.',
    attributedTo: 'The halfway house.',
    query: shareOfEvents('halfway-house', 'DEPARTED', sql`e.data->>'reason' = 'moved_on_stable_housing'`, HOUSE),
  },
  {
    id: 'handovers_acknowledged_within_48_hours',
    kind: 'rate',
    title: text('handovers_acknowledged_within_48_hours', 'Handovers acknowledged within 48 hours'),
    numerator: 'ACKNOWLEDGED events within 48 hours of the (last) sending.',
    denominator: 'All ACKNOWLEDGED events.',
    period: 'The acknowledgement date.',
    attributedTo: 'The sender (case owner).',
    query: shareOfEvents('patronage', 'ACKNOWLEDGED', sql`e.at - (c.data->>'sentAt')::timestamptz <= interval '48 hours'`),
  },
  {
    id: 'first_contact_within_72_hours',
    kind: 'rate',
    title: text('first_contact_within_72_hours', 'First contact within 72 hours of release'),
    numerator: 'FIRST_CONTACT_MADE events whose contact time is within 72 hours of the release time.',
    denominator: 'All FIRST_CONTACT_MADE events.',
    period: 'The date the first contact was recorded.',
    attributedTo: 'The sender (case owner).',
    query: shareOfEvents('patronage', 'FIRST_CONTACT_MADE', sql`(e.data->>'at')::timestamptz - (c.data->>'releasedAt')::timestamptz <= interval '72 hours'`),
  },
  ...([3, 6, 12] as const).map((month): IndicatorDefinition => ({
    id: `in_contact_at_${month}_months`,
    kind: 'count',
    title: text(`in_contact_at_${month}_months`, `Still in contact at ${month} months`),
    numerator: `People with a follow-up recorded for month ${month} (FOLLOW_UP_RECORDED); each person once, however many follow-ups or handovers they have.`,
    period: 'The date the follow-up was recorded.',
    attributedTo: 'The sender (case owner) of the person’s first such follow-up in the period.',
    query: countPeople('patronage', 'FOLLOW_UP_RECORDED', sql`(e.data->>'month')::int = ${month}`),
  })),
  {
    id: 'returned_to_custody_within_12_months',
    kind: 'count',
    title: text('returned_to_custody_within_12_months', 'Returned to custody within 12 months of release'),
    numerator: 'People returned to custody (RETURNED_TO_CUSTODY) within 365 days of the release date; each person once, however many handovers they have.',
    period: 'The event’s date.',
    attributedTo: 'The sender (case owner) of the person’s first such event in the period.',
    query: countPeople('patronage', 'RETURNED_TO_CUSTODY', sql`(e.data->>'date')::date - (c.data->>'releaseDate')::date <= 365`),
  },
  {
    id: 're_engaged_after_refusal',
    kind: 'count',
    title: text('re_engaged_after_refusal', 'Re-engaged in patronage after refusing it'),
    numerator:
      'People whose patronage case was withdrawn (the person declined) and who re-engaged (RE_ENGAGED) in the period: each person once, however many times or in however many cases they re-engaged.',
    period: 'The date of the re-engagement.',
    attributedTo: 'The sender (case owner) of the person’s first re-engagement in the period.',
    // People, not events: one row per person (their first re-engagement in the period), then counted by its owner.
    query: (from, to) => sql`
      select org, count(*)::int as numerator, null::int as denominator, null::float as median
      from (
        select distinct on (c.participant_id) c.owner_organisation_id as org
        from case_events e join cases c on c.id = e.case_id
        where c.protocol = 'patronage' and e.type = 'RE_ENGAGED' and ${inPeriod(from, to)}
        order by c.participant_id, e.at, e.id
      ) people
      group by org`,
  },
  ...CENTRE_INDICATORS,
];
