import type { ApiClient } from '../api.js';
import { localDateOf } from '../../../protocols/time.js';
import { WORDS } from '../i18n.js';
import { Layout, Notice, type PageContext, type Viewer } from '../layout.js';
import type { DeadlineItem, OrganisationItem, Page } from '../shapes.js';
import { coordinatorWork } from './home/coordinator.js';
import { courtWork } from './home/court.js';
import { houseWork } from './home/house.js';
import { ngoWork } from './home/ngo.js';
import { prisonWork } from './home/prison.js';
import { probationWork } from './home/probation.js';
import { CaseTable, cases, DeadlineTable, type Ctx } from './home/shared.js';

/**
 * "My work": what each role comes for, assembled from the API as the signed-in person sees it.
 * Every list is the API's list for this person; nothing here reads the database.
 * One section per role, each in its own file under home/.
 */
export async function homePage(page: PageContext & { viewer: Viewer }, api: ApiClient, now: Date, flash: string | undefined, problem?: string) {
  const { viewer, lang } = page;
  const w = WORDS[lang];
  const tz = viewer.organisation.timeZone;
  const today = localDateOf(now, tz);
  const organisations = (await api.maybe<Page<OrganisationItem>>('/organisations?limit=200'))?.items ?? [];
  const ctx: Ctx = { w, lang, tz, today, names: new Map(organisations.map((org) => [org.id, org.name])) };
  const deadlines = (await api.maybe<Page<DeadlineItem>>('/deadlines?limit=200'))?.items ?? [];
  const roles = new Set(viewer.roles);
  const sections = [];
  if (roles.has('prison_staff')) sections.push(await prisonWork(ctx, api, viewer));
  if (roles.has('judge')) sections.push(await courtWork(ctx, api));
  if (roles.has('probation_officer')) sections.push(await probationWork(ctx, api, deadlines, now));
  if (roles.has('treatment_staff')) sections.push(<CaseTable ctx={ctx} caption={w.caseload} items={(await cases(api, 'court-ordered-treatment')).filter((item) => !item.final)} />);
  if (roles.has('ngo_worker')) sections.push(await ngoWork(ctx, api, deadlines));
  if (roles.has('halfway_house_staff')) sections.push(await houseWork(ctx, api, viewer, deadlines));
  if (roles.has('coordinator')) sections.push(coordinatorWork(ctx, organisations, deadlines, viewer, page.csrf ?? ''));
  return (
    <Layout page={page} title={w.home}>
      <h1>
        {w.home}: {viewer.organisation.name}
      </h1>
      {flash && <Notice>{flash}</Notice>}
      {problem && <Notice kind="error">{problem}</Notice>}
      {sections}
      <DeadlineTable ctx={ctx} caption={w.workQueue} items={deadlines} />
    </Layout>
  );
}
