import type { ApiClient } from '../api.js';
import { formatWhen, protocolTitle, stateLabel, type Lang, type Translate } from '../i18n.js';
import { CaseLink, ListTable, Tag } from '../layout.js';
import type { CaseItem, DeadlineItem, Page } from '../shapes.js';

/** What the sections of "My work" (home.tsx, work-places.tsx) share: the reader's context, the API's case lists, and the two list tables. */
export const DAY = 86_400_000;

export type Ctx = { t: Translate; lang: Lang; tz: string; today: string; names: Map<string, string> };

export const str = (value: unknown) => (typeof value === 'string' ? value : '');
export const when = (ctx: Ctx, value: unknown) => formatWhen(str(value) || null, ctx.lang, ctx.tz);

export async function cases(api: ApiClient, protocol: string): Promise<CaseItem[]> {
  return (await api.maybe<Page<CaseItem>>(`/cases?protocol=${protocol}&limit=200`))?.items ?? [];
}

export function CaseTable(props: { ctx: Ctx; caption: string; items: CaseItem[] }) {
  const { t } = props.ctx;
  return (
    <ListTable
      caption={props.caption}
      headings={[t('web.reference'), t('web.case'), t('web.state')]}
      empty={t('web.none')}
      items={props.items}
      row={(item) => (
        <tr>
          <th scope="row">
            <CaseLink id={item.id} reference={item.participant.referenceCode} />
          </th>
          <td>{protocolTitle(item.protocol, props.ctx.lang) ?? item.protocol}</td>
          <td>
            <Tag value={item.state} label={stateLabel(item.protocol, item.state, props.ctx.lang)} />
          </td>
        </tr>
      )}
    />
  );
}

export function DeadlineTable(props: { ctx: Ctx; caption: string; items: DeadlineItem[] }) {
  const { t, lang, tz } = props.ctx;
  return (
    <ListTable
      caption={props.caption}
      headings={[t('web.reference'), t('web.details'), t('web.due')]}
      empty={t('web.none')}
      items={props.items}
      row={(item) => (
        <tr>
          <th scope="row">{item.caseId ? <CaseLink id={item.caseId} reference={item.participantReference} /> : item.participantReference}</th>
          <td>
            {item.title[lang]} {item.kind === 'escalation' && <Tag value="escalation" label={t('web.escalation')} />}
          </td>
          <td>
            {formatWhen(item.dueAt, lang, tz)} {item.overdue && <Tag value="overdue" label={t('web.overdue')} />}
          </td>
        </tr>
      )}
    />
  );
}
