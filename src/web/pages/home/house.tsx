import type { ApiClient } from '../../api.js';
import { protocolById } from '../../../../protocols/index.js';
import { addWorkingDays } from '../../../../protocols/time.js';
import { stateLabel } from '../../i18n.js';
import { CaseLink, ListTable, Tag, type Viewer } from '../../layout.js';
import type { CaseItem, DeadlineItem, Occupancy } from '../../shapes.js';
import { cases, str, when, type Ctx } from './shared.js';

/** Halfway-house staff: the bed board, referrals with their decision date, residents. */
export async function houseWork(ctx: Ctx, api: ApiClient, viewer: Viewer, deadlines: DeadlineItem[]) {
  const { w } = ctx;
  const occupancy = await api.maybe<Occupancy>(`/organisations/${viewer.organisation.id}/occupancy`);
  const placements = await cases(api, 'halfway-house');
  const referrals = placements.filter((item) => item.state === 'referred');
  const residents = placements.filter((item) => item.state === 'resident' || item.state === 'accepted');
  // The decision deadline (DOMAIN.md §4: 5 working days after the referral) notifies the referrer and
  // the coordinator, not the house, so it is not in the house's own work queue: it is worked out here
  // from the protocol's rule, the referral date the API shows the house and the country's calendar.
  const rule = protocolById('halfway-house')?.deadlines?.decision_overdue?.due;
  const workingDays = rule && 'workingDays' in rule ? (rule.workingDays ?? 5) : 5;
  const calendar = await api.maybe<{ holidays: { date: string }[] }>(`/calendars/${viewer.organisation.country}`);
  const holidays = new Set((calendar?.holidays ?? []).map((holiday) => holiday.date));
  const decisionDue = (item: CaseItem) => (str(item.data.referredOn) ? addWorkingDays(str(item.data.referredOn), workingDays, holidays) : '');
  const reminder = (caseId: string) => deadlines.find((item) => item.caseId === caseId && item.rule === 'decision_reminder');
  return (
    <section aria-labelledby="house-work">
      <h2 id="house-work">{w.bedBoard}</h2>
      {occupancy?.kind === 'halfway_house' && (
        <dl class="facts">
          <dt>{w.beds}</dt>
          <dd>{occupancy.beds}</dd>
          <dt>{w.used}</dt>
          <dd>{occupancy.used}</dd>
          <dt>{w.reserved}</dt>
          <dd>{occupancy.reserved}</dd>
          <dt>{w.free}</dt>
          <dd>{occupancy.free}</dd>
          <dt>{w.waiting}</dt>
          <dd>{occupancy.waiting}</dd>
        </dl>
      )}
      {occupancy?.kind === 'halfway_house' && (
        // One tile a bed: occupied first, then reserved (accepted, not yet arrived), then free.
        <ul class="beds" aria-label={w.bedBoard}>
          {Array.from({ length: occupancy.beds }, (_, index) => {
            const status = index < occupancy.used ? 'resident' : index < occupancy.used + occupancy.reserved ? 'accepted' : 'free';
            const label = status === 'resident' ? w.used : status === 'accepted' ? w.reserved : w.free;
            return (
              <li>
                <Tag value={status === 'free' ? 'done' : status === 'resident' ? 'overdue' : 'in_progress'} label={`${w.bed} ${index + 1}: ${label}`} />
              </li>
            );
          })}
        </ul>
      )}
      <ListTable
        caption={w.referrals}
        headings={[w.reference, w.arrival, w.decisionDue]}
        empty={w.none}
        items={referrals}
        row={(item) => {
          const due = decisionDue(item);
          const remind = reminder(item.id);
          return (
            <tr>
              <th scope="row">
                <CaseLink id={item.id} reference={item.participant.referenceCode} />
              </th>
              <td>{when(ctx, item.data.expectedArrivalDate)}</td>
              <td>
                {when(ctx, due)} {due && due < ctx.today ? <Tag value="overdue" label={w.overdue} /> : remind?.overdue && <Tag value="in_progress" label={w.dueSoon} />}
              </td>
            </tr>
          );
        }}
      />
      <ListTable
        caption={w.residents}
        headings={[w.reference, w.state, w.arrival, w.stayEnd]}
        empty={w.none}
        items={residents}
        row={(item) => (
          <tr>
            <th scope="row">
              <CaseLink id={item.id} reference={item.participant.referenceCode} />
            </th>
            <td>
              <Tag value={item.state} label={stateLabel(item.protocol, item.state, ctx.lang)} />
            </td>
            <td>{when(ctx, item.data.arrivedOn || item.data.expectedArrivalDate)}</td>
            <td>{when(ctx, item.data.stayEndDate)}</td>
          </tr>
        )}
      />
    </section>
  );
}
