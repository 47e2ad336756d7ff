import type { ApiClient } from '../api.js';
import { protocolById } from '../../../protocols/index.js';
import { PATHWAYS } from '../../../protocols/registry.js';
import { addWorkingDays } from '../../../protocols/time.js';
import { stateLabel, valueLabel } from '../i18n.js';
import { CaseLink, ListTable, Tag, type Viewer } from '../layout.js';
import type { CaseItem, DeadlineItem, Occupancy } from '../shapes.js';
import { cases, DAY, str, when, type Ctx } from './work.js';

/** The sections of "My work" about places: the prison's units, roster and release calendar; the halfway house's beds and referrals. */
export async function prisonWork(ctx: Ctx, api: ApiClient, viewer: Viewer) {
  const { t } = ctx;
  const occupancy = await api.maybe<Occupancy>(`/organisations/${viewer.organisation.id}/occupancy`);
  const units = occupancy?.kind === 'prison' ? occupancy.units : [];
  const unitName = new Map(units.map((unit) => [unit.unitId, unit.name]));
  const enrolments = await cases(api, 'unit-enrolment');
  const enrolled = enrolments.filter((item) => item.state === 'enrolled');
  const waitlist = enrolments.filter((item) => item.state === 'waitlisted').sort((a, b) => str(a.data.waitlistedAt).localeCompare(str(b.data.waitlistedAt)));
  const horizon = new Date(Date.parse(`${ctx.today}T00:00:00Z`) + 180 * DAY).toISOString().slice(0, 10);
  const plans = (await cases(api, 'pre-release'))
    .filter((item) => !item.final && str(item.data.releaseDate) !== '' && str(item.data.releaseDate) <= horizon)
    .sort((a, b) => str(a.data.releaseDate).localeCompare(str(b.data.releaseDate)));
  const handovers = (await cases(api, 'patronage')).filter((item) => item.yourParts.includes('sender'));
  const unitRoster = (caption: string, items: CaseItem[], dateField: string) => (
    <ListTable
      caption={caption}
      headings={[t('web.reference'), t('web.unit'), t('web.state'), t('web.phase'), t('web.since')]}
      empty={t('web.none')}
      items={items}
      row={(item) => (
        <tr>
          <th scope="row">
            <CaseLink id={item.id} reference={item.participant.referenceCode} />
          </th>
          <td>{unitName.get(str(item.data.unitId)) ?? ''}</td>
          <td>
            <Tag value={item.state} label={stateLabel(item.protocol, item.state, ctx.lang)} />
          </td>
          <td>{str(item.data.phase) && valueLabel(str(item.data.phase), ctx.lang)}</td>
          <td>{when(ctx, item.data[dateField])}</td>
        </tr>
      )}
    />
  );
  return (
    <section aria-labelledby="prison-work">
      <h2 id="prison-work">{t('web.roster')}</h2>
      <ListTable
        caption={t('web.units')}
        headings={[
          t('web.unit'),
          { label: t('web.places'), numeric: true },
          { label: t('web.used'), numeric: true },
          { label: t('web.reserved'), numeric: true },
          { label: t('web.free'), numeric: true },
          { label: t('web.waiting'), numeric: true },
        ]}
        empty={t('web.none')}
        items={units}
        row={(unit) => (
          <tr>
            <th scope="row">{unit.name}</th>
            <td class="num">{unit.places}</td>
            <td class="num">{unit.used}</td>
            <td class="num">{unit.reserved}</td>
            <td class="num">{unit.free === 0 ? <Tag value="full" label={`${unit.free}`} /> : unit.free}</td>
            <td class="num">{unit.waiting}</td>
          </tr>
        )}
      />
      {unitRoster(t('web.enrolled'), enrolled, 'admittedOn')}
      {unitRoster(t('web.waitlist'), waitlist, 'waitlistedAt')}
      {unitRoster(
        t('web.toAdmit'),
        enrolments.filter((item) => item.state === 'screened' || item.state === 'applied'),
        'openedAt',
      )}
      <ListTable
        caption={t('web.releaseCalendar')}
        headings={[t('web.reference'), t('web.releaseDate'), t('web.state'), t('web.pathways')]}
        empty={t('web.none')}
        items={plans}
        row={(item) => {
          const pathways = (item.data.pathways ?? {}) as Record<string, { status?: string }>;
          return (
            <tr>
              <th scope="row">
                <CaseLink id={item.id} reference={item.participant.referenceCode} />
              </th>
              <td>{when(ctx, item.data.releaseDate)}</td>
              <td>
                <Tag value={item.state} label={stateLabel(item.protocol, item.state, ctx.lang)} />
              </td>
              <td>
                {PATHWAYS.map((name) => {
                  const status = pathways[name]?.status ?? 'not_started';
                  return <Tag value={status} label={`${valueLabel(name, ctx.lang)}: ${valueLabel(status, ctx.lang)}`} />;
                })}
              </td>
            </tr>
          );
        }}
      />
      <ListTable
        caption={t('web.handoversSent')}
        headings={[t('web.reference'), t('web.ngo'), t('web.state')]}
        empty={t('web.none')}
        items={handovers}
        row={(item) => (
          <tr>
            <th scope="row">
              <CaseLink id={item.id} reference={item.participant.referenceCode} />
            </th>
            <td>{ctx.names.get(item.parties.find((party) => party.part === 'ngo')?.organisationId ?? '') ?? ''}</td>
            <td>
              <Tag value={item.state} label={stateLabel(item.protocol, item.state, ctx.lang)} />
            </td>
          </tr>
        )}
      />
    </section>
  );
}

export async function houseWork(ctx: Ctx, api: ApiClient, viewer: Viewer, deadlines: DeadlineItem[]) {
  const { t } = ctx;
  const occupancy = await api.maybe<Occupancy>(`/organisations/${viewer.organisation.id}/occupancy`);
  const placements = await cases(api, 'halfway-house');
  const referrals = placements.filter((item) => item.state === 'referred');
  // Residents are the people who arrived; an accepted person holds a bed from the arrival date but is not a resident (DOMAIN.md, "Halfway house").
  const residents = placements.filter((item) => item.state === 'resident');
  const expected = placements.filter((item) => item.state === 'accepted');
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
      <h2 id="house-work">{t('web.bedBoard')}</h2>
      {occupancy?.kind === 'halfway_house' && (
        <dl class="facts">
          <dt>{t('web.beds')}</dt>
          <dd>{occupancy.beds}</dd>
          <dt>{t('web.used')}</dt>
          <dd>{occupancy.used}</dd>
          <dt>{t('web.reserved')}</dt>
          <dd>{occupancy.reserved}</dd>
          <dt>{t('web.free')}</dt>
          <dd>{occupancy.free}</dd>
          <dt>{t('web.waiting')}</dt>
          <dd>{occupancy.waiting}</dd>
        </dl>
      )}
      {occupancy?.kind === 'halfway_house' && (
        // One tile a bed: occupied first, then reserved (accepted, not yet arrived), then free.
        <ul class="beds" aria-label={t('web.bedBoard')}>
          {Array.from({ length: occupancy.beds }, (_, index) => {
            const status = index < occupancy.used ? 'resident' : index < occupancy.used + occupancy.reserved ? 'accepted' : 'free';
            const label = status === 'resident' ? t('web.used') : status === 'accepted' ? t('web.reserved') : t('web.free');
            return (
              <li>
                <Tag value={status === 'free' ? 'done' : status === 'resident' ? 'overdue' : 'in_progress'} label={t('web.bedTile', { number: index + 1, status: label })} />
              </li>
            );
          })}
        </ul>
      )}
      <ListTable
        caption={t('web.referrals')}
        headings={[t('web.reference'), t('web.arrival'), t('web.decisionDue')]}
        empty={t('web.none')}
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
                {when(ctx, due)}{' '}
                {due && due < ctx.today ? <Tag value="overdue" label={t('web.overdue')} /> : remind?.overdue && <Tag value="in_progress" label={t('web.dueSoon')} />}
              </td>
            </tr>
          );
        }}
      />
      <ListTable
        caption={t('web.expectedArrivals')}
        headings={[t('web.reference'), t('web.arrival')]}
        empty={t('web.none')}
        items={expected}
        row={(item) => (
          <tr>
            <th scope="row">
              <CaseLink id={item.id} reference={item.participant.referenceCode} />
            </th>
            <td>
              {when(ctx, item.data.expectedArrivalDate)}{' '}
              {str(item.data.expectedArrivalDate) && str(item.data.expectedArrivalDate) < ctx.today && <Tag value="overdue" label={t('web.notArrivedYet')} />}
            </td>
          </tr>
        )}
      />
      <ListTable
        caption={t('web.residents')}
        headings={[t('web.reference'), t('web.arrived'), t('web.stayEnd')]}
        empty={t('web.none')}
        items={residents}
        row={(item) => (
          <tr>
            <th scope="row">
              <CaseLink id={item.id} reference={item.participant.referenceCode} />
            </th>
            <td>{when(ctx, item.data.arrivedOn)}</td>
            <td>{when(ctx, item.data.stayEndDate)}</td>
          </tr>
        )}
      />
    </section>
  );
}
