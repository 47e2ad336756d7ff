import type { ApiClient } from '../../api.js';
import { stateLabel } from '../../i18n.js';
import { CaseLink, ListTable, Tag } from '../../layout.js';
import type { DeadlineItem } from '../../shapes.js';
import { cases, DeadlineTable, str, when, type Ctx } from './shared.js';

/** An NGO worker: incoming handovers, the caseload with its next contact, overdue contacts, follow-ups. */
export async function ngoWork(ctx: Ctx, api: ApiClient, deadlines: DeadlineItem[]) {
  const { w } = ctx;
  const handovers = await cases(api, 'patronage');
  const incoming = handovers.filter((item) => item.state === 'sent');
  const caseload = handovers.filter((item) => item.state === 'acknowledged' || item.state === 'active');
  return (
    <section aria-labelledby="ngo-work">
      <h2 id="ngo-work">{w.incomingHandovers}</h2>
      <ListTable
        caption={w.incomingHandovers}
        headings={[w.reference, w.releaseDate, w.state]}
        empty={w.none}
        items={incoming}
        row={(item) => (
          <tr>
            <th scope="row">
              <CaseLink id={item.id} reference={item.participant.referenceCode} />
            </th>
            <td>{when(ctx, item.data.releasedAt)}</td>
            <td>
              <Tag value={item.state} label={stateLabel(item.protocol, item.state, ctx.lang)} />
            </td>
          </tr>
        )}
      />
      <ListTable
        caption={w.caseload}
        headings={[w.reference, w.state, w.nextContact]}
        empty={w.none}
        items={caseload}
        row={(item) => {
          const next = str(item.data.nextContactDue) || str(item.data.plannedFirstContact);
          return (
            <tr>
              <th scope="row">
                <CaseLink id={item.id} reference={item.participant.referenceCode} />
              </th>
              <td>
                <Tag value={item.state} label={stateLabel(item.protocol, item.state, ctx.lang)} />
              </td>
              <td>
                {when(ctx, next)} {next && next < ctx.today && <Tag value="overdue" label={w.overdue} />}
              </td>
            </tr>
          );
        }}
      />
      <DeadlineTable
        ctx={ctx}
        caption={w.overdueContacts}
        items={deadlines.filter((item) => item.overdue && (item.rule === 'contact_due' || item.rule === 'first_contact_overdue'))}
      />
      <DeadlineTable ctx={ctx} caption={w.followUps} items={deadlines.filter((item) => item.rule.startsWith('follow_up_'))} />
    </section>
  );
}
