import type { ApiClient } from '../../api.js';
import { stateLabel, valueLabel } from '../../i18n.js';
import { CaseLink, ListTable, Tag } from '../../layout.js';
import type { CaseItem } from '../../shapes.js';
import { cases, str, when, type Ctx } from './shared.js';

/** A judge: the court orders, breaches awaiting review first. */
export async function courtWork(ctx: Ctx, api: ApiClient) {
  const { w } = ctx;
  const orders = await cases(api, 'court-ordered-treatment');
  const table = (caption: string, items: CaseItem[]) => (
    <ListTable
      caption={caption}
      headings={[w.reference, w.caseNumber, w.programme, w.state, { label: w.tests, numeric: true }, w.nextReport]}
      empty={w.none}
      items={items}
      row={(item) => {
        const next = str(item.data.nextReportDue);
        return (
          <tr>
            <th scope="row">
              <CaseLink id={item.id} reference={item.participant.referenceCode} />
            </th>
            <td>{str(item.data.caseNumber)}</td>
            <td>{str(item.data.programme) && valueLabel(str(item.data.programme), ctx.lang)}</td>
            <td>
              <Tag value={item.state} label={stateLabel(item.protocol, item.state, ctx.lang)} />
            </td>
            <td class="num">{Array.isArray(item.data.adverseTests) ? item.data.adverseTests.length : 0}</td>
            <td>
              {when(ctx, next)} {next && (next < ctx.today ? <Tag value="overdue" label={w.overdue} /> : <Tag value="done" label={w.onTime} />)}
            </td>
          </tr>
        );
      }}
    />
  );
  return (
    <section aria-labelledby="court-work">
      <h2 id="court-work">{w.courtOrders}</h2>
      {table(
        w.breachesAwaiting,
        orders.filter((item) => item.state === 'breach_review'),
      )}
      {table(w.courtOrders, orders)}
    </section>
  );
}
