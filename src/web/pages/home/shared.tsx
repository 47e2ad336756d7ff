import type { ApiClient } from '../../api.js';
import { protocolById } from '../../../../protocols/index.js';
import { formatWhen, stateLabel, type Lang, type Words } from '../../i18n.js';
import { CaseLink, ListTable, Tag } from '../../layout.js';
import type { CaseItem, DeadlineItem, Page } from '../../shapes.js';

// What every role's section of the home page uses: the page's context, the API's case lists, the two tables.

export const DAY = 86_400_000;

export type Ctx = { w: Words; lang: Lang; tz: string; today: string; names: Map<string, string> };

export const str = (value: unknown) => (typeof value === 'string' ? value : '');
export const when = (ctx: Ctx, value: unknown) => formatWhen(str(value) || null, ctx.lang, ctx.tz);

/** The cases of one protocol this person sees (the API's list, first 200). */
export async function cases(api: ApiClient, protocol: string): Promise<CaseItem[]> {
  return (await api.maybe<Page<CaseItem>>(`/cases?protocol=${protocol}&limit=200`))?.items ?? [];
}

export function CaseTable(props: { ctx: Ctx; caption: string; items: CaseItem[] }) {
  const { w } = props.ctx;
  return (
    <ListTable
      caption={props.caption}
      headings={[w.reference, w.case, w.state]}
      empty={w.none}
      items={props.items}
      row={(item) => (
        <tr>
          <th scope="row">
            <CaseLink id={item.id} reference={item.participant.referenceCode} />
          </th>
          <td>{protocolById(item.protocol)?.title[props.ctx.lang] ?? item.protocol}</td>
          <td>
            <Tag value={item.state} label={stateLabel(item.protocol, item.state, props.ctx.lang)} />
          </td>
        </tr>
      )}
    />
  );
}

export function DeadlineTable(props: { ctx: Ctx; caption: string; items: DeadlineItem[] }) {
  const { w, lang, tz } = props.ctx;
  return (
    <ListTable
      caption={props.caption}
      headings={[w.reference, w.details, w.due]}
      empty={w.none}
      items={props.items}
      row={(item) => (
        <tr>
          <th scope="row">{item.caseId ? <CaseLink id={item.caseId} reference={item.participantReference} /> : item.participantReference}</th>
          <td>
            {item.title[lang]} {item.kind === 'escalation' && <Tag value="escalation" label={w.escalation} />}
          </td>
          <td>
            {formatWhen(item.dueAt, lang, tz)} {item.overdue && <Tag value="overdue" label={w.overdue} />}
          </td>
        </tr>
      )}
    />
  );
}
