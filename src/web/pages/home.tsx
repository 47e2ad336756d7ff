import type { ApiClient } from '../api.js';
import { protocolById } from '../../../protocols/index.js';
import { PATHWAYS } from '../../../protocols/registry.js';
import { addWorkingDays, localDateOf } from '../../../protocols/time.js';
import { formatWhen, protocolTitle, stateLabel, translator, valueLabel, type Lang, type Translate } from '../i18n.js';
import { CaseLink, Layout, ListTable, Notice, Tag, type PageContext, type Viewer } from '../layout.js';
import type { CaseItem, DeadlineItem, Occupancy, OrganisationItem, Page } from '../shapes.js';

/**
 * "My work": what each role comes for, assembled from the API as the signed-in person sees it.
 * Every list is the API's list for this person; nothing here reads the database.
 */
const DAY = 86_400_000;

type Ctx = { t: Translate; lang: Lang; tz: string; today: string; names: Map<string, string> };

const str = (value: unknown) => (typeof value === 'string' ? value : '');
const when = (ctx: Ctx, value: unknown) => formatWhen(str(value) || null, ctx.lang, ctx.tz);

async function cases(api: ApiClient, protocol: string): Promise<CaseItem[]> {
  return (await api.maybe<Page<CaseItem>>(`/cases?protocol=${protocol}&limit=200`))?.items ?? [];
}

export async function homePage(page: PageContext & { viewer: Viewer }, api: ApiClient, now: Date, flash: string | undefined, problem?: string) {
  const { viewer, lang } = page;
  const t = translator(lang);
  const tz = viewer.organisation.timeZone;
  const today = localDateOf(now, tz);
  const organisations = (await api.maybe<Page<OrganisationItem>>('/organisations?limit=200'))?.items ?? [];
  const ctx: Ctx = { t, lang, tz, today, names: new Map(organisations.map((org) => [org.id, org.name])) };
  const deadlines = (await api.maybe<Page<DeadlineItem>>('/deadlines?limit=200'))?.items ?? [];
  const roles = new Set(viewer.roles);
  const sections = [];
  if (roles.has('prison_staff')) sections.push(await prisonWork(ctx, api, viewer));
  if (roles.has('judge')) sections.push(await courtWork(ctx, api));
  if (roles.has('probation_officer')) sections.push(await probationWork(ctx, api, deadlines, now));
  if (roles.has('treatment_staff'))
    sections.push(<CaseTable ctx={ctx} caption={t('web.caseload')} items={(await cases(api, 'court-ordered-treatment')).filter((item) => !item.final)} />);
  if (roles.has('ngo_worker')) sections.push(await ngoWork(ctx, api, deadlines));
  if (roles.has('halfway_house_staff')) sections.push(await houseWork(ctx, api, viewer, deadlines));
  if (roles.has('coordinator')) sections.push(coordinatorWork(ctx, organisations, deadlines, viewer, page.csrf ?? ''));
  return (
    <Layout page={page} title={t('web.home')}>
      <h1>
        {t('web.home')}: {viewer.organisation.name}
      </h1>
      {flash && <Notice>{flash}</Notice>}
      {problem && <Notice kind="error">{problem}</Notice>}
      {sections}
      <DeadlineTable ctx={ctx} caption={t('web.workQueue')} items={deadlines} />
    </Layout>
  );
}

function CaseTable(props: { ctx: Ctx; caption: string; items: CaseItem[] }) {
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

async function prisonWork(ctx: Ctx, api: ApiClient, viewer: Viewer) {
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
      <table>
        <caption>{t('web.units')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('web.unit')}</th>
            <th scope="col" class="num">
              {t('web.places')}
            </th>
            <th scope="col" class="num">
              {t('web.used')}
            </th>
            <th scope="col" class="num">
              {t('web.reserved')}
            </th>
            <th scope="col" class="num">
              {t('web.free')}
            </th>
            <th scope="col" class="num">
              {t('web.waiting')}
            </th>
          </tr>
        </thead>
        <tbody>
          {units.map((unit) => (
            <tr>
              <th scope="row">{unit.name}</th>
              <td class="num">{unit.places}</td>
              <td class="num">{unit.used}</td>
              <td class="num">{unit.reserved}</td>
              <td class="num">{unit.free === 0 ? <Tag value="full" label={`${unit.free}`} /> : unit.free}</td>
              <td class="num">{unit.waiting}</td>
            </tr>
          ))}
        </tbody>
      </table>
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

async function courtWork(ctx: Ctx, api: ApiClient) {
  const { t } = ctx;
  const orders = await cases(api, 'court-ordered-treatment');
  const table = (caption: string, items: CaseItem[]) => (
    <ListTable
      caption={caption}
      headings={[t('web.reference'), t('web.caseNumber'), t('web.programme'), t('web.state'), { label: t('web.tests'), numeric: true }, t('web.nextReport')]}
      empty={t('web.none')}
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
              {when(ctx, next)} {next && (next < ctx.today ? <Tag value="overdue" label={t('web.overdue')} /> : <Tag value="done" label={t('web.onTime')} />)}
            </td>
          </tr>
        );
      }}
    />
  );
  return (
    <section aria-labelledby="court-work">
      <h2 id="court-work">{t('web.courtOrders')}</h2>
      {table(
        t('web.breachesAwaiting'),
        orders.filter((item) => item.state === 'breach_review'),
      )}
      {table(t('web.courtOrders'), orders)}
    </section>
  );
}

async function probationWork(ctx: Ctx, api: ApiClient, deadlines: DeadlineItem[], now: Date) {
  const { t } = ctx;
  const all = [...(await cases(api, 'court-ordered-treatment')), ...(await cases(api, 'pre-release')), ...(await cases(api, 'halfway-house'))];
  const weekEnd = now.getTime() + 7 * DAY;
  const reports = deadlines.filter((item) => item.rule.startsWith('progress_report') && Date.parse(item.dueAt) <= weekEnd);
  return (
    <section aria-labelledby="probation-work">
      <h2 id="probation-work">{t('web.caseload')}</h2>
      <DeadlineTable ctx={ctx} caption={t('web.reportsDue')} items={reports} />
      <CaseTable ctx={ctx} caption={t('web.caseload')} items={all.filter((item) => !item.final && item.yourParts.includes('probation'))} />
    </section>
  );
}

async function ngoWork(ctx: Ctx, api: ApiClient, deadlines: DeadlineItem[]) {
  const { t } = ctx;
  const handovers = await cases(api, 'patronage');
  const incoming = handovers.filter((item) => item.state === 'sent');
  const caseload = handovers.filter((item) => item.state === 'acknowledged' || item.state === 'active');
  return (
    <section aria-labelledby="ngo-work">
      <h2 id="ngo-work">{t('web.incomingHandovers')}</h2>
      <ListTable
        caption={t('web.incomingHandovers')}
        headings={[t('web.reference'), t('web.releaseDate'), t('web.state')]}
        empty={t('web.none')}
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
        caption={t('web.caseload')}
        headings={[t('web.reference'), t('web.state'), t('web.nextContact')]}
        empty={t('web.none')}
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
                {when(ctx, next)} {next && next < ctx.today && <Tag value="overdue" label={t('web.overdue')} />}
              </td>
            </tr>
          );
        }}
      />
      <DeadlineTable
        ctx={ctx}
        caption={t('web.overdueContacts')}
        items={deadlines.filter((item) => item.overdue && (item.rule === 'contact_due' || item.rule === 'first_contact_overdue'))}
      />
      <DeadlineTable ctx={ctx} caption={t('web.followUps')} items={deadlines.filter((item) => item.rule.startsWith('follow_up_'))} />
    </section>
  );
}

async function houseWork(ctx: Ctx, api: ApiClient, viewer: Viewer, deadlines: DeadlineItem[]) {
  const { t } = ctx;
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
        caption={t('web.residents')}
        headings={[t('web.reference'), t('web.state'), t('web.arrival'), t('web.stayEnd')]}
        empty={t('web.none')}
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

function coordinatorWork(ctx: Ctx, organisations: OrganisationItem[], deadlines: DeadlineItem[], viewer: Viewer, csrf: string) {
  const { t } = ctx;
  const soon = new Date(Date.parse(`${ctx.today}T00:00:00Z`) + 90 * DAY).toISOString().slice(0, 10);
  const expiring = organisations.filter((org) => org.region === viewer.organisation.region && org.certificationValidUntil && org.certificationValidUntil <= soon);
  return (
    <section aria-labelledby="coordinator-work">
      <h2 id="coordinator-work">{t('web.escalations')}</h2>
      <DeadlineTable ctx={ctx} caption={t('web.escalations')} items={deadlines.filter((item) => item.kind === 'escalation' || item.overdue)} />
      <ListTable
        caption={t('web.certifications')}
        headings={[t('web.organisation'), t('web.validUntil')]}
        empty={t('web.none')}
        items={expiring}
        row={(org) => (
          <tr>
            <th scope="row">{org.name}</th>
            <td>
              {when(ctx, org.certificationValidUntil)} {org.certified === false && <Tag value="overdue" label={t('web.overdue')} />}
            </td>
          </tr>
        )}
      />
      <h2 id="break-glass">{t('web.breakGlass')}</h2>
      <p class="hint">{t('web.breakGlassHint')}</p>
      <form method="post" action="/app/break-glass" class="panel">
        <input type="hidden" name="_csrf" value={csrf} />
        <div class="field">
          <label for="bg-case">{t('web.caseId')}</label>
          <input type="text" id="bg-case" name="caseId" required />
        </div>
        <div class="field">
          <label for="bg-reason">{t('web.reason')}</label>
          <textarea id="bg-reason" name="reason" required minlength={10}></textarea>
        </div>
        <button class="primary" type="submit">
          {t('web.grant')}
        </button>
      </form>
    </section>
  );
}
