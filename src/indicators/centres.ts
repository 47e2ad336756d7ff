import { sql, type SQL } from 'drizzle-orm';
import { COUNTRY_CURRENCY } from '../../protocols/money.js';
import { countPeople, inPeriod, text, type IndicatorDefinition } from './sql.js';

/**
 * The treatment centres' indicators (protocol 6, `rehabilitation-certificate`), published in the
 * `centre-year` table: one row per treatment centre, the events of the year attributed to the
 * centre that held the case when they happened. The case's `centre` part is only its current
 * holder (CENTRE_CHANGED replaces it), so the centre of an event is read from the history: the
 * `centreOrganisationId` of the last CENTRE_CHOSEN or CENTRE_CHANGED before it. People are
 * counted, not events: each person once in the table, at the centre of their first such event.
 */
const PROTOCOL = 'rehabilitation-certificate';

/** The centre that held the case when the event `alias` was recorded. */
const centreAt = (alias: SQL) => sql`(
  select ch.data->>'centreOrganisationId' from case_events ch
  where ch.case_id = ${alias}.case_id and ch.type in ('CENTRE_CHOSEN', 'CENTRE_CHANGED') and ch.version < ${alias}.version
  order by ch.version desc limit 1)`;

const AT_EVENT = centreAt(sql`e`);

/** The first centre the person chose after the certificate, whenever they chose it. */
const FIRST_CHOSEN = sql`(
  select ch.data->>'centreOrganisationId' from case_events ch
  where ch.case_id = e.case_id and ch.type = 'CENTRE_CHOSEN' and ch.version > e.version
  order by ch.version limit 1)`;

/** The SERVICE_CLAIMED event a CLAIM_DECIDED `e` decided (its `claimId`), in the same case. */
const CLAIM = sql`(select cl.id, cl.case_id, cl.version, cl.data from case_events cl
  where cl.case_id = e.case_id and cl.type = 'SERVICE_CLAIMED' and cl.id::text = e.data->>'claimId')`;

/** The centre that made the claim a CLAIM_DECIDED `e` decided. */
const CLAIMING_CENTRE = sql`(select ${centreAt(sql`claim`)} from ${CLAIM} claim)`;

const APPROVED = sql`e.data->>'decision' = 'approved'`;

/** The currency of a country's certificates, where the certificate does not name one (the service's default: the owner's country's). */
const countryCurrency = sql.join(
  Object.entries(COUNTRY_CURRENCY).map(([country, currency]) => sql`when ${country} then ${currency}`),
  sql` `,
);

const completions = countPeople(PROTOCOL, 'COMPLETED', sql`true`, AT_EVENT);

/**
 * Approved amounts (minor units) by centre and person, in the certificate's currency, and the
 * completions by centre: approved amount / completions.
 */
const moneyPerCompletion = (from: string, to: string) => sql`
  select claim.org, sum((claim.data->>'amount')::float8) as numerator, null::int as denominator, null::float as median,
         claim.person, claim.unit
  from (
    select cl.data, c.participant_id::text as person, ${centreAt(sql`cl`)} as org,
           coalesce(
             (select ci.data->>'currency' from case_events ci
              where ci.case_id = cl.case_id and ci.type = 'CERTIFICATE_ISSUED' and ci.version < cl.version
              order by ci.version desc limit 1),
             (select case o.country ${countryCurrency} end from organisations o where o.id = c.owner_organisation_id)) as unit
    from case_events e join cases c on c.id = e.case_id
    join case_events cl on cl.case_id = e.case_id and cl.type = 'SERVICE_CLAIMED' and cl.id::text = e.data->>'claimId'
    where c.protocol = ${PROTOCOL} and e.type = 'CLAIM_DECIDED' and ${APPROVED} and ${inPeriod(from, to)}
  ) claim
  where claim.org is not null
  group by claim.org, claim.person, claim.unit
  union all
  select done.org, 0::float8 as numerator, done.numerator as denominator, null::float as median, null::text as person, null::text as unit
  from (${completions(from, to)}) done`;

const ATTRIBUTED = 'The treatment centre that held the case when the event happened (the last centre chosen or changed to before it).';

export const CENTRE_INDICATORS: IndicatorDefinition[] = [
  {
    id: 'certificates_issued',
    kind: 'count',
    title: text('certificates_issued', 'Rehabilitation certificates issued'),
    numerator:
      'People whose rehabilitation certificate was issued (CERTIFICATE_ISSUED) in the year, each once. A certificate whose holder has not chosen a centre yet is in no row and not in the total: it is counted once the person chooses, so a past year’s count can still grow.',
    period: 'The date the certificate was issued.',
    attributedTo: 'The first centre the person chose after the certificate (CENTRE_CHOSEN), whenever they chose it.',
    query: countPeople(PROTOCOL, 'CERTIFICATE_ISSUED', sql`true`, FIRST_CHOSEN),
    byCentre: true,
  },
  {
    id: 'certificates_redeemed',
    kind: 'count',
    title: text('certificates_redeemed', 'Certificates redeemed at the centre'),
    numerator: 'People with at least one claim approved (CLAIM_DECIDED, approved) in the year; each once, however many claims, cases or centres they have.',
    period: 'The date the claim was approved.',
    attributedTo: 'The centre that made the person’s first approved claim of the year (the centre holding the case when it claimed).',
    query: countPeople(PROTOCOL, 'CLAIM_DECIDED', APPROVED, CLAIMING_CENTRE),
    byCentre: true,
  },
  {
    id: 'completions',
    kind: 'count',
    title: text('completions', 'Rehabilitation programmes completed'),
    numerator: 'People who completed their rehabilitation programme (COMPLETED) in the year, each once.',
    period: 'The date the completion was recorded.',
    attributedTo: ATTRIBUTED,
    query: completions,
    byCentre: true,
  },
  {
    id: 'drop_outs',
    kind: 'count',
    title: text('drop_outs', 'Rehabilitation drop-outs'),
    numerator: 'People who dropped out (DROPPED_OUT, recorded by the centre or the coordinator) in the year, each once.',
    period: 'The date the drop-out was recorded.',
    attributedTo: ATTRIBUTED,
    query: countPeople(PROTOCOL, 'DROPPED_OUT', sql`true`, AT_EVENT),
    byCentre: true,
  },
  {
    id: 'money_approved_per_completion',
    kind: 'ratio',
    title: text('money_approved_per_completion', 'Money approved per completion'),
    numerator:
      'The amount of the claims approved in the year (minor units of the certificate’s currency, given as the cell’s unit; no value where a centre’s or the total’s amounts are in more than one currency). Suppressed when fewer people than the threshold are behind the amount.',
    denominator: 'People who completed their programme in the year at the centre, as in completions (suppressed as that count is).',
    period: 'The date the claim was approved; the date of the completion.',
    attributedTo: 'The centre that made the claim (holding the case when it claimed); the centre where the person completed.',
    query: moneyPerCompletion,
    byCentre: true,
  },
];
