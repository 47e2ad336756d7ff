import { sql, type SQL } from 'drizzle-orm';
import { ownMessage } from '../../locales/catalogue.js';

/**
 * What an indicator is and the SQL pieces the definitions share (./definitions.ts, ./centres.ts).
 *
 * Each query yields rows of `org`, `numerator` and, for rates, `denominator`; a median
 * indicator yields one row per case with its value in `median`. A ratio (an amount per
 * outcome) yields amount rows, one per organisation and person, with the amount in `numerator`,
 * the person in `person` (only to count the people behind the amount, never published) and its
 * currency in `unit`, and outcome rows with the count in `denominator`.
 */
export type IndicatorKind = 'count' | 'rate' | 'median' | 'ratio';

export type IndicatorDefinition = {
  id: string;
  kind: IndicatorKind;
  title: { en: string; ru: string };
  numerator: string;
  denominator?: string;
  period: string;
  attributedTo: string;
  /** SQL over events `e` (case_events) joined to cases `c`, in [from, to), grouped by `org`. */
  query: (from: string, to: string) => SQL;
  /** Published in the `centre-year` table (one row per treatment centre) only, and in no other. */
  byCentre?: true;
};

/**
 * An indicator's title: its English here, the default message the English catalogue must match
 * (tests/indicators.int.test.ts); its Russian from the catalogue (`indicator.<id>`), as the
 * protocols' texts are (protocols/texts.ts).
 */
export const text = (id: string, en: string) => ({ en, ru: ownMessage('ru', `indicator.${id}`) ?? en });

export const inPeriod = (from: string, to: string) => sql`e.at >= ${from}::timestamptz and e.at < ${to}::timestamptz`;

/** Events of a protocol in the period that meet a condition, counted by the case owner (or another organisation column). */
export const countEvents =
  (protocol: string, type: string, extra: SQL = sql`true`, by: SQL = sql`c.owner_organisation_id`) =>
  (from: string, to: string) => sql`
  select ${by} as org, count(*)::int as numerator, null::int as denominator, null::float as median
  from case_events e join cases c on c.id = e.case_id
  where c.protocol = ${protocol} and e.type = ${type} and ${inPeriod(from, to)} and ${extra} and ${by} is not null
  group by ${by}`;

/**
 * People with an event of a protocol in the period that meets a condition: each person once in the whole
 * table, however many such events or cases they have, attributed to the organisation of their first such
 * event (so that no sum of rows counts anyone twice). docs/DOMAIN.md, "Monitoring and evaluation": indicators count people.
 */
export const countPeople =
  (protocol: string, type: string, extra: SQL = sql`true`, by: SQL = sql`c.owner_organisation_id`) =>
  (from: string, to: string) => sql`
  select org, count(*)::int as numerator, null::int as denominator, null::float as median
  from (
    select distinct on (c.participant_id) ${by} as org
    from case_events e join cases c on c.id = e.case_id
    where c.protocol = ${protocol} and e.type = ${type} and ${inPeriod(from, to)} and ${extra} and ${by} is not null
    order by c.participant_id, e.at, e.id
  ) people
  group by org`;

/** A share among events of a type: numerator where a condition holds, denominator all. */
export const shareOfEvents =
  (protocol: string, type: string, condition: SQL, by: SQL = sql`c.owner_organisation_id`) =>
  (from: string, to: string) => sql`
  select ${by} as org, (count(*) filter (where ${condition}))::int as numerator, count(*)::int as denominator, null::float as median
  from case_events e join cases c on c.id = e.case_id
  where c.protocol = ${protocol} and e.type = ${type} and ${inPeriod(from, to)} and ${by} is not null
  group by ${by}`;
