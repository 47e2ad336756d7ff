import type { ApiClient } from '../api.js';
import { fieldLabel, SchemaFields, type JsonSchema, type OrganisationOption } from '../forms.js';
import { protocolKey, protocolText, t as message } from '../../../locales/catalogue.js';
import { formatWhen, humanise, translator, type Lang } from '../i18n.js';
import { Layout, Notice, Tag, type PageContext, type Viewer } from '../layout.js';
import type { Problem } from '../problem.js';
import type { CaseItem, Caseworker, HistoryItem, OrganisationItem, Page } from '../shapes.js';
import { AssigneeSection } from './assignee.js';

/** The protocol as published by GET /protocols/:id: titles, and each event's data schema per state. */
export type PublishedProtocol = {
  title: { en: string; ru: string };
  states: Record<string, { title: { en: string; ru: string }; on: Record<string, { description: { en: string; ru: string }; data: JsonSchema }> }>;
};

export type FailedForm = { event: string; problem: Problem; values: Record<string, string>; errors: Record<string, string> };

const DATA_CLASSES = ['identity', 'contact', 'custody', 'legal', 'compliance', 'health', 'social'] as const;

function Value(props: { value: unknown; lang: Lang; tz: string }) {
  const { value, lang, tz } = props;
  if (value === null || value === undefined) return <></>;
  if (typeof value === 'boolean') return <>{message(lang, value ? 'web.yes' : 'web.no')}</>;
  if (typeof value === 'string') return <>{/^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) ? formatWhen(value, lang, tz) : value}</>;
  if (typeof value === 'number') return <>{String(value)}</>;
  if (Array.isArray(value)) return <>{value.map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item))).join(', ')}</>;
  return (
    <dl class="facts">
      {Object.entries(value as Record<string, unknown>).map(([key, inner]) => (
        <>
          <dt>{fieldLabel(key, lang)}</dt>
          <dd>
            <Value value={inner} lang={lang} tz={tz} />
          </dd>
        </>
      ))}
    </dl>
  );
}

export async function loadCase(api: ApiClient, id: string) {
  const item = await api.get<CaseItem>(`/cases/${id}`);
  const [history, participant, protocol, organisations, caseworkers] = await Promise.all([
    api.get<Page<HistoryItem>>(`/cases/${id}/events?limit=200`),
    api.maybe<Record<string, unknown>>(`/participants/${item.participant.id}`),
    api.get<PublishedProtocol>(`/protocols/${item.protocol}`),
    api.maybe<Page<OrganisationItem>>('/organisations?limit=200'),
    api.maybe<Page<Caseworker>>('/caseworkers?limit=200'),
  ]);
  return { item, history: history.items, participant, protocol, organisations: organisations?.items ?? [], caseworkers: caseworkers?.items ?? [] };
}

export function casePage(page: PageContext & { viewer: Viewer }, loaded: Awaited<ReturnType<typeof loadCase>>, flash: string | undefined, failed: FailedForm | undefined) {
  const { lang, viewer } = page;
  const t = translator(lang);
  const tz = viewer.organisation.timeZone;
  const { item, history, participant, protocol, organisations } = loaded;
  const names = new Map(organisations.map((org) => [org.id, org.name]));
  const options: OrganisationOption[] = organisations.map((org) => ({ id: org.id, name: org.name, kind: org.kind }));
  const transitions = protocol.states[item.state]?.on ?? {};
  const stateTitle = (state: string) => protocolText(lang, protocolKey.state(item.protocol, state), protocol.states[state]?.title);
  const title = `${protocolText(lang, protocolKey.title(item.protocol), protocol.title) ?? item.protocol}: ${item.participant.referenceCode}`;
  return (
    <Layout page={page} title={title}>
      <h1>{title}</h1>
      {flash && <Notice>{flash}</Notice>}
      {failed && (
        <Notice kind="error">
          <strong>{t('web.problem')}</strong> {failed.problem.detail ?? failed.problem.title}
        </Notice>
      )}
      <dl class="facts">
        <dt>{t('web.state')}</dt>
        <dd>
          <Tag value={item.state} label={stateTitle(item.state)} />
        </dd>
        <dt>{t('web.parties')}</dt>
        <dd>{item.parties.map((party) => `${humanise(party.part)}: ${names.get(party.organisationId) ?? party.organisationId}`).join('; ')}</dd>
      </dl>
      <AssigneeSection page={page} item={item} caseworkers={loaded.caseworkers} />
      <div class="grid">
        <section aria-labelledby="participant">
          <h2 id="participant">{t('web.participant')}</h2>
          {participant ? (
            DATA_CLASSES.filter((dataClass) => participant[dataClass] !== undefined).map((dataClass) => (
              <>
                <h3>{t(`web.${dataClass}`)}</h3>
                <Value value={participant[dataClass]} lang={lang} tz={tz} />
              </>
            ))
          ) : (
            <p>{item.participant.referenceCode}</p>
          )}
        </section>
        <section aria-labelledby="case-data">
          <h2 id="case-data">{t('web.details')}</h2>
          <Value value={item.data} lang={lang} tz={tz} />
          {item.dataWithheld && <p class="hint">{t('web.withheld')}</p>}
        </section>
      </div>
      <section aria-labelledby="actions">
        <h2 id="actions">{t('web.actions')}</h2>
        {item.allowedEvents.length === 0 && <p>{t('web.noActions')}</p>}
        {item.allowedEvents.map((event) => {
          const transition = transitions[event];
          if (!transition) return null;
          const prefix = `ev-${event.toLowerCase()}`;
          const isFailed = failed?.event === event;
          return (
            <details class="action" open={isFailed || item.allowedEvents.length === 1}>
              <summary>
                {humanise(event)}: {protocolText(lang, protocolKey.event(item.protocol, event), transition.description)}
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
                />
                <button class="primary" type="submit">
                  {t('web.record')}: {humanise(event)}
                </button>
              </form>
            </details>
          );
        })}
      </section>
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
                {humanise(event.type)} {!event.observation && <Tag value={event.toState} label={stateTitle(event.toState)} />}
              </th>
              <td>{event.organisationId ? (names.get(event.organisationId) ?? '') : humanise(event.part)}</td>
              <td>
                <Value value={event.data} lang={lang} tz={tz} />
                {event.dataWithheld && <span class="hint">{t('web.withheld')}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
