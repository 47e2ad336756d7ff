import type { ApiClient } from '../api.js';
import { SchemaFields, type JsonSchema, type OrganisationOption } from '../forms.js';
import { protocolKey, protocolText } from '../../../locales/catalogue.js';
import { eventLabel, formatWhen, partLabel, stateLabel, translator } from '../i18n.js';
import { Layout, Notice, TableBox, Tag, type PageContext, type Viewer } from '../layout.js';
import { problemMessage, type Problem } from '../problem.js';
import type { CaseItem, Caseworker, HistoryItem, OrganisationItem, Page } from '../shapes.js';
import { DataList, DataValue, type ValueContext } from '../values.js';
import { AssigneeSection } from './assignee.js';
import { CENTRE_EVENTS, centreGroups, claimName, loadCentres, MONEY_DATA, moneyField, moneyOf } from '../certificate.js';
import { CertificatePanel } from './certificate.js';

/** The protocol as published by GET /protocols/:id: titles, and each event's data schema per state. */
export type PublishedProtocol = {
  title: { en: string; ru: string };
  states: Record<string, { title: { en: string; ru: string }; on: Record<string, { description: { en: string; ru: string }; data: JsonSchema }> }>;
};

export type FailedForm = { event: string; problem: Problem; values: Record<string, string>; errors: Record<string, string> };

const DATA_CLASSES = ['identity', 'contact', 'custody', 'legal', 'compliance', 'health', 'social'] as const;
/** A data class with something in it: an empty one is not worth a heading. */
const omit = (data: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(Object.entries(data).filter(([key]) => !keys.includes(key)));
/** An event's record of the certificate it left (a claim, a decision): its balance only, the rest is the account's. */
function balanceOnly(data: Record<string, unknown>): Record<string, unknown> {
  const certificate = data.certificate as Record<string, unknown> | undefined;
  if (!certificate || typeof certificate !== 'object') return data;
  const { approved, pending, remaining } = certificate;
  return { ...data, certificate: { approved, pending, remaining } };
}
const hasData = (value: unknown) => value !== undefined && value !== null && (typeof value !== 'object' || Object.keys(value).length > 0);

/** A case with everything its page names: history, person, protocol, organisations, units, caseworkers, and a certificate's centres. */
export async function loadCase(api: ApiClient, id: string, here?: { day: string; region: string }) {
  const item = await api.get<CaseItem>(`/cases/${id}`);
  const [history, participant, protocol, organisations, caseworkers] = await Promise.all([
    api.get<Page<HistoryItem>>(`/cases/${id}/events?limit=200`),
    api.maybe<Record<string, unknown>>(`/participants/${item.participant.id}`),
    api.get<PublishedProtocol>(`/protocols/${item.protocol}`),
    api.maybe<Page<OrganisationItem>>('/organisations?limit=200'),
    api.maybe<Page<Caseworker>>('/caseworkers?limit=200'),
  ]);
  const all = organisations?.items ?? [];
  // Units are named by the prisons that have them: the case's prisons' units, where the reader may list them.
  const prisons = new Set([item.ownerOrganisationId, ...item.parties.map((party) => party.organisationId)].filter((id) => all.find((org) => org.id === id)?.kind === 'prison'));
  const unitLists = await Promise.all([...prisons].map((id) => api.maybe<{ items: { id: string; name: string }[] }>(`/organisations/${id}/units`)));
  const units = new Map(unitLists.flatMap((list) => list?.items ?? []).map((unit) => [unit.id, unit.name]));
  // The person's region, where the reader sees the person; else the reader's own.
  const region = typeof participant?.region === 'string' ? participant.region : (here?.region ?? '');
  const centres = here ? await loadCentres(api, item, region, here.day) : undefined;
  return { item, history: history.items, participant, protocol, organisations: all, units, caseworkers: caseworkers?.items ?? [], centres };
}

export function casePage(page: PageContext & { viewer: Viewer }, loaded: Awaited<ReturnType<typeof loadCase>>, flash: string | undefined, failed: FailedForm | undefined) {
  const { lang, viewer } = page;
  const t = translator(lang);
  const tz = viewer.organisation.timeZone;
  const { item, history, participant, protocol, organisations, units } = loaded;
  const names = new Map(organisations.map((org) => [org.id, org.name]));
  const money = moneyOf(item);
  const claims = money && new Map(money.claims.map((claim) => [claim.id, claimName(claim, money.certificate.currency, lang, t)]));
  const ctx: ValueContext = { lang, tz, organisations: names, units, claims, currency: money?.certificate.currency };
  const options: OrganisationOption[] = organisations.map((org) => ({ id: org.id, name: org.name, kind: org.kind }));
  const transitions = protocol.states[item.state]?.on ?? {};
  const stateTitle = (state: string) => stateLabel(item.protocol, state, lang);
  // The person's choice of centre: only centres certified today, the person's region first.
  // A change of centre offers every certified centre but the person's current one.
  const current = item.parties.find((party) => party.part === 'centre')?.organisationId;
  const pickers = loaded.centres ? { centreOrganisationId: centreGroups(loaded.centres, t, current) } : undefined;
  // A claim is decided on its row of the certificate's claims, not in a form of its own.
  const forms = item.allowedEvents.filter((event) => !(money && event === 'CLAIM_DECIDED'));
  const title = `${protocolText(lang, protocolKey.title(item.protocol), protocol.title) ?? item.protocol}: ${item.participant.referenceCode}`;
  return (
    <Layout page={page} title={title}>
      <h1>{title}</h1>
      {flash && <Notice>{flash}</Notice>}
      {failed && (
        <Notice kind="error">
          <strong>{t('web.problem')}</strong> {problemMessage(failed.problem, lang)}
        </Notice>
      )}
      <dl class="facts">
        <dt>{t('web.state')}</dt>
        <dd>
          <Tag value={item.state} label={stateTitle(item.state)} />
        </dd>
        <dt>{t('web.parties')}</dt>
        <dd>{item.parties.map((party) => `${partLabel(item.protocol, party.part, lang)}: ${names.get(party.organisationId) ?? t('web.notShown')}`).join('; ')}</dd>
      </dl>
      <AssigneeSection page={page} item={item} caseworkers={loaded.caseworkers} />
      {money && <CertificatePanel page={page} item={item} money={money} values={failed?.event === 'CLAIM_DECIDED' ? failed.values : undefined} />}
      <div class="grid">
        <section aria-labelledby="participant">
          <h2 id="participant">{t('web.participant')}</h2>
          {participant ? (
            <>
              <p>
                <a href={`/app/people/${item.participant.id}`}>{t('web.people.openExisting', { reference: item.participant.referenceCode })}</a>
              </p>
              {DATA_CLASSES.filter((dataClass) => hasData(participant[dataClass])).map((dataClass) => (
                <>
                  <h3>{t(`web.${dataClass}`)}</h3>
                  <DataValue name={dataClass} value={participant[dataClass]} ctx={ctx} />
                </>
              ))}
            </>
          ) : (
            <p>{item.participant.referenceCode}</p>
          )}
        </section>
        <section aria-labelledby="case-data">
          <h2 id="case-data">{t('web.details')}</h2>
          <DataList data={money ? omit(item.data, MONEY_DATA) : item.data} ctx={ctx} />
          {item.dataWithheld && <p class="hint">{t('web.withheld')}</p>}
        </section>
      </div>
      <section aria-labelledby="actions">
        <h2 id="actions">{t('web.actions')}</h2>
        {forms.length === 0 && <p>{t('web.noActions')}</p>}
        {forms.map((event) => {
          const transition = transitions[event];
          if (!transition) return null;
          const prefix = `ev-${event.toLowerCase()}`;
          const isFailed = failed?.event === event;
          return (
            <details class="action" open={isFailed || forms.length === 1}>
              <summary>
                {eventLabel(item.protocol, event, lang)}: {protocolText(lang, protocolKey.event(item.protocol, event), transition.description)}
              </summary>
              <form method="post" action={`/app/cases/${item.id}/events`}>
                <input type="hidden" name="_csrf" value={page.csrf ?? ''} />
                <input type="hidden" name="type" value={event} />
                <input type="hidden" name="expectedVersion" value={String(item.version)} />
                <SchemaFields
                  prefix={prefix}
                  schema={transition.data}
                  lang={lang}
                  organisations={options}
                  values={isFailed ? failed.values : undefined}
                  errors={isFailed ? failed.errors : undefined}
                  pickers={CENTRE_EVENTS.includes(event as (typeof CENTRE_EVENTS)[number]) ? pickers : undefined}
                  money={moneyField(item, event, viewer)}
                />
                <button class="primary" type="submit">
                  {t('web.record')}: {eventLabel(item.protocol, event, lang)}
                </button>
              </form>
            </details>
          );
        })}
      </section>
      <TableBox label={t('web.timeline')}>
        <table>
          <caption>{t('web.timeline')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('web.at')}</th>
              <th scope="col">{t('web.event')}</th>
              <th scope="col">{t('web.by')}</th>
              <th scope="col">{t('web.details')}</th>
            </tr>
          </thead>
          <tbody>
            {[...history].reverse().map((event) => (
              <tr>
                <td>{formatWhen(event.at, lang, tz)}</td>
                <th scope="row">
                  {eventLabel(item.protocol, event.type, lang)} {!event.observation && <Tag value={event.toState} label={stateTitle(event.toState)} />}
                </th>
                <td>{event.organisationId ? (names.get(event.organisationId) ?? t('web.notShown')) : partLabel(item.protocol, event.part, lang)}</td>
                <td>
                  <DataValue name="data" value={balanceOnly(event.data)} ctx={ctx} />
                  {event.dataWithheld && <span class="hint">{t('web.withheld')}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </Layout>
  );
}
