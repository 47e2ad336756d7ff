import type { ApiClient } from '../api.js';
import { localDateOf } from '../../../protocols/time.js';
import { stateLabel, translator, valueLabel } from '../i18n.js';
import { CaseLink, Layout, ListTable, Notice, Tag, type PageContext, type Viewer } from '../layout.js';
import type { CaseItem, DeadlineItem, OrganisationItem, Page } from '../shapes.js';
import { CaseTable, cases, DAY, DeadlineTable, str, when, type Ctx } from './work.js';
import { houseWork, prisonWork } from './work-places.js';

/**
 * "My work": what each role comes for, assembled from the API as the signed-in person sees it.
 * Every list is the API's list for this person; nothing here reads the database.
 */
export async function homePage(page: PageContext & { viewer: Viewer }, api: ApiClient, now: Date, flash: string | undefined, problem?: string) {
  const { viewer, lang } = page;
  const t = translator(lang);
  const tz = viewer.organisation.timeZone;
  const today = localDateOf(now, tz);
  const organisations = (await api.maybe<Page<OrganisationItem>>('/organisations?limit=200'))?.items ?? [];
  const ctx: Ctx = { t, lang, tz, today, names: new Map(organisations.map((org) => [org.id, org.name])) };
  const deadlines = (await api.maybe<Page<DeadlineItem>>('/deadlines?limit=200'))?.items ?? [];
  const roles = new Set(viewer.roles);
  // "My cases" (issue 16 item 6): the cases the organisation assigned to this person, beside its queue.
  const mine = (await api.maybe<Page<CaseItem>>('/cases?assignee=me&limit=200'))?.items;
  const sections = mine ? [<CaseTable ctx={ctx} caption={t('web.myCases')} items={mine.filter((item) => !item.final)} />] : [];
  if (roles.has('prison_staff')) sections.push(await prisonWork(ctx, api, viewer));
  if (roles.has('judge')) sections.push(await courtWork(ctx, api));
  if (roles.has('probation_officer')) sections.push(await probationWork(ctx, api, deadlines, now));
  if (roles.has('treatment_staff'))
    sections.push(<CaseTable ctx={ctx} caption={t('web.caseload')} items={(await cases(api, 'court-ordered-treatment')).filter((item) => !item.final)} />);
  if (roles.has('ngo_worker')) sections.push(await ngoWork(ctx, api, deadlines));
  if (roles.has('halfway_house_staff')) sections.push(await houseWork(ctx, api, viewer, deadlines));
  if (roles.has('coordinator')) sections.push(coordinatorWork(ctx, organisations, deadlines, viewer));
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
        // An order that is over has no next report, whatever its data kept.
        const next = item.final ? '' : str(item.data.nextReportDue);
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

function coordinatorWork(ctx: Ctx, organisations: OrganisationItem[], deadlines: DeadlineItem[], viewer: Viewer) {
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
      <p class="hint">{t('web.breakGlassWhere')}</p>
      <p>
        <a href="/app/people">{t('web.findPerson')}</a> · <a href="/app/denials">{t('web.denials')}</a>
      </p>
    </section>
  );
}
